/**
 * A trivial application server for upload callbacks: reads the body, answers {"ok":true} with Content-Length.
 * Usage: node bench/servers/callback-app.ts <port>   (plain JS-compatible TypeScript, run through tsx)
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const answer = Buffer.from('{"ok":true}');

createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
  });
}).listen(port, '127.0.0.1');
