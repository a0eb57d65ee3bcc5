import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createVerifier, fillMissingJsonValues, verifyOssCallback } from '../src/index.js';
import { b64, close, signCallback, startKeyServer } from './helpers.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pemOf = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

let keyServer: Awaited<ReturnType<typeof startKeyServer>>;
before(async () => {
  keyServer = await startKeyServer(pemOf(pair.publicKey));
});
after(() => close(keyServer.server));

function signed(
  target: string,
  body: string | Buffer,
  opts: { key?: KeyObject; keyPath?: string; contentType?: string } = {},
) {
  return {
    method: 'POST',
    url: target,
    headers: {
      authorization: signCallback(opts.key ?? pair.privateKey, target, body),
      'x-oss-pub-key-url': b64(`${keyServer.base}${opts.keyPath ?? '/callback_pub_key_v1.pem'}`),
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    },
    body,
  };
}

describe('own 2048-bit key served over loopback', () => {
  it('verifies, caches the key, and refetches after the TTL', async () => {
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${keyServer.base}/`], keyCacheTtlMs: 150 });
    const start = keyServer.hits();
    const body = 'bucket=examplebucket&object=exampleobject.txt&var1=value1&var2=value2';
    const payload = await verifier.verify(signed('/callback', body));
    assert.deepEqual(payload.variables, {
      bucket: 'examplebucket',
      object: 'exampleobject.txt',
      var1: 'value1',
      var2: 'value2',
    });
    assert.equal(payload.keyUrl, `${keyServer.base}/callback_pub_key_v1.pem`);
    assert.equal(keyServer.hits() - start, 1);
    await verifier.verify(signed('/callback?a=1', body));
    await Promise.all([verifier.verify(signed('/x', 'a=1')), verifier.verify(signed('/y', 'a=2'))]);
    assert.equal(keyServer.hits() - start, 1, 'cached');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await verifier.verify(signed('/callback', body));
    assert.equal(keyServer.hits() - start, 2, 'refetched after TTL');
  });

  it('concurrent first look-ups share one download', async () => {
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${keyServer.base}/`] });
    const start = keyServer.hits();
    await Promise.all([1, 2, 3, 4].map((n) => verifier.verify(signed(`/c${n}`, `n=${n}`))));
    assert.equal(keyServer.hits() - start, 1);
  });

  it('tampering and a wrong signer are rejected; a bad signature does not refetch within the cooldown', async () => {
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${keyServer.base}/`] });
    const start = keyServer.hits();
    const good = signed('/cb?x=1', 'a=1');
    await verifier.verify(good);
    await assert.rejects(verifier.verify({ ...good, body: 'a=2' }), { code: 'BAD_SIGNATURE' });
    await assert.rejects(verifier.verify({ ...good, url: '/cb?x=2' }), { code: 'BAD_SIGNATURE' });
    await assert.rejects(verifier.verify(signed('/cb', 'a=1', { key: other.privateKey })), { code: 'BAD_SIGNATURE' });
    assert.equal(keyServer.hits() - start, 1);
  });

  it('picks up a rotated key after the refetch cooldown', async () => {
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${keyServer.base}/`], keyRefetchCooldownMs: 0 });
    await verifier.verify(signed('/cb', 'a=1'));
    keyServer.setPem(pemOf(other.publicKey));
    try {
      const start = keyServer.hits();
      await verifier.verify(signed('/cb', 'a=1', { key: other.privateKey }));
      assert.equal(keyServer.hits() - start, 1);
    } finally {
      keyServer.setPem(pemOf(pair.publicKey));
    }
  });

  it('reports KEY_FETCH_FAILED for a missing key, a redirect, or a server that is down', async () => {
    const options = { trustedKeyUrlPrefixes: [`${keyServer.base}/`, 'http://127.0.0.1:1/'] };
    await assert.rejects(verifyOssCallback(signed('/cb', 'a=1', { keyPath: '/missing.pem' }), options), {
      code: 'KEY_FETCH_FAILED',
    });
    const start = keyServer.hits();
    await assert.rejects(verifyOssCallback(signed('/cb', 'a=1', { keyPath: '/redirect.pem' }), options), {
      code: 'KEY_FETCH_FAILED',
    });
    assert.equal(keyServer.hits() - start, 1, 'redirect not followed');
    const down = { ...signed('/cb', 'a=1'), headers: { ...signed('/cb', 'a=1').headers } };
    down.headers['x-oss-pub-key-url'] = b64('http://127.0.0.1:1/k.pem');
    await assert.rejects(verifyOssCallback(down, options), { code: 'KEY_FETCH_FAILED' });
  });

  it('decodes the path (Unicode, escaped bytes) but keeps the query raw', async () => {
    const verifier = createVerifier({ publicKey: pemOf(pair.publicKey) });
    const target = '/%E5%9B%9E%E8%B0%83/a%20b+c?name=%E4%B8%AD%E6%96%87&x=a+b';
    const body = 'object=%E6%96%87%E4%BB%B6%2F%F0%9F%98%80.txt&city=Z%C3%BCrich';
    const payload = await verifier.verify(signed(target, body));
    assert.deepEqual(payload.variables, { object: '文件/😀.txt', city: 'Zürich' });
    // Query is signed as sent: a decoded query is a different request.
    await assert.rejects(verifier.verify({ ...signed(target, body), url: '/回调/a b+c?name=中文&x=a+b' }), {
      code: 'BAD_SIGNATURE',
    });
    // raw UTF-8 body bytes
    const raw = Buffer.from('{"name":"中文 😀"}');
    const json = await verifier.verify(signed('/cb', raw, { contentType: 'application/json; charset=utf-8' }));
    assert.deepEqual(json.variables, { name: '中文 😀' });
  });

  it('accepts a bare "?" signed either way', async () => {
    const verifier = createVerifier({ publicKey: pemOf(pair.publicKey) });
    await verifier.verify(signed('/cb?', 'a=1'));
    const withoutQuestionMark = signed('/cb', 'a=1');
    await verifier.verify({ ...withoutQuestionMark, url: '/cb?' });
  });

  it('returns variables undefined for the invalid JSON the real OSS sends, unless asked to fill nulls', async () => {
    const body =
      '{"bucket":"chat-oss-bucket","object":"rubbish/1612272492048.jpg","etag":"F0F18C2C66AE1DD512BDCD4366F76DA3","size":9,"mimeType":"image/jpeg","imageInfo.height":,"imageInfo.width":,"imageInfo.format":null}';
    const request = signed('/cb', body, { contentType: 'application/json' });
    const plain = await verifyOssCallback(request, { publicKey: pemOf(pair.publicKey) });
    assert.equal(plain.variables, undefined);
    assert.equal(plain.body, body);
    const filled = await verifyOssCallback(request, {
      publicKey: pemOf(pair.publicKey),
      jsonMissingValuesAsNull: true,
    });
    assert.deepEqual(filled.variables, {
      bucket: 'chat-oss-bucket',
      object: 'rubbish/1612272492048.jpg',
      etag: 'F0F18C2C66AE1DD512BDCD4366F76DA3',
      size: 9,
      mimeType: 'image/jpeg',
      'imageInfo.height': null,
      'imageInfo.width': null,
      'imageInfo.format': null,
    });
    assert.equal(fillMissingJsonValues('{"a":"x\\":,}","b": }'), '{"a":"x\\":,}","b": null}');
    const other = await verifyOssCallback(signed('/cb', 'hello', { contentType: 'text/plain' }), {
      publicKey: pemOf(pair.publicKey),
    });
    assert.equal(other.variables, undefined);
  });
});
