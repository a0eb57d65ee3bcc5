import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { type OssCallbackEnv, ossCallback } from '../src/adapters/hono.js';
import { close, getAdapterKeys, listen, postCallback, UNICODE_TARGET, UNICODE_VARIABLES } from './helpers.js';

/** Minimal node:http → fetch bridge (what @hono/node-server does), passing `{ incoming }` as env. */
function serve(fetchHandler: (request: Request, env: { incoming: IncomingMessage }) => Response | Promise<Response>) {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
      });
      const response = await fetchHandler(request, { incoming: req });
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': body.length });
      res.end(body);
    });
  });
}

describe('Hono adapter', async () => {
  const keys = await getAdapterKeys();
  const app = new Hono<OssCallbackEnv>();
  app.post('/oss/:name', ossCallback({ publicKey: keys.publicPem }), async (c) => {
    const payload = c.get('ossCallback');
    // the body is still readable downstream
    const text = await c.req.text();
    return c.json({
      Status: 'OK',
      name: c.req.param('name'),
      same: text === payload.body,
      received: payload.variables,
    });
  });
  const server = serve((request, env) => app.fetch(request, env));
  let base = '';
  before(async () => {
    base = await listen(server);
  });
  after(() => close(server));

  it('verifies a signed callback (Unicode path and body)', async () => {
    const result = await postCallback(base, keys.privateKey);
    assert.equal(result.status, 200);
    assert.deepEqual(result.json, { Status: 'OK', name: '回调', same: true, received: UNICODE_VARIABLES });
  });

  it('rejects a tampered body with 400 JSON', async () => {
    const result = await postCallback(base, keys.privateKey, { tamper: true });
    assert.equal(result.status, 400);
    assert.equal((result.json as { error: string }).error, 'BAD_SIGNATURE');
  });

  it('also works from the Request URL alone (no node env)', async () => {
    const { signCallback } = await import('./helpers.js');
    const body = 'a=%E4%B8%AD';
    const init = (sent: string) => ({
      method: 'POST',
      headers: {
        authorization: signCallback(keys.privateKey, UNICODE_TARGET, body),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: sent,
    });
    const ok = await app.request(`http://app.local${UNICODE_TARGET}`, init(body));
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { received: unknown }).received, { a: '中' });
    const bad = await app.request(`http://app.local${UNICODE_TARGET}`, init('a=%E4%B8%AE'));
    assert.equal(bad.status, 400);
  });
});
