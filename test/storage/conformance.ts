/**
 * The storage conformance suite: every MetadataStore / BlobStore backend runs these tests
 * (the embedded SQLite + local-disk backend in local.test.ts; PostgreSQL/S3 backends later).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { crc64 } from '../../src/storage/crc64.js';
import { StorageError } from '../../src/storage/errors.js';
import type { BlobStore, MetadataStore, ObjectRecord } from '../../src/storage/types.js';

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
  });
}
