/**
 * The storage conformance suite: every MetadataStore / BlobStore backend runs these tests
 * (the embedded SQLite + local-disk backend in local.test.ts; PostgreSQL/S3 backends later).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { crc64 } from '../../src/storage/crc64.js';
import { StorageError } from '../../src/storage/errors.js';
import type { BlobStore, MetadataStore, MultipartUpload, ObjectRecord, PartRecord } from '../../src/storage/types.js';
import { versioningConformance } from './versioning-conformance.js';

export interface Backend {
  meta: MetadataStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function obj(bucket: string, key: string, blob: string, size = 1): ObjectRecord {
  return {
    bucket,
    key,
    type: 'Normal',
    size,
    etag: 'E',
    crc64: '0',
    lastModified: Date.now(),
    acl: 'default',
    storageClass: 'Standard',
    contentType: 'text/plain',
    meta: { a: 'b' },
    tags: {},
    segments: [{ blob, size, crc64: '0' }],
  };
}

function upload(bucket: string, key: string, uploadId: string): MultipartUpload {
  return {
    uploadId,
    bucket,
    key,
    initiated: Date.now(),
    template: { acl: 'default', storageClass: 'Standard', contentType: 'text/plain', meta: {}, tags: {} },
  };
}

function part(uploadId: string, partNumber: number, blob: string): PartRecord {
  return { uploadId, partNumber, blob, size: 1, etag: `E${partNumber}`, crc64: '0', lastModified: Date.now() };
}

export function storageConformance(name: string, open: () => Promise<Backend>): void {
  describe(`storage conformance: ${name}`, () => {
    it('writes a blob streaming, with size, MD5 and CRC64, and reads ranges back', async () => {
      const b = await open();
      try {
        const data = Buffer.from('0123456789'.repeat(100_000));
        const w = await b.blobs.write(Readable.from([data.subarray(0, 3), data.subarray(3)]), { maxBytes: 10_000_000 });
        assert.equal(w.size, data.length);
        assert.deepEqual(w.md5, createHash('md5').update(data).digest());
        assert.equal(w.crc64, crc64(data));
        assert.deepEqual(await readAll(await b.blobs.read(w.blob)), data);
        assert.deepEqual(await readAll(await b.blobs.read(w.blob, 5, 14)), data.subarray(5, 15));
        const seen = [];
        for await (const l of b.blobs.list()) seen.push(l);
        const listed = seen.find((l) => l.blob === w.blob);
        assert.ok(listed, 'the new blob is listed');
        assert.ok(Math.abs(listed.modifiedAt - Date.now()) < 60_000, 'with the time it was written');
        await b.blobs.delete([w.blob]);
        await assert.rejects(b.blobs.read(w.blob));
      } finally {
        await b.close();
      }
    });

    it('writes a blob under an id the caller chose, and keeps a segment’s key id and an upload’s part key', async () => {
      const b = await open();
      try {
        const id = randomBytes(16).toString('hex');
        const w = await b.blobs.write(Readable.from([Buffer.from('chosen id')]), { maxBytes: 100, blob: id });
        assert.equal(w.blob, id);
        assert.deepEqual(await readAll(await b.blobs.read(id)), Buffer.from('chosen id'));
        await b.meta.createBucket({
          name: 'enc',
          owner: 'o',
          acl: 'private',
          createdAt: 1,
          region: 'r',
          storageClass: 'Standard',
          dataRedundancyType: 'LRS',
        });
        const o = obj('enc', 'k', id);
        o.segments = [{ ...o.segments[0], sseKey: 'k1' }];
        await b.meta.putObject(o);
        assert.equal((await b.meta.getObject('enc', 'k'))?.segments[0].sseKey, 'k1');
        await b.meta.multipart.createUpload({
          uploadId: 'u-enc',
          bucket: 'enc',
          key: 'm',
          initiated: 1,
          template: { contentType: 'x', acl: 'default', storageClass: 'Standard', meta: {}, tags: {}, sseKey: 'k2' },
        });
        assert.equal((await b.meta.multipart.getUpload('u-enc'))?.template.sseKey, 'k2');
        await b.meta.multipart.abortUpload('u-enc');
        await b.meta.deleteObject('enc', 'k');
        await b.blobs.delete([id]);
      } finally {
        await b.close();
      }
    });

    it('refuses a blob past maxBytes and leaves nothing behind', async () => {
      const b = await open();
      try {
        const before: string[] = [];
        for await (const l of b.blobs.list()) before.push(l.blob);
        await assert.rejects(
          b.blobs.write(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxBytes: 1000 }),
          (e: unknown) => e instanceof StorageError && e.kind === 'too-large',
        );
        const after: string[] = [];
        for await (const l of b.blobs.list()) after.push(l.blob);
        assert.deepEqual(after.sort(), before.sort());
      } finally {
        await b.close();
      }
    });

    it('creates, lists, updates and deletes buckets; refuses to delete a non-empty one', async () => {
      const b = await open();
      try {
        await b.meta.ensureAccount('acc1', 'one');
        const rec = {
          name: 'bk1',
          owner: 'acc1',
          acl: 'private' as const,
          createdAt: 1,
          region: 'r',
          storageClass: 'Standard',
          dataRedundancyType: 'LRS',
        };
        assert.equal(await b.meta.createBucket(rec), 'created');
        assert.equal(await b.meta.createBucket(rec), 'exists');
        assert.deepEqual(
          (await b.meta.listBuckets('acc1')).map((x) => x.name),
          ['bk1'],
        );
        await b.meta.updateBucket('bk1', { acl: 'public-read' });
        assert.equal((await b.meta.getBucket('bk1'))?.acl, 'public-read');
        await b.meta.putObject(obj('bk1', 'k', 'a'.repeat(32)));
        assert.equal(await b.meta.deleteBucket('bk1'), 'not-empty');
        await b.meta.deleteObject('bk1', 'k');
        assert.equal(await b.meta.deleteBucket('bk1'), 'deleted');
        assert.equal(await b.meta.deleteBucket('bk1'), 'missing');
      } finally {
        await b.close();
      }
    });

    it('counts a bucket’s usage per storage class, with uploads in progress', async () => {
      const b = await open();
      try {
        await b.meta.ensureAccount('acc1', 'one');
        const rec = { owner: 'acc1', acl: 'private' as const, createdAt: 1, region: 'r', storageClass: 'Standard' };
        await b.meta.createBucket({ ...rec, name: 'use1', dataRedundancyType: 'LRS' });
        await b.meta.createBucket({ ...rec, name: 'use2', dataRedundancyType: 'LRS' });
        assert.deepEqual(await b.meta.bucketUsage('use1'), { byClass: [], lastModified: 0, multipartUploads: 0 });
        await b.meta.putObject({ ...obj('use1', 'a', 'u'.repeat(32), 10), lastModified: 5000 });
        await b.meta.putObject({ ...obj('use1', 'b', 'v'.repeat(32), 20), lastModified: 9000 });
        await b.meta.putObject({ ...obj('use1', 'c', 'w'.repeat(32), 4), storageClass: 'IA', lastModified: 7000 });
        await b.meta.putObject(obj('use2', 'x', 'x'.repeat(32), 99));
        await b.meta.multipart.createUpload(upload('use1', 'm', 'up-use1'));
        const u = await b.meta.bucketUsage('use1');
        assert.deepEqual(
          [...u.byClass].sort((p, q) => p.storageClass.localeCompare(q.storageClass)),
          [
            { storageClass: 'IA', objects: 1, bytes: 4 },
            { storageClass: 'Standard', objects: 2, bytes: 30 },
          ],
        );
        assert.equal(u.lastModified, 9000);
        assert.equal(u.multipartUploads, 1);
      } finally {
        await b.close();
      }
    });

    it('keeps configuration documents per bucket, lists them by prefix and drops them with the bucket', async () => {
      const b = await open();
      try {
        await b.meta.ensureAccount('acc1', 'one');
        const rec = {
          owner: 'acc1',
          acl: 'private' as const,
          createdAt: 1,
          region: 'r',
          storageClass: 'Standard',
          dataRedundancyType: 'LRS',
        };
        await b.meta.createBucket({ ...rec, name: 'cfg1' });
        await b.meta.createBucket({ ...rec, name: 'cfg2' });
        assert.equal(await b.meta.getBucketConfig('cfg1', 'policy'), undefined);
        await b.meta.putBucketConfig('cfg1', 'policy', '{"Version":"1"}');
        await b.meta.putBucketConfig('cfg1', 'style/small', 'image/resize,w_10');
        await b.meta.putBucketConfig('cfg1', 'style/big', 'image/resize,w_100');
        await b.meta.putBucketConfig('cfg2', 'style/other', 'x');
        await b.meta.putBucketConfig('cfg1', 'policy', '{"Version":"2"}');
        assert.equal(await b.meta.getBucketConfig('cfg1', 'policy'), '{"Version":"2"}');
        assert.deepEqual(await b.meta.listBucketConfig('cfg1', 'style/'), [
          { name: 'style/big', value: 'image/resize,w_100' },
          { name: 'style/small', value: 'image/resize,w_10' },
        ]);
        await b.meta.putBucketConfig('cfg1', 'style/big', undefined);
        assert.deepEqual(
          (await b.meta.listBucketConfig('cfg1', '')).map((c) => c.name),
          ['policy', 'style/small'],
        );
        assert.equal(await b.meta.deleteBucket('cfg1'), 'deleted');
        await b.meta.createBucket({ ...rec, name: 'cfg1' });
        assert.deepEqual(await b.meta.listBucketConfig('cfg1', ''), [], 'a new bucket of the same name starts empty');
        assert.equal(await b.meta.getBucketConfig('cfg2', 'style/other'), 'x');
      } finally {
        await b.close();
      }
    });

    it('replaces an object atomically and reports the released blobs', async () => {
      const b = await open();
      try {
        const first = await b.meta.putObject(obj('b', 'k', '1'.repeat(32)));
        assert.deepEqual(first.released, []);
        const second = await b.meta.putObject(obj('b', 'k', '2'.repeat(32)));
        assert.deepEqual(second.released, ['1'.repeat(32)]);
        assert.equal((await b.meta.getObject('b', 'k'))?.segments[0].blob, '2'.repeat(32));
        assert.deepEqual((await b.meta.getObject('b', 'k'))?.meta, { a: 'b' });
        const refs = await b.meta.referencedAmong(['1'.repeat(32), '2'.repeat(32), '3'.repeat(32)]);
        assert.deepEqual([...refs], ['2'.repeat(32)]);
        const del = await b.meta.deleteObject('b', 'k');
        assert.deepEqual(del, { released: ['2'.repeat(32)], existed: true });
        assert.deepEqual(await b.meta.deleteObject('b', 'k'), { released: [], existed: false });
      } finally {
        await b.close();
      }
    });

    it('keeps every content header, server-side encryption included, and leaves absent ones absent', async () => {
      const b = await open();
      try {
        const full: ObjectRecord = {
          ...obj('b', 'sse', '4'.repeat(32)),
          cacheControl: 'no-cache',
          contentDisposition: 'attachment',
          contentEncoding: 'gzip',
          contentLanguage: 'en',
          expires: 'Thu, 01 Jan 2099 00:00:00 GMT',
          serverSideEncryption: { algorithm: 'KMS', keyId: 'cmk-1', dataEncryption: 'SM4' },
        };
        await b.meta.putObject(full);
        const got = await b.meta.getObject('b', 'sse');
        assert.deepEqual(got?.serverSideEncryption, full.serverSideEncryption);
        assert.equal(got?.contentEncoding, 'gzip');
        assert.equal(got?.expires, full.expires);
        await b.meta.putObject(obj('b', 'plain', '5'.repeat(32)));
        assert.equal((await b.meta.getObject('b', 'plain'))?.serverSideEncryption, undefined);
        await b.meta.deleteObject('b', 'sse');
        await b.meta.deleteObject('b', 'plain');
      } finally {
        await b.close();
      }
    });

    it('stores an inline blob with its record, reads ranges of it, and drops it with the record', async () => {
      const b = await open();
      try {
        const inline = `i${'5'.repeat(32)}`;
        const data = Buffer.from('hello, inline world');
        await b.meta.putObject(obj('b', 'small', inline, data.length), undefined, { blob: inline, data });
        assert.deepEqual(await b.meta.readInline(inline, 0, data.length - 1), data);
        assert.deepEqual(await b.meta.readInline(inline, 7, 12), data.subarray(7, 13));
        const both = await b.meta.getObjectWithData('b', 'small');
        assert.deepEqual(both?.data, data);
        assert.equal(both?.object.size, data.length);
        // An overwrite releases it inside the commit: nothing for the caller to delete, and it is gone.
        const over = await b.meta.putObject(obj('b', 'small', '6'.repeat(32)));
        assert.deepEqual(over.released, []);
        assert.equal(await b.meta.readInline(inline, 0, 0), undefined);
        const file = await b.meta.getObjectWithData('b', 'small');
        assert.equal(file?.data, undefined, 'a file-backed object comes without data');
        assert.equal(file?.object.segments[0].blob, '6'.repeat(32));
        assert.equal(await b.meta.getObjectWithData('b', 'nothing'), undefined);
        // A delete of an inline object releases nothing to the blob store either.
        const again = `i${'7'.repeat(32)}`;
        await b.meta.putObject(obj('b', 'again', again, 3), undefined, { blob: again, data: Buffer.from('abc') });
        assert.deepEqual(await b.meta.deleteObject('b', 'again'), { released: [], existed: true });
        assert.equal(await b.meta.readInline(again, 0, 2), undefined);
        // A guard that throws stores neither the record nor its bytes.
        const refused = `i${'8'.repeat(32)}`;
        await assert.rejects(
          b.meta.putObject(
            obj('b', 'small', refused, 1),
            () => {
              throw new Error('refused');
            },
            { blob: refused, data: Buffer.from('x') },
          ),
          /refused/,
        );
        assert.equal(await b.meta.readInline(refused, 0, 0), undefined);
        // The blob store ignores inline ids it is asked to delete.
        await b.blobs.delete([inline, again]);
      } finally {
        await b.close();
      }
    });

    it('runs a guard inside the commit (forbid-overwrite) without side effects when it throws', async () => {
      const b = await open();
      try {
        await b.meta.putObject(obj('b', 'g', '3'.repeat(32)));
        await assert.rejects(
          b.meta.putObject(obj('b', 'g', '4'.repeat(32)), (existing) => {
            if (existing) throw new Error('exists');
          }),
          /exists/,
        );
        assert.equal((await b.meta.getObject('b', 'g'))?.segments[0].blob, '3'.repeat(32));
      } finally {
        await b.close();
      }
    });

    it('lists in byte order with prefix, delimiter, marker and truncation, every key exactly once', async () => {
      const b = await open();
      try {
        // Byte (UTF-8) order, as OSS lists.
        const keys = ['a', 'a/1', 'a/2', 'a/b/1', 'b', 'b/1', 'c/x/y', 'z', 'é', '中'];
        await Promise.all(keys.map((k, i) => b.meta.putObject(obj('l', k, i.toString(16).padStart(32, '0')))));
        const all = await b.meta.listObjects('l', { prefix: '', delimiter: '', after: '', maxKeys: 100 });
        assert.deepEqual(
          all.objects.map((o) => o.key),
          keys,
        );
        const top = await b.meta.listObjects('l', { prefix: '', delimiter: '/', after: '', maxKeys: 100 });
        assert.deepEqual(
          top.objects.map((o) => o.key),
          ['a', 'b', 'z', 'é', '中'],
        );
        assert.deepEqual(top.commonPrefixes, ['a/', 'b/', 'c/']);
        const under = await b.meta.listObjects('l', { prefix: 'a/', delimiter: '/', after: '', maxKeys: 100 });
        assert.deepEqual(
          under.objects.map((o) => o.key),
          ['a/1', 'a/2'],
        );
        assert.deepEqual(under.commonPrefixes, ['a/b/']);
        // Page through with max-keys 2 and the delimiter: every entry once, in order.
        const seen: string[] = [];
        let after = '';
        for (let guard = 0; guard < 20; guard++) {
          const page = await b.meta.listObjects('l', { prefix: '', delimiter: '/', after, maxKeys: 2 });
          const entries = [...page.objects.map((o) => o.key), ...page.commonPrefixes].sort();
          seen.push(...entries);
          if (!page.isTruncated) break;
          assert.ok(page.nextMarker);
          after = page.nextMarker;
        }
        assert.deepEqual(seen.sort(), ['a', 'a/', 'b', 'b/', 'c/', 'é', 'z', '中'].sort());
      } finally {
        await b.close();
      }
    });

    it('lists summaries exactly as the whole records, page by page', async () => {
      const b = await open();
      try {
        const keys = ['a', 'a/1', 'a/b/1', 'b', 'c/x/y', 'z', 'é'];
        await Promise.all(keys.map((k, i) => b.meta.putObject(obj('s', k, i.toString(16).padStart(32, '0')))));
        for (const q of [
          { prefix: '', delimiter: '', after: '', maxKeys: 100 },
          { prefix: '', delimiter: '/', after: '', maxKeys: 2 },
          { prefix: 'a/', delimiter: '/', after: '', maxKeys: 100 },
          { prefix: '', delimiter: '/', after: 'b', maxKeys: 3 },
        ]) {
          const full = await b.meta.listObjects('s', q);
          const summaries = await b.meta.listObjectSummaries('s', q);
          assert.deepEqual(summaries, {
            ...full,
            objects: full.objects.map((o) => ({
              key: o.key,
              type: o.type,
              size: o.size,
              etag: o.etag,
              lastModified: o.lastModified,
              storageClass: o.storageClass,
            })),
          });
          assert.ok(summaries.objects.length > 0 || summaries.commonPrefixes.length > 0);
        }
      } finally {
        await b.close();
      }
    });

    it('lists keys in UTF-8 byte order: above U+FFFF, around the delimiter, page by page', async () => {
      const b = await open();
      try {
        // UTF-16 order puts U+1F600 (a surrogate pair) before U+FFFD; UTF-8 byte order puts it after. '!' < '/' < '0'.
        const keys = [
          'a',
          'a!',
          'a/',
          'a/b',
          'a/\u{1F600}',
          'a0',
          '\uFF5E',
          '\uFFFD',
          '\u{1F600}',
          '\u{1F600}/x',
          '\u{10FFFF}',
        ];
        await Promise.all(keys.map((k, i) => b.meta.putObject(obj('u', k, i.toString(16).padStart(32, '0')))));
        const byteOrder = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.notDeepEqual(byteOrder, [...keys].sort(), 'the case differs between UTF-16 and UTF-8 order');
        const all = await b.meta.listObjects('u', { prefix: '', delimiter: '', after: '', maxKeys: 100 });
        assert.deepEqual(
          all.objects.map((o) => o.key),
          byteOrder,
        );
        // One entry per page, with the delimiter: every object and common prefix once, in byte order.
        const seen: string[] = [];
        let after = '';
        for (let guard = 0; guard < 30; guard++) {
          const page = await b.meta.listObjects('u', { prefix: '', delimiter: '/', after, maxKeys: 1 });
          seen.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
          if (!page.isTruncated) break;
          assert.ok(page.nextMarker);
          after = page.nextMarker;
        }
        assert.deepEqual(seen, ['a', 'a!', 'a/', 'a0', '\uFF5E', '\uFFFD', '\u{1F600}', '\u{1F600}/', '\u{10FFFF}']);
        // A marker above U+FFFF and a prefix that is one.
        const tail = await b.meta.listObjects('u', { prefix: '', delimiter: '', after: '\uFFFD', maxKeys: 100 });
        assert.deepEqual(
          tail.objects.map((o) => o.key),
          ['\u{1F600}', '\u{1F600}/x', '\u{10FFFF}'],
        );
        const emoji = await b.meta.listObjects('u', { prefix: '\u{1F600}', delimiter: '/', after: '', maxKeys: 100 });
        assert.deepEqual(
          emoji.objects.map((o) => o.key),
          ['\u{1F600}'],
        );
        assert.deepEqual(emoji.commonPrefixes, ['\u{1F600}/']);
      } finally {
        await b.close();
      }
    });

    it('skips past large common prefixes: every entry once however the pages fall', async () => {
      const b = await open();
      try {
        const keys: string[] = [];
        for (const dir of ['d1/', 'd2/', 'd3/']) for (let i = 0; i < 40; i++) keys.push(`${dir}${i}`);
        keys.push('d1', 'd2x', 'e');
        await Promise.all(keys.map((k, i) => b.meta.putObject(obj('cp', k, i.toString(16).padStart(32, '0')))));
        for (const maxKeys of [1, 2, 3, 1000]) {
          const seen: string[] = [];
          let after = '';
          for (let guard = 0; guard < 30; guard++) {
            const page = await b.meta.listObjects('cp', { prefix: '', delimiter: '/', after, maxKeys });
            assert.ok(page.objects.length + page.commonPrefixes.length <= maxKeys);
            seen.push(
              ...[...page.objects.map((o) => o.key), ...page.commonPrefixes].sort((x, y) =>
                Buffer.compare(Buffer.from(x), Buffer.from(y)),
              ),
            );
            if (!page.isTruncated) break;
            after = page.nextMarker ?? '';
          }
          assert.deepEqual(seen, ['d1', 'd1/', 'd2/', 'd2x', 'd3/', 'e'], `maxKeys ${maxKeys}`);
        }
      } finally {
        await b.close();
      }
    });

    it('tells which blobs objects and parts reference, and forgets released ones', async () => {
      const b = await open();
      try {
        const [o1, o2, p1, p2, none] = ['1', '2', '3', '4', '5'].map((c) => c.repeat(32).replace(/^./, 'f'));
        assert.deepEqual([...(await b.meta.referencedAmong([]))], []);
        await b.meta.putObject(obj('r', 'k', o1));
        await b.meta.multipart.createUpload(upload('r', 'm', 'up1'));
        assert.notEqual(await b.meta.multipart.putPart(part('up1', 1, p1)), 'no-upload');
        const refs = await b.meta.referencedAmong([o1, p1, none]);
        assert.deepEqual([...refs].sort(), [o1, p1].sort());
        // An overwrite releases the old blob; a part replaced releases its blob.
        assert.deepEqual((await b.meta.putObject(obj('r', 'k', o2))).released, [o1]);
        assert.deepEqual(await b.meta.multipart.putPart(part('up1', 1, p2)), { released: [p1] });
        assert.deepEqual([...(await b.meta.referencedAmong([o1, o2, p1, p2]))].sort(), [o2, p2].sort());
        // Completing turns the part into an object segment: still referenced.
        const done = await b.meta.multipart.completeUpload('up1', obj('r', 'm', p2), [part('up1', 1, p2)]);
        assert.deepEqual(done, { released: [] });
        assert.deepEqual([...(await b.meta.referencedAmong([p2]))], [p2]);
        await b.meta.deleteObject('r', 'm');
        await b.meta.deleteObject('r', 'k');
        assert.deepEqual([...(await b.meta.referencedAmong([o2, p2]))], []);
      } finally {
        await b.close();
      }
    });

    it('keeps settings first-writer-wins', async () => {
      const b = await open();
      try {
        assert.equal(await b.meta.getSetting('callback-key'), undefined);
        assert.equal(await b.meta.putSettingIfAbsent('callback-key', 'first'), 'first');
        assert.equal(await b.meta.putSettingIfAbsent('callback-key', 'second'), 'first');
        assert.equal(await b.meta.getSetting('callback-key'), 'first');
        assert.equal(await b.meta.getSetting('other'), undefined);
      } finally {
        await b.close();
      }
    });

    it('runs multipart uploads: parts replaced, parts-changed, complete with a guard, abort, collect', async () => {
      const b = await open();
      try {
        const mp = b.meta.multipart;
        const blob = (c: string) => c.repeat(32);
        assert.equal(await mp.putPart(part('nope', 1, blob('a'))), 'no-upload');
        await mp.createUpload(upload('mp', 'obj', 'u1'));
        assert.equal((await mp.getUpload('u1'))?.key, 'obj');
        for (let n = 1; n <= 3; n++) await mp.putPart(part('u1', n, blob(String(n))));
        const first = await mp.listParts('u1', 0, 2);
        assert.deepEqual(
          first.parts.map((p) => p.partNumber),
          [1, 2],
        );
        assert.equal(first.isTruncated, true);
        assert.deepEqual(
          (await mp.listParts('u1', 2, 2)).parts.map((p) => p.blob),
          [blob('3')],
        );
        // Part 2 re-uploaded after the caller read it.
        await mp.putPart(part('u1', 2, blob('b')));
        const used = [part('u1', 1, blob('1')), part('u1', 2, blob('2'))];
        assert.equal(await mp.completeUpload('u1', obj('mp', 'obj', blob('1')), used), 'parts-changed');
        // A guard that throws leaves the upload as it was.
        await b.meta.putObject(obj('mp', 'obj', blob('e')));
        const fresh = [part('u1', 1, blob('1')), part('u1', 2, blob('b'))];
        const target = {
          ...obj('mp', 'obj', blob('1')),
          segments: fresh.map((p) => ({ blob: p.blob, size: 1, crc64: '0' })),
        };
        await assert.rejects(
          mp.completeUpload('u1', target, fresh, (existing) => {
            if (existing) throw new Error('exists');
          }),
          /exists/,
        );
        assert.ok(await mp.getUpload('u1'));
        // Complete: the unused part 3 and the replaced object's blob are released.
        const done = await mp.completeUpload('u1', target, fresh);
        assert.deepEqual(
          done !== 'no-upload' && done !== 'parts-changed' ? [...done.released].sort() : done,
          [blob('e'), blob('3')].sort(),
        );
        assert.equal(await mp.getUpload('u1'), undefined);
        assert.equal(await mp.completeUpload('u1', target, fresh), 'no-upload');
        assert.deepEqual(
          (await b.meta.getObject('mp', 'obj'))?.segments.map((s) => s.blob),
          [blob('1'), blob('b')],
        );
        // Abort releases every part; old uploads are collected.
        await mp.createUpload(upload('mp', 'x', 'u2'));
        await mp.putPart(part('u2', 1, blob('c')));
        assert.deepEqual(await mp.abortUpload('u2'), { released: [blob('c')] });
        assert.equal(await mp.abortUpload('u2'), 'no-upload');
        await mp.createUpload({ ...upload('mp', 'old', 'u3'), initiated: 1 });
        await mp.putPart(part('u3', 1, blob('d')));
        await mp.createUpload(upload('mp', 'new', 'u4'));
        assert.deepEqual(await mp.abortUploadsBefore(1000), { released: [blob('d')], uploads: ['u3'] });
        assert.ok(await mp.getUpload('u4'));
      } finally {
        await b.close();
      }
    });

    it('lists multipart uploads by key and upload id, skipping common prefixes, page by page', async () => {
      const b = await open();
      try {
        const mp = b.meta.multipart;
        const entries: [string, string][] = [
          ['a', 'u01'],
          ['a', 'u02'],
          ['d/1', 'u03'],
          ['d/2', 'u04'],
          ['d/3', 'u05'],
          ['e', 'u06'],
          ['\u{1F600}', 'u07'],
          ['\uFFFD', 'u08'],
        ];
        for (const [key, id] of entries) await mp.createUpload(upload('lu', key, id));
        const all = await mp.listUploads('lu', {
          prefix: '',
          delimiter: '',
          keyMarker: '',
          uploadIdMarker: '',
          maxUploads: 100,
        });
        assert.deepEqual(
          all.uploads.map((u) => u.uploadId),
          ['u01', 'u02', 'u03', 'u04', 'u05', 'u06', 'u08', 'u07'],
        );
        const seen: string[] = [];
        let keyMarker = '';
        let uploadIdMarker = '';
        for (let guard = 0; guard < 20; guard++) {
          const page = await mp.listUploads('lu', {
            prefix: '',
            delimiter: '/',
            keyMarker,
            uploadIdMarker,
            maxUploads: 1,
          });
          seen.push(...page.uploads.map((u) => `${u.key}#${u.uploadId}`), ...page.commonPrefixes);
          if (!page.isTruncated) break;
          keyMarker = page.nextKeyMarker ?? '';
          uploadIdMarker = page.nextUploadIdMarker ?? '';
        }
        assert.deepEqual(seen, ['a#u01', 'a#u02', 'd/', 'e#u06', '\uFFFD#u08', '\u{1F600}#u07']);
      } finally {
        await b.close();
      }
    });

    it('appends inside the commit: build sees the current object', async () => {
      const b = await open();
      try {
        const mp = b.meta.multipart;
        const seg = (c: string) => ({ blob: c.repeat(32), size: 1, crc64: '0' });
        const build = (c: string) => (existing: ObjectRecord | undefined) => ({
          ...obj('ap', 'log', c.repeat(32)),
          type: 'Appendable' as const,
          size: (existing?.size ?? 0) + 1,
          segments: [...(existing?.segments ?? []), seg(c)],
        });
        await mp.appendObject('ap', 'log', build('1'));
        const second = await mp.appendObject('ap', 'log', build('2'));
        assert.deepEqual(second.released, []);
        assert.equal(second.object.size, 2);
        assert.deepEqual(
          (await b.meta.getObject('ap', 'log'))?.segments.map((s) => s.blob),
          ['1'.repeat(32), '2'.repeat(32)],
        );
        await assert.rejects(
          mp.appendObject('ap', 'log', () => {
            throw new Error('position');
          }),
          /position/,
        );
        assert.equal((await b.meta.getObject('ap', 'log'))?.size, 2);
      } finally {
        await b.close();
      }
    });

    it('stores access keys per account', async () => {
      const b = await open();
      try {
        await b.meta.ensureAccount('acc2', 'two');
        await b.meta.putAccessKey({ id: 'AK2', secret: 's', accountId: 'acc2', createdAt: 1 });
        assert.equal((await b.meta.getAccessKey('AK2'))?.accountId, 'acc2');
        assert.ok((await b.meta.listAccessKeys()).some((k) => k.id === 'AK2'));
        assert.equal(await b.meta.deleteAccessKey('AK2'), true);
        assert.equal(await b.meta.getAccessKey('AK2'), undefined);
      } finally {
        await b.close();
      }
    });

    versioningConformance(open);
  });
}
