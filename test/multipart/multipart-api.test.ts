import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { b64 } from '../helpers/callback-client.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { completeXml, loose, partList, rawObjectRequest, rejectsWith, storedBlobs } from './helpers.js';

const KB = 1024;
const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();

describe('multipart operations one by one with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'mpapi');
  });
  after(() => server.stop());

  async function upload(name: string, parts: Buffer[]): Promise<{ uploadId: string; etags: string[] }> {
    const { uploadId } = await client.initMultipartUpload(name);
    const etags: string[] = [];
    for (const [i, p] of parts.entries()) {
      const r = await client.uploadPart(name, uploadId, i + 1, p as unknown as string, 0, p.length);
      etags.push(r.etag);
    }
    return { uploadId, etags };
  }

  it('UploadPart answers a quoted upper-case MD5 ETag and CRC64; re-upload replaces and releases the old blob', async () => {
    const { uploadId } = await client.initMultipartUpload('replace.bin');
    const a = randomBytes(1000);
    const r1 = await client.uploadPart('replace.bin', uploadId, 1, a as unknown as string, 0, a.length);
    assert.equal(r1.etag, `"${md5hex(a)}"`);
    assert.equal((r1.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(a));
    const blobsBefore = await storedBlobs(server);
    const b = randomBytes(2000);
    const r2 = await client.uploadPart('replace.bin', uploadId, 1, b as unknown as string, 0, b.length);
    assert.equal(r2.etag, `"${md5hex(b)}"`);
    const blobsAfter = await storedBlobs(server);
    assert.equal(blobsAfter.size, blobsBefore.size, 'one blob replaced by another');
    const parts = await loose(client).listParts('replace.bin', uploadId, {});
    const list = partList(parts.parts);
    assert.equal(list.length, 1);
    assert.equal(list[0].ETag, `"${md5hex(b)}"`);
    assert.equal(list[0].Size, '2000');
    assert.equal(list[0].HashCrc64ecma, crc64(b));
    // The stale ETag no longer completes.
    await rejectsWith(
      client.completeMultipartUpload('replace.bin', uploadId, [{ number: 1, etag: r1.etag }]),
      'InvalidPart',
      400,
    );
    const done = await client.completeMultipartUpload('replace.bin', uploadId, [{ number: 1, etag: r2.etag }]);
    assert.ok(Buffer.from((await client.get('replace.bin')).content).equals(b));
    assert.equal(
      done.etag,
      `"${createHash('md5').update(createHash('md5').update(b).digest()).digest('hex').toUpperCase()}-1"`,
    );
  });

  it('rejects part numbers outside 1–10000 and unknown upload ids', async () => {
    const { uploadId } = await client.initMultipartUpload('pn.bin');
    const body = Buffer.from('x');
    for (const n of [0, 10001]) {
      await rejectsWith(
        client.uploadPart('pn.bin', uploadId, n, body as unknown as string, 0, 1),
        'InvalidArgument',
        400,
      );
    }
    await client.uploadPart('pn.bin', uploadId, 10000, body as unknown as string, 0, 1);
    await rejectsWith(
      client.uploadPart('pn.bin', 'NOSUCHUPLOAD', 1, body as unknown as string, 0, 1),
      'NoSuchUpload',
      404,
    );
    // An upload id belongs to its key.
    await rejectsWith(
      client.uploadPart('other.bin', uploadId, 1, body as unknown as string, 0, 1),
      'NoSuchUpload',
      404,
    );
    await rejectsWith(loose(client).listParts('pn.bin', 'NOSUCHUPLOAD', {}), 'NoSuchUpload', 404);
    await rejectsWith(
      client.completeMultipartUpload('pn.bin', 'NOSUCHUPLOAD', [{ number: 1, etag: '"x"' }]),
      'NoSuchUpload',
      404,
    );
    await rejectsWith(client.abortMultipartUpload('pn.bin', 'NOSUCHUPLOAD'), 'NoSuchUpload', 404);
    const aborted = (await client.abortMultipartUpload('pn.bin', uploadId)) as unknown as { res: { status: number } };
    assert.equal(aborted.res.status, 204);
    await rejectsWith(client.uploadPart('pn.bin', uploadId, 1, body as unknown as string, 0, 1), 'NoSuchUpload', 404);
  });

  it('Complete: InvalidPart, InvalidPartOrder, EntityTooSmall, MalformedXML; the upload survives each', async () => {
    const big = randomBytes(100 * KB);
    const small = randomBytes(10);
    const { uploadId, etags } = await upload('errors.bin', [big, small, big]);
    const req = (parts: { number: number; etag: string }[]) =>
      rawObjectRequest(client, 'POST', 'errors.bin', { uploadId }, { content: completeXml(parts) });
    await rejectsWith(req([{ number: 4, etag: etags[0] }]), 'InvalidPart', 400);
    await rejectsWith(req([{ number: 1, etag: etags[1] }]), 'InvalidPart', 400);
    await rejectsWith(
      req([
        { number: 2, etag: etags[1] },
        { number: 1, etag: etags[0] },
      ]),
      'InvalidPartOrder',
      400,
    );
    await rejectsWith(
      req([
        { number: 1, etag: etags[0] },
        { number: 1, etag: etags[0] },
      ]),
      'InvalidPartOrder',
      400,
    );
    await rejectsWith(
      req([
        { number: 2, etag: etags[1] },
        { number: 3, etag: etags[2] },
      ]),
      'EntityTooSmall',
      400,
    );
    await rejectsWith(
      rawObjectRequest(client, 'POST', 'errors.bin', { uploadId }, { content: '<CompleteMultipartUpload><Part>' }),
      'MalformedXML',
      400,
    );
    await rejectsWith(
      rawObjectRequest(client, 'POST', 'errors.bin', { uploadId }, { content: '' }),
      'MalformedXML',
      400,
    );
    await rejectsWith(
      rawObjectRequest(client, 'POST', 'errors.bin', { uploadId }, { content: '<CompleteMultipartUpload/>' }),
      'MalformedXML',
      400,
    );
    // An invalid callback is refused before anything changes.
    await rejectsWith(
      client.completeMultipartUpload('errors.bin', uploadId, [{ number: 1, etag: etags[0] }], {
        headers: { 'x-oss-callback': b64('not json') },
      }),
      'InvalidArgument',
      400,
    );
    const listed = await loose(client).listParts('errors.bin', uploadId, {});
    assert.equal(partList(listed.parts).length, 3);
    // Gaps are allowed, ETags compare without quotes and case-insensitively; the small last part is fine.
    const blobsBefore = await storedBlobs(server);
    const done = await req([
      { number: 1, etag: etags[0].replace(/"/g, '').toLowerCase() },
      { number: 2, etag: etags[1] },
    ]);
    assert.equal(done.res.status, 200);
    const xml = done.data.toString();
    assert.match(
      xml,
      /<CompleteMultipartUploadResult><Location>http:\/\/localhost:\d+\/mpapi\/errors\.bin<\/Location>/,
    );
    // The quotes of the ETag are XML-escaped (&quot;); xml2js and every XML parser decode them.
    assert.match(xml, /<Bucket>mpapi<\/Bucket><Key>errors.bin<\/Key><ETag>(&quot;|")[0-9A-F]{32}-2(&quot;|")<\/ETag>/);
    assert.match(done.res.headers.etag, /^"[0-9A-F]{32}-2"$/);
    const content = Buffer.concat([big, small]);
    assert.equal(done.res.headers['x-oss-hash-crc64ecma'], crc64(content));
    assert.ok(Buffer.from((await client.get('errors.bin')).content).equals(content));
    // Part 3 was not listed: its blob is gone; parts 1 and 2 are the object now.
    assert.equal((await storedBlobs(server)).size, blobsBefore.size - 1);
    await rejectsWith(loose(client).listParts('errors.bin', uploadId, {}), 'NoSuchUpload', 404);
  });

  it('x-oss-complete-all: yes completes with every uploaded part', async () => {
    const a = randomBytes(100 * KB);
    const b = randomBytes(5);
    const { uploadId } = await upload('all.bin', [a, b]);
    await rejectsWith(
      rawObjectRequest(
        client,
        'POST',
        'all.bin',
        { uploadId },
        {
          headers: { 'x-oss-complete-all': 'yes' },
          content: completeXml([{ number: 1, etag: '"x"' }]),
        },
      ),
      'InvalidArgument',
      400,
    );
    const r = await rawObjectRequest(
      client,
      'POST',
      'all.bin',
      { uploadId },
      { headers: { 'x-oss-complete-all': 'yes' } },
    );
    assert.match(r.res.headers.etag, /-2"$/);
    assert.ok(Buffer.from((await client.get('all.bin')).content).equals(Buffer.concat([a, b])));
  });

  it('Complete replaces an existing object and releases its blobs', async () => {
    await client.put('replaced.bin', randomBytes(100_000)); // above --inline-max-bytes: a file
    const blobsBefore = await storedBlobs(server);
    const part = randomBytes(300);
    const { uploadId, etags } = await upload('replaced.bin', [part]);
    await client.completeMultipartUpload('replaced.bin', uploadId, [{ number: 1, etag: etags[0] }]);
    assert.ok(Buffer.from((await client.get('replaced.bin')).content).equals(part));
    assert.equal((await storedBlobs(server)).size, blobsBefore.size, 'old object blob released, part blob kept');
  });

  it('Initiate captures content type, metadata, ACL, storage class and tags for the final object', async () => {
    const { uploadId } = await client.initMultipartUpload('captured.txt', {
      mime: 'text/x-special',
      meta: { color: 'blue' },
      headers: {
        'x-oss-object-acl': 'public-read',
        'x-oss-storage-class': 'IA',
        'x-oss-tagging': 'a=1&b=2',
        'Cache-Control': 'no-cache',
      },
    } as unknown as OSS.InitMultipartUploadOptions);
    const body = Buffer.from('captured');
    const p = await client.uploadPart('captured.txt', uploadId, 1, body as unknown as string, 0, body.length);
    // Complete's own content headers do not matter.
    await client.completeMultipartUpload('captured.txt', uploadId, [{ number: 1, etag: p.etag }], {
      headers: { 'x-oss-meta-color': 'red' },
    } as unknown as OSS.CompleteMultipartUploadOptions);
    const h = (await client.head('captured.txt')).res.headers as Record<string, string>;
    assert.equal(h['content-type'], 'text/x-special');
    assert.equal(h['x-oss-meta-color'], 'blue');
    assert.equal(h['x-oss-storage-class'], 'IA');
    assert.equal(h['cache-control'], 'no-cache');
    assert.equal(h['x-oss-tagging-count'], '2');
    assert.equal(h['x-oss-object-type'], 'Multipart');
    assert.equal((await client.getACL('captured.txt')).acl, 'public-read');
  });

  it('UploadPartCopy copies a byte range of an existing object into a part', async () => {
    const src = randomBytes(350 * KB);
    await client.put('copy/source.bin', src);
    const { uploadId } = await client.initMultipartUpload('copy/target.bin');
    const source = { sourceKey: 'copy/source.bin', sourceBucketName: 'mpapi' };
    const p1 = await loose(client).uploadPartCopy('copy/target.bin', uploadId, 1, `0-${200 * KB - 1}`, source);
    assert.equal(p1.etag, `"${md5hex(src.subarray(0, 200 * KB))}"`);
    // Without a range, the whole source.
    const p2 = await loose(client).uploadPartCopy('copy/target.bin', uploadId, 2, '', source);
    assert.equal(p2.etag, `"${md5hex(src)}"`);
    const p3 = await loose(client).uploadPartCopy(
      'copy/target.bin',
      uploadId,
      3,
      `${300 * KB}-${350 * KB - 1}`,
      source,
    );
    const res = p3.res as unknown as { status: number; headers: Record<string, string>; data: Buffer };
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-oss-hash-crc64ecma'], crc64(src.subarray(300 * KB)));
    assert.match(res.data.toString(), /<CopyPartResult><LastModified>[^<]+<\/LastModified><ETag>/);
    await rejectsWith(
      loose(client).uploadPartCopy('copy/target.bin', uploadId, 4, `0-${350 * KB}`, source),
      'InvalidArgument',
      400,
    );
    await rejectsWith(
      loose(client).uploadPartCopy('copy/target.bin', uploadId, 4, '0-1', {
        sourceKey: 'nope',
        sourceBucketName: 'mpapi',
      }),
      'NoSuchKey',
      404,
    );
    await rejectsWith(
      loose(client).uploadPartCopy('copy/target.bin', 'NOSUCHUPLOAD', 1, '0-1', source),
      'NoSuchUpload',
      404,
    );
    await client.completeMultipartUpload('copy/target.bin', uploadId, [
      { number: 1, etag: p1.etag },
      { number: 2, etag: p2.etag },
      { number: 3, etag: p3.etag },
    ]);
    const expected = Buffer.concat([src.subarray(0, 200 * KB), src, src.subarray(300 * KB)]);
    const got = await client.get('copy/target.bin');
    assert.ok(Buffer.from(got.content).equals(expected));
    assert.equal((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(expected));
  });

  it('UploadPartCopy needs read access to the source', async () => {
    await client.putBucket('mpapi-private');
    const other = server.client({ bucket: 'mpapi-private' });
    await other.put('secret.bin', randomBytes(10));
    // A second account that may write to a public-read-write bucket but not read the private one.
    const acct = await server.services.meta.ensureAccount('2000000000000002', 'other');
    await server.services.meta.putAccessKey({
      id: 'otherKeyId00001',
      secret: 'otherSecret0000000000000000001',
      accountId: acct.id,
      createdAt: Date.now(),
    });
    await client.putBucketACL('mpapi', 'public-read-write');
    const stranger = server.client({
      bucket: 'mpapi',
      accessKeyId: 'otherKeyId00001',
      accessKeySecret: 'otherSecret0000000000000000001',
    });
    const { uploadId } = await stranger.initMultipartUpload('stolen.bin');
    await rejectsWith(
      loose(stranger).uploadPartCopy('stolen.bin', uploadId, 1, '0-1', {
        sourceKey: 'secret.bin',
        sourceBucketName: 'mpapi-private',
      }),
      'AccessDenied',
      403,
    );
    await client.putBucketACL('mpapi', 'private');
    await client.abortMultipartUpload('stolen.bin', uploadId);
  });

  it('listParts pages with max-parts and part-number-marker', async () => {
    const { uploadId } = await client.initMultipartUpload('paged.bin');
    for (const n of [1, 2, 3, 5, 8]) {
      const b = Buffer.from(`part-${n}`);
      await client.uploadPart('paged.bin', uploadId, n, b as unknown as string, 0, b.length);
    }
    const p1 = await loose(client).listParts('paged.bin', uploadId, { 'max-parts': '2' });
    assert.deepEqual(
      partList(p1.parts).map((p) => p.PartNumber),
      ['1', '2'],
    );
    assert.equal(p1.isTruncated, 'true');
    assert.equal(p1.nextPartNumberMarker, '2');
    assert.equal(p1.maxParts, '2');
    const p2 = await loose(client).listParts('paged.bin', uploadId, {
      'max-parts': '2',
      'part-number-marker': p1.nextPartNumberMarker,
    });
    assert.deepEqual(
      partList(p2.parts).map((p) => p.PartNumber),
      ['3', '5'],
    );
    assert.equal(p2.partNumberMarker, '2');
    const p3 = await loose(client).listParts('paged.bin', uploadId, {
      'max-parts': '2',
      'part-number-marker': p2.nextPartNumberMarker,
    });
    const last = partList(p3.parts);
    assert.deepEqual(
      last.map((p) => p.PartNumber),
      ['8'],
    );
    assert.equal(p3.isTruncated, 'false');
    assert.equal(last[0].Size, '6');
    assert.ok(!Number.isNaN(Date.parse(last[0].LastModified)));
    await rejectsWith(loose(client).listParts('paged.bin', uploadId, { 'max-parts': '1001' }), 'InvalidArgument', 400);
    await client.abortMultipartUpload('paged.bin', uploadId);
  });

  it('listUploads pages with prefix, delimiter, key-marker, upload-id-marker and max-uploads', async () => {
    await client.putBucket('mpuploads');
    const c = server.client({ bucket: 'mpuploads' });
    const ids: Record<string, string[]> = {};
    for (const key of ['a.bin', 'dir/x', 'dir/y', 'b.bin', 'a.bin', 'dir/sub/z']) {
      const { uploadId } = await c.initMultipartUpload(key);
      ids[key] = [...(ids[key] ?? []), uploadId];
    }
    const all = await loose(c).listUploads({});
    assert.deepEqual(
      all.uploads.map((u) => u.name),
      ['a.bin', 'a.bin', 'b.bin', 'dir/sub/z', 'dir/x', 'dir/y'],
    );
    assert.deepEqual(
      all.uploads.slice(0, 2).map((u) => u.uploadId),
      ids['a.bin'],
    );
    assert.equal(all.isTruncated, false);
    assert.ok(!Number.isNaN(Date.parse(all.uploads[0].initiated)));

    // Page through two at a time, splitting the two uploads of a.bin across pages.
    const seen: string[] = [];
    let q: Record<string, string> = { 'max-uploads': '1' };
    for (let i = 0; i < 10; i++) {
      const page = await loose(c).listUploads(q);
      seen.push(...page.uploads.map((u) => `${u.name}#${u.uploadId}`));
      if (!page.isTruncated) break;
      q = { 'max-uploads': '1', 'key-marker': page.nextKeyMarker, 'upload-id-marker': page.nextUploadIdMarker };
    }
    assert.deepEqual(
      seen,
      all.uploads.map((u) => `${u.name}#${u.uploadId}`),
    );
    // key-marker alone skips every upload of that key.
    const afterA = await loose(c).listUploads({ 'key-marker': 'a.bin' });
    assert.deepEqual(
      afterA.uploads.map((u) => u.name),
      ['b.bin', 'dir/sub/z', 'dir/x', 'dir/y'],
    );
    // Delimiter and prefix.
    const top = await loose(c).listUploads({ delimiter: '/' });
    assert.deepEqual(
      top.uploads.map((u) => u.name),
      ['a.bin', 'a.bin', 'b.bin'],
    );
    const dir = await loose(c).listUploads({ prefix: 'dir/', delimiter: '/' });
    assert.deepEqual(
      dir.uploads.map((u) => u.name),
      ['dir/x', 'dir/y'],
    );
    // Common prefixes, in raw XML (ali-oss drops them from listUploads' result).
    const cp = await (c as unknown as { request(p: object): Promise<{ data: Buffer }> }).request({
      method: 'GET',
      bucket: 'mpuploads',
      subres: 'uploads',
      query: { delimiter: '/', 'max-uploads': '3' },
      successStatuses: [200],
    });
    const text = cp.data.toString();
    assert.match(text, /<MaxUploads>3<\/MaxUploads><IsTruncated>true<\/IsTruncated>/);
    const cp2 = await (c as unknown as { request(p: object): Promise<{ data: Buffer }> }).request({
      method: 'GET',
      bucket: 'mpuploads',
      subres: 'uploads',
      query: { delimiter: '/' },
      successStatuses: [200],
    });
    assert.match(cp2.data.toString(), /<CommonPrefixes><Prefix>dir\/<\/Prefix><\/CommonPrefixes>/);
    // BucketNotEmpty while uploads are in progress; deletable once they are gone.
    await rejectsWith(c.deleteBucket('mpuploads'), 'BucketNotEmpty', 409);
    for (const u of all.uploads) await c.abortMultipartUpload(u.name, u.uploadId);
    await c.deleteBucket('mpuploads');
  });
});
