import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallbackRequest, createVerifier, OssCallbackVerificationError, verifyOssCallback } from '../src/index.js';
import { fakeFetch, REAL } from './helpers.js';

function realRequest(
  overrides: Partial<CallbackRequest> = {},
  keyUrlB64: string = REAL.keyUrlHttpB64,
): CallbackRequest {
  return {
    method: 'POST',
    url: REAL.target,
    headers: {
      authorization: REAL.authorization,
      'x-oss-pub-key-url': keyUrlB64,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: Buffer.from(REAL.body),
    ...overrides,
  };
}

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OssCallbackVerificationError, String(error));
    assert.equal(error.code, code);
    return true;
  });

describe('the real-OSS test vector', () => {
  it('verifies with the pinned key', async () => {
    const payload = await verifyOssCallback(realRequest(), { publicKey: REAL.pem });
    assert.deepEqual(payload.variables, { bucket: 'yonghu-test' });
    assert.equal(payload.body, REAL.body);
    assert.deepEqual(payload.rawBody, Buffer.from(REAL.body));
    assert.equal(payload.contentType, 'application/x-www-form-urlencoded');
    assert.equal(payload.keyUrl, REAL.keyUrlHttp);
  });

  it('verifies with a pinned key and no key-URL header, string and Uint8Array bodies, absolute URL, Headers', async () => {
    const headers = new Headers({ Authorization: REAL.authorization });
    await verifyOssCallback(realRequest({ headers, body: REAL.body }), { publicKey: REAL.pem });
    await verifyOssCallback(realRequest({ headers, body: new TextEncoder().encode(REAL.body) }), {
      publicKey: REAL.pem,
    });
    await verifyOssCallback(realRequest({ headers, url: `http://app.example:9090${REAL.target}` }), {
      publicKey: REAL.pem,
    });
  });

  for (const [label, url, b64] of [
    ['http', REAL.keyUrlHttp, REAL.keyUrlHttpB64],
    ['https', REAL.keyUrlHttps, REAL.keyUrlHttpsB64],
  ] as const) {
    it(`verifies through the default-trusted ${label}:// key URL (injected fetch)`, async () => {
      const fake = fakeFetch({ [url]: REAL.pem });
      const verifier = createVerifier({ fetch: fake.fetch });
      const payload = await verifier.verify(realRequest({}, b64));
      assert.equal(payload.keyUrl, url);
      assert.deepEqual(fake.calls, [url]);
      // and through the shared cache of verifyOssCallback
      const payload2 = await verifyOssCallback(realRequest({}, b64), { fetch: fake.fetch });
      assert.deepEqual(payload2.variables, { bucket: 'yonghu-test' });
    });
  }

  const tampered: [string, Partial<CallbackRequest>][] = [
    ['one byte of the path', { url: '/index.pho?id=1&index=2' }],
    ['one byte of the query', { url: '/index.php?id=2&index=2' }],
    ['a dropped query', { url: '/index.php' }],
    ['one byte of the body', { body: Buffer.from('bucket=yonghu-tesT') }],
    ['a trailing newline on the body', { body: Buffer.from(`${REAL.body}\n`) }],
  ];
  for (const [label, overrides] of tampered) {
    it(`rejects ${label} (pinned key and fetched key)`, async () => {
      await rejectsWith(verifyOssCallback(realRequest(overrides), { publicKey: REAL.pem }), 'BAD_SIGNATURE');
      const fake = fakeFetch({ [REAL.keyUrlHttps]: REAL.pem });
      await rejectsWith(
        createVerifier({ fetch: fake.fetch }).verify(realRequest(overrides, REAL.keyUrlHttpsB64)),
        'BAD_SIGNATURE',
      );
    });
  }

  it('rejects a missing or corrupted signature', async () => {
    const headers = { 'x-oss-pub-key-url': REAL.keyUrlHttpB64 };
    await rejectsWith(verifyOssCallback(realRequest({ headers }), { publicKey: REAL.pem }), 'MISSING_SIGNATURE');
    const sig = Buffer.from(REAL.authorization, 'base64');
    sig[10] ^= 1;
    await rejectsWith(
      verifyOssCallback(realRequest({ headers: { ...headers, authorization: sig.toString('base64') } }), {
        publicKey: REAL.pem,
      }),
      'BAD_SIGNATURE',
    );
    await rejectsWith(
      verifyOssCallback(realRequest({ headers: { ...headers, authorization: '!!!' } }), { publicKey: REAL.pem }),
      'BAD_SIGNATURE',
    );
  });

  it('rejects a missing key URL when no key is pinned, and non-POST requests', async () => {
    await rejectsWith(
      verifyOssCallback(realRequest({ headers: { authorization: REAL.authorization } })),
      'MISSING_KEY_URL',
    );
    await rejectsWith(verifyOssCallback(realRequest({ method: 'GET' }), { publicKey: REAL.pem }), 'BAD_REQUEST');
  });

  it('rejects a pinned key that is not the signer', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await rejectsWith(verifyOssCallback(realRequest(), { publicKey }), 'BAD_SIGNATURE');
  });
});
