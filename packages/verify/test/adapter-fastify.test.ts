import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { getOssCallback, registerOssCallback } from '../src/adapters/fastify.js';
import { getAdapterKeys, postCallback, UNICODE_VARIABLES } from './helpers.js';

describe('Fastify adapter', async () => {
  const keys = await getAdapterKeys();
  const app = Fastify();
  const handled: unknown[] = [];
  app.register(async (scope) => {
    registerOssCallback(scope, { publicKey: keys.publicPem });
    scope.post('/oss/:name', async (request) => {
      const payload = getOssCallback(request);
      handled.push(payload.variables);
      return { Status: 'OK', params: request.params, received: payload.variables };
    });
  });
  // Routes outside the scope keep Fastify's normal JSON parser.
  app.post('/plain', async (request) => ({ echo: request.body }));
  let base = '';
  before(async () => {
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('verifies a signed form callback (Unicode path and body)', async () => {
    const result = await postCallback(base, keys.privateKey);
    assert.equal(result.status, 200);
    assert.deepEqual(result.json, { Status: 'OK', params: { name: '回调' }, received: UNICODE_VARIABLES });
    assert.deepEqual(handled, [UNICODE_VARIABLES]);
  });

  it('verifies a JSON callback over its raw bytes', async () => {
    const body = '{"bucket":"b","object":"文件.txt","size":3}';
    const result = await postCallback(base, keys.privateKey, { body, contentType: 'application/json' });
    assert.equal(result.status, 200);
    assert.deepEqual((result.json as { received: unknown }).received, { bucket: 'b', object: '文件.txt', size: 3 });
  });

  it('rejects a tampered body with 400 and does not run the handler', async () => {
    const count = handled.length;
    const result = await postCallback(base, keys.privateKey, { tamper: true });
    assert.equal(result.status, 400);
    assert.equal((result.json as { error: string }).error, 'BAD_SIGNATURE');
    assert.equal(handled.length, count);
  });

  it('leaves other routes alone', async () => {
    const response = await fetch(`${base}/plain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    assert.deepEqual(await response.json(), { echo: { a: 1 } });
  });
});
