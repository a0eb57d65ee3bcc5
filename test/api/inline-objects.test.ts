/**
 * Small objects (Content-Length ≤ --inline-max-bytes) are stored in the metadata database with their
 * record: what a client sees is identical to a file-backed object (bytes, ETag, CRC-64, ranges, copy,
 * overwrite, delete, restart), and no blob file is left or leaked.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import Database from 'better-sqlite3';
import { defaultConfig, loadConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { crc64 } from '../../src/storage/crc64.js';
import { ossClient, ROOT_ID, ROOT_SECRET } from '../helpers/start-server.js';

function blobFileCount(dataDir: string): number {
  const root = path.join(dataDir, 'blobs');
  return readdirSync(root).reduce((n, d) => n + readdirSync(path.join(root, d)).length, 0);
}

function inlineRows(dataDir: string): { id: string; size: number }[] {
  const db = new Database(path.join(dataDir, 'meta.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, length(data) AS size FROM inline_blobs ORDER BY id').all() as {
      id: string;
      size: number;
    }[];
  } finally {
    db.close();
  }
}

function md5hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex').toUpperCase();
}

async function start(dataDir: string, inlineMaxBytes?: number): Promise<{ server: RunningServer; client: OSS }> {
  const config = defaultConfig();
  config.address = '127.0.0.1:0';
  config.data = dataDir;
  config.rootAccessKeyId = ROOT_ID;
  config.rootAccessKeySecret = ROOT_SECRET;
  config.logLevel = 'silent';
  config.consoleAddress = 'off';
  if (inlineMaxBytes !== undefined) config.inlineMaxBytes = inlineMaxBytes;
  const server = await startServer(config, { logger: createLogger('silent') });
  const client = ossClient({
    endpoint: `http://localhost:${server.port}`,
    sldEnable: true,
    accessKeyId: ROOT_ID,
    accessKeySecret: ROOT_SECRET,
    bucket: 'inline',
  });
  return { server, client };
}

describe('small objects stored inline', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossd-inline-'));
  let server: RunningServer;
  let client: OSS;
  before(async () => {
    ({ server, client } = await start(dataDir));
    await client.putBucket('inline');
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a 4 KiB PUT leaves no blob file and reads back with the same ETag, CRC-64 and ranges', async () => {
    const files = blobFileCount(dataDir);
    const body = randomBytes(4096);
    const put = await client.put('small.bin', body);
    const h = put.res.headers as Record<string, string>;
    assert.equal(h.etag, `"${md5hex(body)}"`);
    assert.equal(h['x-oss-hash-crc64ecma'], crc64(body));
    assert.equal(blobFileCount(dataDir), files, 'no blob file for a small object');
    assert.ok(inlineRows(dataDir).some((r) => r.size === 4096));

    const got = await client.get('small.bin');
    assert.deepEqual(got.content, body);
    const gh = got.res.headers as Record<string, string>;
    assert.equal(gh.etag, `"${md5hex(body)}"`);
    assert.equal(gh['x-oss-hash-crc64ecma'], crc64(body));
    assert.equal(gh['content-length'], '4096');
    const range = await client.get('small.bin', { headers: { Range: 'bytes=100-299' } });
    assert.equal(range.res.status, 206);
    assert.deepEqual(range.content, body.subarray(100, 300));
    const tail = await client.get('small.bin', { headers: { Range: 'bytes=-10' } });
    assert.deepEqual(tail.content, body.subarray(4086));
    const stream = await client.getStream('small.bin');
    const chunks: Buffer[] = [];
    for await (const c of stream.stream as Readable) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), body);
    const head = await client.head('small.bin');
    assert.equal((head.res.headers as Record<string, string>)['content-length'], '4096');
  });

  it('an empty PUT and a PUT of exactly the limit are inline; one byte more is a file', async () => {
    const files = blobFileCount(dataDir);
    await client.put('empty', Buffer.alloc(0));
    assert.equal((await client.get('empty')).content.length, 0);
    const limit = randomBytes(64 * 1024);
    await client.put('limit', limit);
    assert.deepEqual((await client.get('limit')).content, limit);
    assert.equal(blobFileCount(dataDir), files);
    const over = randomBytes(64 * 1024 + 1);
    await client.put('over', over);
    assert.deepEqual((await client.get('over')).content, over);
    assert.equal(blobFileCount(dataDir), files + 1);
    await client.delete('over');
    assert.equal(blobFileCount(dataDir), files);
  });

  it('a chunked upload (no Content-Length) streams to a file as before', async () => {
    const files = blobFileCount(dataDir);
    const body = randomBytes(1000);
    await client.putStream('chunked.bin', Readable.from([body.subarray(0, 500), body.subarray(500)]));
    assert.deepEqual((await client.get('chunked.bin')).content, body);
    assert.equal(blobFileCount(dataDir), files + 1);
    await client.delete('chunked.bin');
  });

  it('overwrites between inline and file in both directions without leaking either', async () => {
    const files = blobFileCount(dataDir);
    const rowsBefore = inlineRows(dataDir).length;
    const large = randomBytes(300_000);
    const small = randomBytes(2000);
    await client.put('flip', small);
    assert.equal(inlineRows(dataDir).length, rowsBefore + 1);
    await client.put('flip', large);
    assert.deepEqual((await client.get('flip')).content, large);
    assert.equal(inlineRows(dataDir).length, rowsBefore, 'the replaced inline bytes were dropped');
    assert.equal(blobFileCount(dataDir), files + 1);
    await client.put('flip', small);
    assert.deepEqual((await client.get('flip')).content, small);
    assert.equal(blobFileCount(dataDir), files, 'the replaced file was deleted');
    await client.put('flip', randomBytes(10));
    assert.equal(inlineRows(dataDir).length, rowsBefore + 1, 'inline over inline keeps one row');
    await client.delete('flip');
    assert.equal(inlineRows(dataDir).length, rowsBefore);
  });

  it('a bad Content-MD5 stores nothing', async () => {
    const rowsBefore = inlineRows(dataDir).length;
    const err = (await client
      .put('digest', Buffer.from('abc'), { headers: { 'Content-MD5': createHash('md5').update('x').digest('base64') } })
      .catch((e: { code: string }) => e)) as { code: string };
    assert.equal(err.code, 'InvalidDigest');
    assert.equal(inlineRows(dataDir).length, rowsBefore);
    await assert.rejects(client.head('digest'), { status: 404 });
  });

  it('copies, server-side, from an inline source (CopyObject and UploadPartCopy)', async () => {
    const body = randomBytes(5000);
    await client.put('src', body);
    await client.copy('dst', 'src');
    await client.delete('src');
    assert.deepEqual((await client.get('dst')).content, body);

    const big = randomBytes(200 * 1024);
    await client.put('big', big);
    const { uploadId } = await client.initMultipartUpload('joined');
    const p1 = await client.uploadPartCopy(
      'joined',
      uploadId,
      1,
      `0-${big.length - 1}`,
      { sourceKey: 'big', sourceBucketName: 'inline' },
      {},
    );
    const p2 = await client.uploadPartCopy(
      'joined',
      uploadId,
      2,
      '0-199',
      { sourceKey: 'dst', sourceBucketName: 'inline' },
      {},
    );
    await client.completeMultipartUpload('joined', uploadId, [
      { number: 1, etag: p1.etag },
      { number: 2, etag: p2.etag },
    ]);
    assert.deepEqual((await client.get('joined')).content, Buffer.concat([big, body.subarray(0, 200)]));
  });

  it('lists inline objects with their sizes and ETags like any other', async () => {
    const body = randomBytes(123);
    await client.put('listed/one', body);
    const page = await client.list({ prefix: 'listed/', 'max-keys': 10 }, {});
    assert.equal(page.objects.length, 1);
    assert.equal(page.objects[0].size, 123);
    assert.equal(page.objects[0].etag, `"${md5hex(body)}"`);
  });

  it('keeps inline objects across a restart', async () => {
    const body = randomBytes(777);
    await client.put('durable', body);
    await server.close();
    ({ server, client } = await start(dataDir));
    assert.deepEqual((await client.get('durable')).content, body);
    assert.deepEqual((await client.get('small.bin')).content.length, 4096);
  });
});

describe('--inline-max-bytes 0', () => {
  it('is read from the flag and from OSSD_INLINE_MAX_BYTES (default 65536)', () => {
    assert.equal(loadConfig({}, {}).inlineMaxBytes, 65536);
    assert.equal(loadConfig({ 'inline-max-bytes': '0' }, {}).inlineMaxBytes, 0);
    assert.equal(loadConfig({}, { OSSD_INLINE_MAX_BYTES: '1024' }).inlineMaxBytes, 1024);
  });

  it('stores every object as a file', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossd-inline-off-'));
    const { server, client } = await start(dataDir, 0);
    try {
      await client.putBucket('inline');
      const files = blobFileCount(dataDir);
      const body = randomBytes(100);
      await client.put('file', body);
      assert.equal(blobFileCount(dataDir), files + 1);
      assert.deepEqual(inlineRows(dataDir), []);
      assert.deepEqual((await client.get('file')).content, body);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
