/**
 * A minimal application server that receives upload callbacks from ossd (or the real OSS),
 * verifies them and answers the JSON that the uploader will get back.
 *
 *   PORT=9090 HOST=127.0.0.1 OSSD_ENDPOINT=http://localhost:18080 npm run callback-server
 */
import { createServer } from 'node:http';
import { ossCallbackHandler, sendJson } from '../../packages/verify/src/adapters/node.js';

const port = Number(process.env.PORT ?? 9090);
const host = process.env.HOST ?? '127.0.0.1';
const ossdEndpoint = (process.env.OSSD_ENDPOINT ?? 'http://localhost:18080').replace(/\/+$/, '');

// Keys may be fetched from ossd's endpoint (it serves /callback_pub_key_v1.pem) and, by default,
// from the real OSS key host gosspublic.alicdn.com. Nothing else is ever fetched.
const handleCallback = ossCallbackHandler({ trustedKeyUrlPrefixes: [`${ossdEndpoint}/`] }, (payload, req) => {
  console.log(`[callback] ${req.method} ${req.url} (${payload.contentType}, key ${payload.keyUrl})`);
  console.log(`[callback] body: ${payload.body}`);
  console.log('[callback] variables:', payload.variables);
  // OSS requires HTTP 200 with a JSON body and Content-Length; the handler adapter sends both.
  return { Status: 'OK', received: payload.variables ?? null };
});

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    sendJson(res, 200, { ok: true });
    return;
  }
  handleCallback(req, res);
});

// Log rejected callbacks too (the handler answers them with 400 JSON).
server.on('request', (req, res) => {
  res.on('finish', () => {
    if (res.statusCode === 400) console.warn(`[callback] rejected ${req.method} ${req.url}`);
  });
});

server.listen(port, host, () => {
  console.log(`callback server listening on http://${host}:${port}/ (trusting keys under ${ossdEndpoint}/)`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
