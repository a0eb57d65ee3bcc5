import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { defaultConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Segment } from '../../src/storage/types.js';
import { png } from '../helpers/images.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { runToEnd } from '../helpers/spawn-ossd.js';
import { ONE_NODE_ONLY, ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields } from '../post-object/post-helpers.js';

const MARKER = 'PLAINTEXT-MARKER-';
const SSE = 'x-oss-server-side-encryption';

/** Recognisable plaintext: the marker repeated, with random bytes between, `size` bytes long. */
function plaintext(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0; off < size; off += 64) {
    const chunk = Buffer.concat([Buffer.from(MARKER), randomBytes(64 - MARKER.length)]);
    chunk.copy(out, off, 0, Math.min(64, size - off));
  }
  return out;
}

function hasMarker(raw: Buffer): boolean {
  return raw.includes(Buffer.from(MARKER));
}

/** A segment's bytes as stored (the blob store's or the metadata store's inline copy), not decrypted. */
async function rawSegment(server: RunningServer, seg: Segment): Promise<Buffer> {
  if (seg.blob.startsWith('i')) {
    const data = await server.services.meta.readInline(seg.blob, 0, seg.size - 1);
    assert.ok(data, `inline blob ${seg.blob}`);
    return data;
  }
  return server.services.blobs.readBuffer(seg.blob, 0, seg.size - 1);
}

async function segmentsOf(server: RunningServer, bucket: string, key: string): Promise<Segment[]> {
  const o = await server.services.meta.getObject(bucket, key);
  assert.ok(o, `${bucket}/${key}`);
  return o.segments;
}

async function rawObject(server: RunningServer, bucket: string, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const seg of await segmentsOf(server, bucket, key)) parts.push(await rawSegment(server, seg));
  return Buffer.concat(parts);
}

/** The bucket-encryption calls of ali-oss 6.23 (absent from @types/ali-oss). */
interface EncryptionApi {
  putBucketEncryption(
    bucket: string,
    o: { SSEAlgorithm: string; KMSMasterKeyID?: string },
  ): Promise<{ status: number }>;
  getBucketEncryption(bucket: string): Promise<{ encryption: Record<string, string> }>;
  deleteBucketEncryption(bucket: string): Promise<{ status: number }>;
}

function enc(c: OSS): EncryptionApi {
  return c as unknown as EncryptionApi;
}

function headers(r: { res: unknown }): Record<string, string | undefined> {
  return (r.res as { headers: Record<string, string | undefined> }).headers;
}

describe('Bucket encryption (Put/Get/DeleteBucketEncryption) and AES256 encryption at rest', () => {
  let server: TestServer;
  let client: OSS;
  let plainClient: OSS;
  before(async () => {
    server = await startTestServer();
    client = server.client({ bucket: 'enc' });
    await client.putBucket('enc');
    plainClient = server.client({ bucket: 'plain' });
    await plainClient.putBucket('plain');
  });
  // Every test but the first relies on the bucket default it leaves: AES256 on 'enc'.
  async function aesDefault() {
    await enc(client).putBucketEncryption('enc', { SSEAlgorithm: 'AES256' });
  }
  after(() => server.stop());

  it('put, get and delete the bucket rule as ali-oss sends and parses it; none → 404 NoSuchServerSideEncryptionRule', async () => {
    await rejectsWith(enc(client).getBucketEncryption('enc'), 'NoSuchServerSideEncryptionRule', 404);
    let info = await client.getBucketInfo('enc');
    assert.deepEqual(info.bucket.ServerSideEncryptionRule, { SSEAlgorithm: 'None' });
    const kms = await enc(client).putBucketEncryption('enc', { SSEAlgorithm: 'KMS', KMSMasterKeyID: 'cmk-1' });
    assert.equal(kms.status, 200);
    assert.deepEqual((await enc(client).getBucketEncryption('enc')).encryption, {
      SSEAlgorithm: 'KMS',
      KMSMasterKeyID: 'cmk-1',
    });
    info = await client.getBucketInfo('enc');
    assert.deepEqual(info.bucket.ServerSideEncryptionRule, { SSEAlgorithm: 'KMS', KMSMasterKeyID: 'cmk-1' });
    await enc(client).putBucketEncryption('enc', { SSEAlgorithm: 'AES256' });
    assert.deepEqual((await enc(client).getBucketEncryption('enc')).encryption, { SSEAlgorithm: 'AES256' });
    await rejectsWith(
      enc(client).putBucketEncryption('enc', { SSEAlgorithm: 'DES' }),
      'InvalidEncryptionAlgorithmError',
      400,
    );
    await rejectsWith(
      enc(client).putBucketEncryption('enc', { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'x' }),
      'InvalidArgument',
      400,
    );
    const del = await enc(client).deleteBucketEncryption('enc');
    assert.equal(del.status, 204);
    await rejectsWith(enc(client).getBucketEncryption('enc'), 'NoSuchServerSideEncryptionRule', 404);
    await enc(client).putBucketEncryption('enc', { SSEAlgorithm: 'AES256' });
  });

  it('the bucket default applies to PutObject without a header: echoed, and neither file nor inline bytes hold the plaintext', async () => {
    await aesDefault();
    const big = plaintext(300 * 1024 + 7);
    const small = plaintext(1000);
    const put = await client.put('big.bin', big);
    assert.equal(headers(put)[SSE], 'AES256');
    await client.put('small.txt', small, { headers: { 'content-length': String(small.length) } });
    const head = await client.head('small.txt');
    assert.equal(headers(head)[SSE], 'AES256');
    for (const key of ['big.bin', 'small.txt']) {
      const segs = await segmentsOf(server, 'enc', key);
      assert.equal(segs.length, 1);
      assert.equal(segs[0].sseKey, 'generated', key);
      const raw = await rawObject(server, 'enc', key);
      assert.equal(raw.length, key === 'big.bin' ? big.length : small.length);
      assert.equal(hasMarker(raw), false, `${key} is stored encrypted`);
    }
    assert.ok((await segmentsOf(server, 'enc', 'small.txt'))[0].blob.startsWith('i'), 'small object is inline');
    assert.deepEqual((await client.get('big.bin')).content, big);
    assert.deepEqual((await client.get('small.txt')).content, small);
    // ETag and CRC-64 are the plaintext's.
    const plain = await plainClient.put('big.bin', big);
    assert.equal(headers(put).etag, headers(plain).etag);
    assert.equal(headers(put)['x-oss-hash-crc64ecma'], headers(plain)['x-oss-hash-crc64ecma']);
    // Unencrypted objects are stored as they are.
    await plainClient.put('small.txt', small, { headers: { 'content-length': String(small.length) } });
    assert.equal(hasMarker(await rawObject(server, 'plain', 'big.bin')), true);
    assert.equal(hasMarker(await rawObject(server, 'plain', 'small.txt')), true);
    assert.equal((await segmentsOf(server, 'plain', 'big.bin'))[0].sseKey, undefined);
  });

  it('embedded store: no blob file and no SQLite page holds an encrypted object’s plaintext', {
    skip: ONE_NODE_ONLY,
  }, async () => {
    await aesDefault();
    const body = plaintext(200 * 1024);
    await client.put('scan.bin', body);
    const blobDir = path.join(server.dataDir, 'blobs');
    const blobs = (await segmentsOf(server, 'enc', 'scan.bin')).map((s) => s.blob);
    const file = path.join(blobDir, blobs[0].slice(0, 2), blobs[0]);
    assert.ok(existsSync(file));
    assert.equal(hasMarker(readFileSync(file)), false);
    // The plain bucket's copy is visible on disk, so the scan would notice.
    await plainClient.put('scan.bin', body);
    const plainBlob = (await segmentsOf(server, 'plain', 'scan.bin'))[0].blob;
    assert.equal(hasMarker(readFileSync(path.join(blobDir, plainBlob.slice(0, 2), plainBlob))), true);
    // Inline blobs: the SQLite files hold no marker once only encrypted small objects remain.
    await plainClient.delete('small.txt');
    const small = plaintext(2000);
    await client.put('inline2.txt', small, { headers: { 'content-length': String(small.length) } });
    for (const f of readdirSync(server.dataDir).filter((f) => f.startsWith('meta.sqlite'))) {
      const bytes = readFileSync(path.join(server.dataDir, f));
      assert.equal(bytes.includes(small.subarray(0, 64)), false, f);
    }
  });

  it('range GETs at any offset, HEAD and image processing read the plaintext', async () => {
    await aesDefault();
    const body = plaintext(100_000);
    await client.put('range.bin', body);
    for (const [a, b] of [
      [0, 0],
      [1, 16],
      [15, 17],
      [17, 99_999],
      [40_000, 40_015],
      [99_990, 99_999],
    ]) {
      const r = await client.get('range.bin', { headers: { Range: `bytes=${a}-${b}` } });
      assert.deepEqual(r.content, body.subarray(a, b + 1), `bytes=${a}-${b}`);
    }
    // An inline (small) object: ranges decrypt from their offset too.
    const small = plaintext(3000);
    await client.put('small-range.txt', small, { headers: { 'content-length': String(small.length) } });
    assert.ok((await segmentsOf(server, 'enc', 'small-range.txt'))[0].blob.startsWith('i'));
    for (const [a, b] of [
      [0, 15],
      [7, 2999],
      [1000, 1016],
    ]) {
      const r = await client.get('small-range.txt', { headers: { Range: `bytes=${a}-${b}` } });
      assert.deepEqual(r.content, small.subarray(a, b + 1), `inline bytes=${a}-${b}`);
    }
    const image = png(8, 6);
    await client.put('img.png', image);
    assert.equal(hasMarker(await rawObject(server, 'enc', 'img.png')), false);
    assert.notDeepEqual(await rawObject(server, 'enc', 'img.png'), image);
    const info = await client.get('img.png', { process: 'image/info' });
    const parsed = JSON.parse(info.content.toString()) as { ImageWidth: { value: string } };
    assert.equal(parsed.ImageWidth.value, '8');
  });

  it('multipart: parts encrypted per the bucket default; ranges spanning parts; UploadPartCopy', async () => {
    await aesDefault();
    const body = plaintext(250 * 1024 + 3);
    const r = await client.multipartUpload('mp.bin', Buffer.from(body), { partSize: 100 * 1024 });
    assert.equal(r.res.status, 200);
    const segs = await segmentsOf(server, 'enc', 'mp.bin');
    assert.equal(segs.length, 3);
    assert.ok(segs.every((s) => s.sseKey === 'generated'));
    assert.equal(hasMarker(await rawObject(server, 'enc', 'mp.bin')), false);
    assert.deepEqual((await client.get('mp.bin')).content, body);
    const span = await client.get('mp.bin', { headers: { Range: `bytes=${100 * 1024 - 5}-${200 * 1024 + 20}` } });
    assert.deepEqual(span.content, body.subarray(100 * 1024 - 5, 200 * 1024 + 21));
    // An upload that asks for AES256 in a bucket without a default: encrypted parts, from a plain source.
    await plainClient.put('src.bin', body);
    const init = await plainClient.initMultipartUpload('mpc.bin', { headers: { [SSE]: 'AES256' } });
    assert.equal(headers(init)[SSE], 'AES256');
    const p1 = await plainClient.uploadPartCopy(
      'mpc.bin',
      init.uploadId,
      1,
      '0-102399',
      {
        sourceKey: 'src.bin',
        sourceBucketName: 'plain',
      },
      {},
    );
    const p2 = await plainClient.uploadPart('mpc.bin', init.uploadId, 2, body, 102400, body.length);
    const done = await plainClient.completeMultipartUpload('mpc.bin', init.uploadId, [
      { number: 1, etag: headers(p1).etag as string },
      { number: 2, etag: p2.etag },
    ]);
    assert.equal(headers(done)[SSE], 'AES256');
    assert.equal(hasMarker(await rawObject(server, 'plain', 'mpc.bin')), false);
    assert.deepEqual((await plainClient.get('mpc.bin')).content, body);
  });

  it('copy: source decrypted, target encrypted per its own setting; append encrypts every segment', async () => {
    await aesDefault();
    const body = plaintext(70_000);
    await client.put('c-src.bin', body);
    await plainClient.copy('from-enc.bin', 'c-src.bin', 'enc');
    assert.equal(hasMarker(await rawObject(server, 'plain', 'from-enc.bin')), true);
    assert.deepEqual((await plainClient.get('from-enc.bin')).content, body);
    await client.copy('from-plain.bin', 'from-enc.bin', 'plain');
    assert.equal(hasMarker(await rawObject(server, 'enc', 'from-plain.bin')), false);
    assert.deepEqual((await client.get('from-plain.bin')).content, body);
    const head = await client.head('from-plain.bin');
    assert.equal(headers(head)[SSE], 'AES256');

    const a = plaintext(5000);
    const b = plaintext(7000);
    await client.append('log.txt', a);
    await client.append('log.txt', b, { position: String(a.length) });
    const segs = await segmentsOf(server, 'enc', 'log.txt');
    assert.equal(segs.length, 2);
    assert.ok(segs.every((s) => s.sseKey === 'generated'));
    assert.equal(hasMarker(await rawObject(server, 'enc', 'log.txt')), false);
    const whole = Buffer.concat([a, b]);
    assert.deepEqual((await client.get('log.txt')).content, whole);
    const r = await client.get('log.txt', { headers: { Range: 'bytes=4990-5010' } });
    assert.deepEqual(r.content, whole.subarray(4990, 5011));
  });

  it('PostObject and ProcessObjectSave results follow the bucket default', async () => {
    await aesDefault();
    const body = Buffer.from(`${MARKER}form upload `.repeat(200));
    const policy = policyOf([{ bucket: 'enc' }]);
    const r = await postForm(
      server.port,
      buildForm([['key', 'form.bin'], ...v1Fields(client, policy)], { data: body.toString() }),
      { path: '/enc/' },
    );
    assert.equal(r.status, 204, r.text);
    assert.equal(r.headers[SSE], 'AES256');
    assert.equal(hasMarker(await rawObject(server, 'enc', 'form.bin')), false);
    assert.deepEqual((await client.get('form.bin')).content, body);
    // An image from the plain bucket, processed and saved into the encrypted one.
    await plainClient.put('pic.png', png(16, 16));
    await (
      plainClient as unknown as { processObjectSave(s: string, t: string, p: string, b: string): Promise<unknown> }
    ).processObjectSave('pic.png', 'thumb.png', 'image/resize,w_8', 'enc');
    const segs = await segmentsOf(server, 'enc', 'thumb.png');
    assert.equal(segs[0].sseKey, 'generated');
    assert.equal(headers(await client.head('thumb.png'))[SSE], 'AES256');
    const thumb = (await client.get('thumb.png')).content as Buffer;
    assert.equal(thumb.subarray(1, 4).toString(), 'PNG');
  });

  it('a PUT header wins over the bucket default; KMS is recorded, echoed, and encrypted with the keyring', async () => {
    const body = plaintext(3000);
    const put = await plainClient.put('kms.bin', body, {
      headers: { [SSE]: 'KMS', 'x-oss-server-side-encryption-key-id': 'cmk-9' },
    });
    assert.equal(headers(put)['x-oss-server-side-encryption-key-id'], 'cmk-9');
    assert.equal(hasMarker(await rawObject(server, 'plain', 'kms.bin')), false);
    assert.deepEqual((await plainClient.get('kms.bin')).content, body);
  });
});

/** Starts ossd on `dataDir` (kept between restarts) with these keys in a key file. */
async function startWithKeys(dataDir: string, keys: string | undefined): Promise<RunningServer> {
  const config = defaultConfig();
  config.address = '127.0.0.1:0';
  config.data = dataDir;
  config.rootAccessKeyId = ROOT_ID;
  config.rootAccessKeySecret = ROOT_SECRET;
  config.logLevel = 'silent';
  config.consoleAddress = 'off';
  if (keys !== undefined) {
    const file = path.join(dataDir, '..', `keys-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, keys, { mode: 0o600 });
    config.encryptionKeyFile = file;
  }
  return startServer(config, { logger: createLogger('silent') });
}

function clientOf(server: RunningServer): OSS {
  return new OSS({
    endpoint: `http://localhost:${server.port}`,
    sldEnable: true,
    accessKeyId: ROOT_ID,
    accessKeySecret: ROOT_SECRET,
    bucket: 'rot',
  } as OSS.Options);
}

describe('Operator keys: rotation, the generated key, a missing key', { skip: ONE_NODE_ONLY }, () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ossd-keys-'));
  const dataDir = path.join(root, 'data');
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('rotates: the new primary encrypts new writes, old keys stay readable, copy-over-itself re-encrypts', async () => {
    const body = plaintext(90_000);
    // 1. No operator key: the generated one.
    let server = await startWithKeys(dataDir, undefined);
    let c = clientOf(server);
    await c.putBucket('rot');
    await enc(c).putBucketEncryption('rot', { SSEAlgorithm: 'AES256' });
    await c.put('gen.bin', body);
    assert.equal((await segmentsOf(server, 'rot', 'gen.bin'))[0].sseKey, 'generated');
    await server.close();

    // 2. The operator's key k1: new writes use it; the generated key stays readable.
    server = await startWithKeys(dataDir, `# first = primary\nk1:${k1}\n`);
    c = clientOf(server);
    assert.deepEqual((await c.get('gen.bin')).content, body);
    await c.put('one.bin', body);
    await c.put('one-small.txt', body.subarray(0, 500), { headers: { 'content-length': '500' } });
    assert.equal((await segmentsOf(server, 'rot', 'one.bin'))[0].sseKey, 'k1');
    await server.close();

    // 3. Rotation: k2 becomes primary, k1 stays listed.
    server = await startWithKeys(dataDir, `k2:${k2}\nk1:${k1}\n`);
    c = clientOf(server);
    assert.deepEqual((await c.get('one.bin')).content, body);
    assert.deepEqual((await c.get('one-small.txt')).content, body.subarray(0, 500));
    await c.put('two.bin', body);
    assert.equal((await segmentsOf(server, 'rot', 'two.bin'))[0].sseKey, 'k2');
    // Re-encrypt by copying onto itself: same ETag, new key.
    const etag = headers(await c.head('one.bin')).etag;
    await c.copy('one.bin', 'one.bin');
    assert.equal((await segmentsOf(server, 'rot', 'one.bin'))[0].sseKey, 'k2');
    assert.equal(headers(await c.head('one.bin')).etag, etag);
    assert.deepEqual((await c.get('one.bin')).content, body);
    await server.close();

    // 4. k1 removed: its objects fail clearly (HEAD still answers); the others read fine.
    server = await startWithKeys(dataDir, `k2:${k2}\n`);
    c = clientOf(server);
    await rejectsWith(c.get('one-small.txt'), 'EncryptionKeyUnavailable', 500);
    assert.equal((await c.head('one-small.txt')).status, 200);
    assert.deepEqual((await c.get('one.bin')).content, body);
    assert.deepEqual((await c.get('two.bin')).content, body);
    assert.deepEqual((await c.get('gen.bin')).content, body);
    await server.close();

    // 5. `ossd encryption reencrypt` with both keys moves every object to k2; then k1 is no longer needed.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_') && v !== undefined) env[k] = v;
    const file = path.join(root, 'both-keys');
    writeFileSync(file, `k2:${k2}\nk1:${k1}\n`, { mode: 0o600 });
    const args = ['--import', 'tsx', 'src/cli/main.ts', 'encryption', 'reencrypt', '--data', dataDir];
    const run = await runToEnd(process.execPath, [...args, '--encryption-key-file', file], env, 60_000);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /done: 2 objects \(\d+ bytes\) re-encrypted under key k2, 2 already current/);
    server = await startWithKeys(dataDir, `k2:${k2}\n`);
    c = clientOf(server);
    assert.deepEqual((await c.get('one-small.txt')).content, body.subarray(0, 500));
    assert.equal((await segmentsOf(server, 'rot', 'one-small.txt'))[0].sseKey, 'k2');
    assert.equal((await segmentsOf(server, 'rot', 'gen.bin'))[0].sseKey, 'k2');
    assert.deepEqual((await c.get('gen.bin')).content, body);
    await server.close();
  });

  it('refuses a malformed key file at start', async () => {
    await assert.rejects(startWithKeys(dataDir, 'k1:c2hvcnQ=\n'), /32 bytes/);
    await assert.rejects(startWithKeys(dataDir, `generated:${k1}\n`), /reserved/);
  });
});
