import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ossCallbackHandler, verifyNodeRequest } from '../src/adapters/node.js';
import type { CallbackPayload } from '../src/index.js';
import {
  close,
  getAdapterKeys,
  listen,
  postCallback,
  startKeyServer,
  UNICODE_TARGET,
  UNICODE_VARIABLES,
} from './helpers.js';

describe('node:http adapter', async () => {
  const keys = await getAdapterKeys();
  const keyServer = await startKeyServer(keys.publicPem);
  const keyUrl = `${keyServer.base}/callback_pub_key_v1.pem`;
  const received: CallbackPayload[] = [];
  const server = createServer(
    ossCallbackHandler({ trustedKeyUrlPrefixes: [`${keyServer.base}/`], maxBodyBytes: 4096 }, (payload, req) => {
      received.push(payload);
      return { Status: 'OK', url: req.url, received: payload.variables };
    }),
  );
  let base = '';
  before(async () => {
    base = await listen(server);
  });
  after(async () => {
    await close(server);
    await close(keyServer.server);
  });

  it('answers the handler result as JSON for a signed callback (key fetched once)', async () => {
    const first = await postCallback(base, keys.privateKey, { keyUrl });
    assert.equal(first.status, 200);
    assert.deepEqual(first.json, { Status: 'OK', url: UNICODE_TARGET, received: UNICODE_VARIABLES });
    assert.equal(Number(first.contentLength), Buffer.byteLength(JSON.stringify(first.json)));
    assert.deepEqual(received.at(-1)?.variables, UNICODE_VARIABLES);
    const second = await postCallback(base, keys.privateKey, { keyUrl });
    assert.equal(second.status, 200);
    assert.equal(keyServer.hits(), 1);
  });

  it('answers 400 JSON for a tampered body, an untrusted key URL, and an oversized body', async () => {
    const count = received.length;
    const tampered = await postCallback(base, keys.privateKey, { keyUrl, tamper: true });
    assert.equal(tampered.status, 400);
    assert.deepEqual(tampered.json, { error: 'BAD_SIGNATURE', message: 'Callback signature does not verify' });
    const untrusted = await postCallback(base, keys.privateKey, { keyUrl: 'http://127.0.0.2:9/k.pem' });
    assert.equal(untrusted.status, 400);
    assert.equal((untrusted.json as { error: string }).error, 'UNTRUSTED_KEY_URL');
    const big = await postCallback(base, keys.privateKey, { keyUrl, body: `a=${'x'.repeat(5000)}` });
    assert.equal(big.status, 400);
    assert.equal(received.length, count);
  });

  it('verifyNodeRequest works in a hand-written listener', async () => {
    const own = createServer((req, res) => {
      verifyNodeRequest(req, { publicKey: keys.publicPem }).then(
        (payload) => res.end(JSON.stringify(payload.variables)),
        (error: { code: string }) => {
          res.statusCode = 401;
          res.end(JSON.stringify({ code: error.code }));
        },
      );
    });
    const ownBase = await listen(own);
    try {
      const ok = await postCallback(ownBase, keys.privateKey);
      assert.deepEqual([ok.status, ok.json], [200, UNICODE_VARIABLES]);
      const bad = await postCallback(ownBase, keys.privateKey, { tamper: true });
      assert.deepEqual([bad.status, bad.json], [401, { code: 'BAD_SIGNATURE' }]);
    } finally {
      await close(own);
    }
  });
});
