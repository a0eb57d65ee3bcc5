/**
 * The ceiling: what node:http alone costs on this machine, nothing stored.
 *   PUT /<anything>  read and discard the body (no file, no fsync), answer 200 with an ETag.
 *   GET /<anything>  answer a fixed in-memory body of the size given by argv[4] (default 4 KiB).
 * Usage: node --import tsx bench/servers/ceiling.ts <dataDir-unused> <port> [getBytes]
 */
import { createServer } from 'node:http';

const port = Number(process.argv[3]);
const body = Buffer.alloc(Number(process.argv[4] ?? 4096), 7);

createServer((req, res) => {
  if (req.method === 'PUT') {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { etag: '"00000000000000000000000000000000"', 'content-length': 0 }).end();
    });
  } else if (req.method === 'GET') {
    req.resume();
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
  } else {
    res.writeHead(405, { 'content-length': 0 }).end();
  }
}).listen(port, '127.0.0.1');
