import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { childText, parseXml } from '../../src/http/xml.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const BUCKET = 'xml-dates';
/** OSS writes every XML date with whole seconds and a literal `.000Z`; Python's oss2 parses only that. */
const OSS_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;

/** The instant an HTTP date header names (whole seconds). */
function headerMs(v: unknown): number {
  return Date.parse(String(v));
}

describe('XML dates are whole seconds (.000Z) and agree with HEAD Last-Modified', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, BUCKET);
  });
  after(() => server.stop());

  /** PUTs `key` until its stored time has a non-zero millisecond part (so truncation is observable). */
  async function putWithMillis(key: string): Promise<number> {
    for (let i = 0; i < 20; i++) {
      await client.put(key, Buffer.from(`body of ${key} ${i}`));
      const o = await server.services.meta.getObject(BUCKET, key);
      assert.ok(o);
      if (o.lastModified % 1000 !== 0) return o.lastModified;
    }
    throw new Error('could not store an object off a whole second in 20 tries');
  }

  async function lastModifiedOf(key: string): Promise<number> {
    const h = await client.head(key);
    return headerMs((h.res.headers as Record<string, string>)['last-modified']);
  }

  it('ListObjects (v1 and v2) LastModified equals HEAD Last-Modified', async () => {
    await putWithMillis('listed.txt');
    const head = await lastModifiedOf('listed.txt');
    const v1 = await client.list({ prefix: 'listed.txt', 'max-keys': 10 }, {});
    const v2 = await client.listV2({ prefix: 'listed.txt', 'max-keys': 10 }, {});
    for (const r of [v1, v2]) {
      assert.equal(r.objects.length, 1);
      const d = r.objects[0].lastModified;
      assert.match(d, OSS_DATE);
      assert.equal(Date.parse(d), head);
    }
  });

  it('CopyObject and UploadPartCopy results are whole seconds; the copy result equals HEAD of the copy', async () => {
    await putWithMillis('copy-src.txt');
    let copied: { data: { lastModified: string } } | undefined;
    for (let i = 0; i < 20; i++) {
      copied = (await client.copy('copy-dst.txt', 'copy-src.txt')) as unknown as { data: { lastModified: string } };
      const o = await server.services.meta.getObject(BUCKET, 'copy-dst.txt');
      if (o && o.lastModified % 1000 !== 0) break;
    }
    assert.ok(copied);
    assert.match(copied.data.lastModified, OSS_DATE);
    assert.equal(Date.parse(copied.data.lastModified), await lastModifiedOf('copy-dst.txt'));

    const { uploadId } = await client.initMultipartUpload('mpu-copy.bin');
    const part = await client.uploadPartCopy(
      'mpu-copy.bin',
      uploadId,
      1,
      '0-3',
      { sourceKey: 'copy-src.txt', sourceBucketName: BUCKET },
      {},
    );
    const body = (part.res as unknown as { data: Buffer }).data.toString('utf8');
    assert.match(childText(parseXml(body).CopyPartResult, 'LastModified') ?? '', OSS_DATE);
    await client.abortMultipartUpload('mpu-copy.bin', uploadId);
  });

  it('ListMultipartUploads Initiated and ListParts LastModified are whole seconds of the stored times', async () => {
    const { uploadId } = await client.initMultipartUpload('mpu.bin');
    await client.uploadPart('mpu.bin', uploadId, 1, Buffer.alloc(1024, 1), 0, 1024);
    const uploads = await client.listUploads({ prefix: 'mpu.bin', 'max-uploads': 10 }, {});
    const listed = (uploads.uploads as unknown as { name: string; initiated: string }[]).find(
      (u) => u.name === 'mpu.bin',
    );
    assert.ok(listed);
    assert.match(listed.initiated, OSS_DATE);
    const stored = await server.services.meta.multipart.getUpload(uploadId);
    assert.ok(stored);
    assert.equal(Date.parse(listed.initiated), Math.floor(stored.initiated / 1000) * 1000);

    const parts = await client.listParts('mpu.bin', uploadId, {} as OSS.ListPartsQuery, {});
    // ali-oss's XML parser gives a single Part as an object, several as an array.
    const raw = parts.parts as unknown as { LastModified: string } | { LastModified: string }[];
    const p = Array.isArray(raw) ? raw[0] : raw;
    assert.match(p.LastModified, OSS_DATE);
    assert.ok(Math.abs(Date.parse(p.LastModified) - Date.now()) < 60_000);
    await client.abortMultipartUpload('mpu.bin', uploadId);
  });

  it('ListBuckets and GetBucketInfo CreationDate are the bucket creation second', async () => {
    const bucket = await server.services.meta.getBucket(BUCKET);
    assert.ok(bucket);
    const expected = Math.floor(bucket.createdAt / 1000) * 1000;
    const list = (await client.listBuckets({}, {})) as unknown as { buckets: unknown };
    const listed = (list.buckets as { name: string; creationDate: string }[]).find((b) => b.name === BUCKET);
    assert.ok(listed);
    assert.match(listed.creationDate, OSS_DATE);
    assert.equal(Date.parse(listed.creationDate), expected);
    const info = await client.getBucketInfo(BUCKET);
    const created = (info.bucket as { CreationDate: string }).CreationDate;
    assert.match(created, OSS_DATE);
    assert.equal(Date.parse(created), expected);
  });
});
