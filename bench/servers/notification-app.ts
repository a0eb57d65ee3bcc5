/**
 * An application server for event notifications: counts the POSTs it answers 200, answers 503 while
 * failing. GET /count → {"ok":N,"failed":M}; POST /fail?on=1|0 switches failing.
 * Usage: node bench/servers/notification-app.ts <port>   (run through tsx)
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
let ok = 0;
let failed = 0;
let failing = false;

createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/count') {
      const body = Buffer.from(JSON.stringify({ ok, failed }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      return;
    }
    if (req.url?.startsWith('/fail?')) {
      failing = req.url.endsWith('on=1');
      res.writeHead(204).end();
      return;
    }
    if (failing) {
      failed++;
      res.writeHead(503, { 'content-length': 0 }).end();
      return;
    }
    ok++;
    res.writeHead(200, { 'content-length': 0 }).end();
  });
}).listen(port, '127.0.0.1');
