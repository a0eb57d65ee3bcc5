import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVerifier, OssCallbackVerificationError, verifyOssCallback } from '../src/index.js';
import { b64, fakeFetch, REAL } from './helpers.js';

function requestWithKeyUrl(keyUrl: string) {
  return {
    method: 'POST',
    url: REAL.target,
    headers: { authorization: REAL.authorization, 'x-oss-pub-key-url': b64(keyUrl) },
    body: REAL.body,
  };
}

async function assertUntrusted(
  keyUrl: string,
  options: { trustedKeyUrlPrefixes?: string[]; trustDefaultOss?: boolean } = {},
) {
  // The fake would happily serve the genuine key for any URL: it must never be asked.
  const fake = fakeFetch({ [keyUrl]: REAL.pem, [URL.canParse(keyUrl) ? new URL(keyUrl).href : keyUrl]: REAL.pem });
  await assert.rejects(createVerifier({ ...options, fetch: fake.fetch }).verify(requestWithKeyUrl(keyUrl)), (error) => {
    assert.ok(error instanceof OssCallbackVerificationError);
    assert.equal(error.code, 'UNTRUSTED_KEY_URL', keyUrl);
    return true;
  });
  await assert.rejects(verifyOssCallback(requestWithKeyUrl(keyUrl), { ...options, fetch: fake.fetch }), {
    code: 'UNTRUSTED_KEY_URL',
  });
  assert.deepEqual(fake.calls, [], `fetched ${keyUrl}`);
}

describe('key URL trust', () => {
  it('never fetches an untrusted key URL', async () => {
    await assertUntrusted('http://evil.example/callback_pub_key_v1.pem');
    await assertUntrusted('http://127.0.0.1:18080/callback_pub_key_v1.pem');
  });

  for (const lookAlike of [
    'http://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem',
    'http://gosspublic.alicdn.com@evil.com/callback_pub_key_v1.pem',
    'http://user:pass@gosspublic.alicdn.com/callback_pub_key_v1.pem',
    'http://evil.com/gosspublic.alicdn.com/callback_pub_key_v1.pem',
    'http://evil.com/?u=http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
    'http://evil.com#http://gosspublic.alicdn.com/',
    'http://gosspublic.alicdn.com:8080/callback_pub_key_v1.pem',
    'http://gosspublic.alicdn.com./callback_pub_key_v1.pem',
    'http://xgosspublic.alicdn.com/callback_pub_key_v1.pem',
    'ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem',
    'file:///etc/gosspublic.alicdn.com/callback_pub_key_v1.pem',
    '//gosspublic.alicdn.com/callback_pub_key_v1.pem',
  ]) {
    it(`rejects the look-alike ${lookAlike}`, () => assertUntrusted(lookAlike));
  }

  it('rejects garbage in the key-URL header without fetching', async () => {
    const fake = fakeFetch({});
    const verifier = createVerifier({ fetch: fake.fetch });
    await assert.rejects(verifier.verify(requestWithKeyUrl('not a url')), { code: 'UNTRUSTED_KEY_URL' });
    const request = {
      ...requestWithKeyUrl(''),
      headers: { authorization: REAL.authorization, 'x-oss-pub-key-url': '%%%' },
    };
    await assert.rejects(verifier.verify(request), { code: 'MISSING_KEY_URL' });
    assert.equal(fake.calls.length, 0);
  });

  it('matches user prefixes on origin and path, after normalisation', async () => {
    const options = { trustedKeyUrlPrefixes: ['http://localhost:18080/keys/'] };
    await assertUntrusted('http://localhost:18080/callback_pub_key_v1.pem', options);
    await assertUntrusted('http://localhost:18080/keys/../callback_pub_key_v1.pem', options);
    await assertUntrusted('http://localhost:18080/keys/%2e%2e/callback_pub_key_v1.pem', options);
    await assertUntrusted('http://localhost:18081/keys/k.pem', options);
    await assertUntrusted('https://localhost:18080/keys/k.pem', options);
    await assertUntrusted('http://localhost:18080/keysx/k.pem', {
      trustedKeyUrlPrefixes: ['http://localhost:18080/keys'],
    });

    const fake = fakeFetch({ 'http://localhost:18080/keys/k.pem': REAL.pem });
    const verifier = createVerifier({ ...options, fetch: fake.fetch });
    await verifier.verify(requestWithKeyUrl('http://LOCALHOST:18080/keys/./k.pem'));
    assert.deepEqual(fake.calls, ['http://localhost:18080/keys/k.pem']);
  });

  it('adds user prefixes to the OSS default unless trustDefaultOss is false', async () => {
    const fake = fakeFetch({ [REAL.keyUrlHttp]: REAL.pem });
    await createVerifier({ trustedKeyUrlPrefixes: ['http://localhost:18080/'], fetch: fake.fetch }).verify(
      requestWithKeyUrl(REAL.keyUrlHttp),
    );
    assert.equal(fake.calls.length, 1);
    await assertUntrusted(REAL.keyUrlHttp, {
      trustedKeyUrlPrefixes: ['http://localhost:18080/'],
      trustDefaultOss: false,
    });
    await assertUntrusted(REAL.keyUrlHttps, { trustDefaultOss: false });
  });

  it('pinned key: never fetches, ignores the header URL', async () => {
    const fake = fakeFetch({});
    const payload = await createVerifier({ publicKey: REAL.pem, fetch: fake.fetch }).verify(
      requestWithKeyUrl('http://evil.example/k.pem'),
    );
    assert.equal(payload.keyUrl, 'http://evil.example/k.pem');
    assert.equal(fake.calls.length, 0);
  });

  it('refuses malformed configuration up front', () => {
    assert.throws(() => createVerifier({ trustedKeyUrlPrefixes: ['localhost:18080'] }), TypeError);
    assert.throws(() => createVerifier({ trustedKeyUrlPrefixes: ['http://u:p@localhost/'] }), TypeError);
    assert.throws(() => createVerifier({ publicKey: 'not a pem' }));
  });
});
