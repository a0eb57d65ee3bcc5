import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  createMemorySeenIdStore,
  createVerifier,
  isOssCallbackVerificationError,
  type OssCallbackErrorCode,
} from '../src/index.js';
import { buildStringsToSign } from '../src/string-to-sign.js';
import { signCallback } from './helpers.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A request as ossd sends it with --callback-signature-v2. */
function v2Request(opts: { target?: string; body?: string; id?: string; timestamp?: number; attempt?: number } = {}) {
  const target = opts.target ?? '/hook?a=1';
  const body = opts.body ?? '{"events":[]}';
  const id = opts.id ?? '0123456789abcdef';
  const timestamp = String(opts.timestamp ?? Date.now());
  const [stringToSign] = buildStringsToSign(target, Buffer.from(body));
  const v2 = sign('sha256', Buffer.concat([Buffer.from(`${timestamp}\n${id}\n`), stringToSign]), pair.privateKey);
  return {
    method: 'POST',
    url: target,
    headers: {
      authorization: signCallback(pair.privateKey, target, body),
      'content-type': 'application/json',
      'x-ossd-delivery-id': id,
      'x-ossd-attempt': String(opts.attempt ?? 1),
      'x-ossd-timestamp': timestamp,
      'x-ossd-signature': v2.toString('base64'),
    },
    body,
  };
}

const rejectsWith = (code: OssCallbackErrorCode) => (err: unknown) =>
  isOssCallbackVerificationError(err) && err.code === code;

describe('ossd signature v2 (pinned key)', () => {
  it('verifies and exposes delivery id, attempt and timestamp', async () => {
    const req = v2Request({ attempt: 3 });
    const p = await createVerifier({ publicKey: pem }).verify(req);
    assert.equal(p.signatureV2, true);
    assert.equal(p.deliveryId, '0123456789abcdef');
    assert.equal(p.attempt, 3);
    assert.equal(p.timestamp, Number(req.headers['x-ossd-timestamp']));
  });

  it('rejects a stale or future timestamp beyond the tolerance', async () => {
    const verifier = createVerifier({ publicKey: pem, timestampToleranceMs: 60_000 });
    await assert.rejects(
      verifier.verify(v2Request({ timestamp: Date.now() - 61_000 })),
      rejectsWith('STALE_TIMESTAMP'),
    );
    await assert.rejects(
      verifier.verify(v2Request({ timestamp: Date.now() + 61_000 })),
      rejectsWith('STALE_TIMESTAMP'),
    );
    assert.equal((await verifier.verify(v2Request({ timestamp: Date.now() - 59_000 }))).signatureV2, true);
  });

  it('rejects a replay with a seen-id store, but not a retry (new timestamp) of the same delivery', async () => {
    const seenIds = createMemorySeenIdStore();
    const verifier = createVerifier({ publicKey: pem, seenIds });
    const first = v2Request({ timestamp: Date.now() - 10 });
    await verifier.verify(first);
    await assert.rejects(verifier.verify(first), rejectsWith('REPLAYED'));
    const retry = v2Request({ timestamp: Date.now(), attempt: 2 });
    assert.equal((await verifier.verify(retry)).attempt, 2);
    assert.equal(seenIds.size(), 2);
  });

  it('accepts an async shared store and consults it only after the signature verified', async () => {
    const calls: string[] = [];
    const seen = new Set<string>();
    const verifier = createVerifier({
      publicKey: pem,
      seenIds: {
        remember: async (id) => {
          calls.push(id);
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        },
      },
    });
    const forged = v2Request();
    forged.headers['x-ossd-signature'] = Buffer.alloc(256, 1).toString('base64');
    await assert.rejects(verifier.verify(forged), rejectsWith('BAD_SIGNATURE_V2'));
    assert.deepEqual(calls, []);
    const good = v2Request();
    await verifier.verify(good);
    await assert.rejects(verifier.verify(good), rejectsWith('REPLAYED'));
    assert.equal(calls.length, 2);
  });

  it('rejects a tampered body, delivery id or timestamp and incomplete v2 headers', async () => {
    const verifier = createVerifier({ publicKey: pem });
    const req = v2Request();
    await assert.rejects(
      verifier.verify({ ...req, headers: { ...req.headers, 'x-ossd-delivery-id': 'ffffffffffffffff' } }),
      rejectsWith('BAD_SIGNATURE_V2'),
    );
    await assert.rejects(
      verifier.verify({ ...req, headers: { ...req.headers, 'x-ossd-timestamp': String(Date.now() + 1) } }),
      rejectsWith('BAD_SIGNATURE_V2'),
    );
    const { 'x-ossd-timestamp': _t, ...noTimestamp } = req.headers;
    await assert.rejects(verifier.verify({ ...req, headers: noTimestamp }), rejectsWith('BAD_SIGNATURE_V2'));
    // A changed body breaks the OSS signature first.
    await assert.rejects(verifier.verify({ ...req, body: '{"events":[1]}' }), rejectsWith('BAD_SIGNATURE'));
  });

  it('without v2 headers: accepted unless required (requests from the real OSS)', async () => {
    const req = v2Request();
    const { 'x-ossd-timestamp': _t, 'x-ossd-signature': _s, ...plain } = req.headers;
    assert.equal((await createVerifier({ publicKey: pem }).verify({ ...req, headers: plain })).signatureV2, false);
    await assert.rejects(
      createVerifier({ publicKey: pem, requireSignatureV2: true }).verify({ ...req, headers: plain }),
      rejectsWith('BAD_SIGNATURE_V2'),
    );
  });

  it('the memory store forgets expired entries and stays within its size', () => {
    const store = createMemorySeenIdStore(3);
    const now = Date.now();
    assert.equal(store.remember('a', now - 1), true); // already expired
    assert.equal(store.remember('a', now + 10_000), true);
    for (const id of ['b', 'c', 'd']) store.remember(id, now + 10_000);
    assert.ok(store.size() <= 3);
    assert.equal(store.remember('d', now + 10_000), false);
  });
});
