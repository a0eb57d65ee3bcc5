/**
 * Versioning cases of the storage conformance suite (run by storageConformance on every backend): the
 * version state machine, which blobs each change releases (nothing lost, nothing orphaned), listings,
 * and the lifecycle scans.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import type { BlobStore, MetadataStore, ObjectRecord } from '../../src/storage/types.js';

interface Backend {
  meta: MetadataStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

const blob = () => randomBytes(16).toString('hex');

function rec(bucket: string, key: string, blobs: string[], extra: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    bucket,
    key,
    type: 'Normal',
    size: blobs.length,
    etag: 'E',
    crc64: '0',
    lastModified: Date.now(),
    acl: 'default',
    storageClass: 'Standard',
    contentType: 'text/plain',
    meta: {},
    tags: {},
    segments: blobs.map((b) => ({ blob: b, size: 1, crc64: '0' })),
    ...extra,
  };
}

async function bucketWith(b: Backend, name: string, versioning?: 'Enabled' | 'Suspended'): Promise<void> {
  await b.meta.createBucket({
    name,
    owner: 'o',
    acl: 'private',
    createdAt: Date.now(),
    region: 'r',
    storageClass: 'Standard',
    dataRedundancyType: 'LRS',
  });
  if (versioning) await b.meta.updateBucket(name, { versioning });
}

async function listAll(meta: MetadataStore, bucket: string, maxKeys: number, prefix = '', delimiter = '') {
  const out: { key: string; versionId: string; marker: boolean; latest: boolean }[] = [];
  const prefixes: string[] = [];
  let keyMarker = '';
  let versionIdMarker = '';
  for (let i = 0; i < 1000; i++) {
    const r = await meta.listObjectVersions(bucket, { prefix, delimiter, keyMarker, versionIdMarker, maxKeys });
    out.push(
      ...r.versions.map((v) => ({
        key: v.key,
        versionId: v.versionId ?? 'null',
        marker: v.deleteMarker,
        latest: v.isLatest,
      })),
    );
    prefixes.push(...r.commonPrefixes);
    if (!r.isTruncated) break;
    keyMarker = r.nextKeyMarker ?? '';
    versionIdMarker = r.nextVersionIdMarker ?? '';
  }
  return { out, prefixes };
}

export function versioningConformance(open: () => Promise<Backend>): void {
  it('versions: overwrites and deletes keep every version; deleting versions releases exactly their blobs', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'vb', 'Enabled');
      const [b1, b2] = [blob(), blob()];
      const w1 = await b.meta.putObject(rec('vb', 'k', [b1]));
      assert.ok(w1.versionId && w1.versionId !== 'null');
      assert.deepEqual(w1.released, []);
      const w2 = await b.meta.putObject(rec('vb', 'k', [b2]));
      assert.deepEqual(w2.released, [], 'the overwritten version keeps its blob');
      assert.notEqual(w2.versionId, w1.versionId);
      assert.equal((await b.meta.getObject('vb', 'k'))?.versionId, w2.versionId);
      assert.deepEqual(await b.meta.referencedAmong([b1, b2]), new Set([b1, b2]));
      // Usage counts every stored version.
      assert.deepEqual((await b.meta.bucketUsage('vb')).byClass, [{ storageClass: 'Standard', objects: 2, bytes: 2 }]);

      const del = await b.meta.deleteObject('vb', 'k');
      assert.equal(del.deleteMarker, true);
      assert.deepEqual(del.released, []);
      assert.equal(await b.meta.getObject('vb', 'k'), undefined);
      const latest = await b.meta.getObjectVersion('vb', 'k');
      assert.equal(latest?.deleteMarker, true);
      assert.equal(latest?.versionId, del.versionId);
      assert.equal(
        (await b.meta.listObjects('vb', { prefix: '', delimiter: '', after: '', maxKeys: 10 })).objects.length,
        0,
      );
      assert.equal(await b.meta.deleteBucket('vb'), 'not-empty');

      const old = await b.meta.getObjectVersion('vb', 'k', w1.versionId!);
      assert.deepEqual(
        old?.segments.map((s) => s.blob),
        [b1],
      );
      assert.equal(old?.isLatest, false);
      assert.ok(old?.noncurrentSince !== undefined);

      const gone = await b.meta.deleteObjectVersion('vb', 'k', w1.versionId!);
      assert.deepEqual(gone, { released: [b1], found: true, deleteMarker: false, versionId: w1.versionId });
      assert.deepEqual(await b.meta.referencedAmong([b1, b2]), new Set([b2]));
      assert.equal((await b.meta.deleteObjectVersion('vb', 'k', w1.versionId!)).found, false);

      // Deleting the marker makes the newest remaining version current again.
      const unmark = await b.meta.deleteObjectVersion('vb', 'k', del.versionId!);
      assert.equal(unmark.deleteMarker, true);
      assert.deepEqual(unmark.released, []);
      const back = await b.meta.getObject('vb', 'k');
      assert.equal(back?.versionId, w2.versionId);
      assert.deepEqual(
        back?.segments.map((s) => s.blob),
        [b2],
      );
      // And deleting the current version for good releases its blob and leaves nothing.
      assert.deepEqual((await b.meta.deleteObjectVersion('vb', 'k', w2.versionId!)).released, [b2]);
      assert.equal(await b.meta.getObjectVersion('vb', 'k'), undefined);
      assert.equal(await b.meta.deleteBucket('vb'), 'deleted');
    } finally {
      await b.close();
    }
  });

  it('versions: suspended writes replace the null version (and release it), enabled versions stay', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'sb');
      const [b0, b1, b2, b3] = [blob(), blob(), blob(), blob()];
      const w0 = await b.meta.putObject(rec('sb', 'k', [b0]));
      assert.equal(w0.versionId, undefined, 'a bucket never versioned reports no version');
      await b.meta.updateBucket('sb', { versioning: 'Enabled' });
      assert.equal((await b.meta.getBucket('sb'))?.versioning, 'Enabled');
      const w1 = await b.meta.putObject(rec('sb', 'k', [b1]));
      assert.deepEqual(w1.released, []);
      await b.meta.updateBucket('sb', { versioning: 'Suspended' });
      const w2 = await b.meta.putObject(rec('sb', 'k', [b2]));
      assert.equal(w2.versionId, 'null');
      assert.deepEqual(w2.released, [b0], 'the noncurrent null version is replaced');
      const w3 = await b.meta.putObject(rec('sb', 'k', [b3]));
      assert.deepEqual(w3.released, [b2], 'the current null version is replaced');
      const del = await b.meta.deleteObject('sb', 'k');
      assert.equal(del.versionId, 'null');
      assert.deepEqual(del.released, [b3]);
      const { out } = await listAll(b.meta, 'sb', 1000);
      assert.deepEqual(
        out.map((e) => [e.versionId, e.marker, e.latest]),
        [
          ['null', true, true],
          [w1.versionId, false, false],
        ],
      );
      assert.deepEqual(await b.meta.referencedAmong([b0, b1, b2, b3]), new Set([b1]));
    } finally {
      await b.close();
    }
  });

  it('versions: a blob shared by versions of a key (copy onto itself) is released with the last of them', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'cb', 'Enabled');
      const b1 = blob();
      const v1 = await b.meta.putObject(rec('cb', 'k', [b1]));
      const v2 = await b.meta.putObject(rec('cb', 'k', [b1], { meta: { copied: 'yes' } }));
      assert.deepEqual(v2.released, []);
      assert.deepEqual((await b.meta.deleteObjectVersion('cb', 'k', v1.versionId!)).released, []);
      assert.deepEqual(await b.meta.referencedAmong([b1]), new Set([b1]));
      assert.deepEqual((await b.meta.deleteObjectVersion('cb', 'k', v2.versionId!)).released, [b1]);
      assert.deepEqual(await b.meta.referencedAmong([b1]), new Set());
    } finally {
      await b.close();
    }
  });

  it('versions: replaceVersionSegments swaps one version in place, only if unchanged (re-encryption)', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'rb', 'Enabled');
      const [b1, b2, n1, n2] = [blob(), blob(), blob(), blob()];
      const v1 = (await b.meta.putObject(rec('rb', 'k', [b1]))).versionId!;
      const v2 = (await b.meta.putObject(rec('rb', 'k', [b2]))).versionId!;
      const seg = (x: string) => [{ blob: x, size: 1, crc64: '0', sseKey: 'k2' }];
      // Stale expectation: nothing changes.
      assert.equal(await b.meta.replaceVersionSegments('rb', 'k', v1, [b2], seg(n1)), undefined);
      assert.equal(await b.meta.replaceVersionSegments('rb', 'k', 'nosuchversion', [b1], seg(n1)), undefined);
      // A noncurrent version and the current one.
      assert.deepEqual((await b.meta.replaceVersionSegments('rb', 'k', v1, [b1], seg(n1)))?.released, [b1]);
      assert.deepEqual((await b.meta.replaceVersionSegments('rb', 'k', v2, [b2], seg(n2)))?.released, [b2]);
      assert.deepEqual(await b.meta.referencedAmong([b1, b2, n1, n2]), new Set([n1, n2]));
      assert.equal((await b.meta.getObjectVersion('rb', 'k', v1))?.segments[0].blob, n1);
      assert.equal((await b.meta.getObject('rb', 'k'))?.segments[0].sseKey, 'k2');
      assert.equal((await b.meta.getObject('rb', 'k'))?.versionId, v2);
      const { out } = await listAll(b.meta, 'rb', 10);
      assert.deepEqual(
        out.map((v) => v.versionId),
        [v2, v1],
      );
      // A never-versioned bucket: the null version.
      await bucketWith(b, 'rp');
      const p1 = blob();
      await b.meta.putObject(rec('rp', 'p', [p1]));
      const p2 = blob();
      assert.deepEqual((await b.meta.replaceVersionSegments('rp', 'p', 'null', [p1], seg(p2)))?.released, [p1]);
      assert.equal((await b.meta.getObject('rp', 'p'))?.segments[0].blob, p2);
    } finally {
      await b.close();
    }
  });

  it('versions: importObjectVersion stores versions as they are, oldest first keeps the order (migration)', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'xs', 'Enabled');
      const i1 = `i${blob()}`;
      const v1 = (await b.meta.putObject(rec('xs', 'k', [i1]), undefined, { blob: i1, data: Buffer.from('one') }))
        .versionId as string;
      await b.meta.updateObject('xs', 'k', { tags: { t: '1' }, acl: 'public-read' }, v1);
      await b.meta.putObject(rec('xs', 'k', [blob()]));
      await b.meta.putObject(rec('xs', 'k', [blob()]));
      await b.meta.putObject(rec('xs', 'm', [blob()]));
      await b.meta.deleteObject('xs', 'm');
      await b.meta.deleteObject('xs', 'lone');
      const all = async (bucket: string) =>
        (
          await b.meta.listObjectVersions(bucket, {
            prefix: '',
            delimiter: '',
            keyMarker: '',
            versionIdMarker: '',
            maxKeys: 100,
          })
        ).versions;
      const source = await all('xs');
      assert.equal(source.length, 6);
      // Into a bucket that is not versioned (yet), oldest first per key; file blobs get new ids.
      await bucketWith(b, 'xd');
      const copies = new Map<string, string>();
      const byKey = new Map<string, typeof source>();
      for (const v of source) byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
      for (const versions of byKey.values()) {
        for (const v of versions.reverse()) {
          const segments = v.segments.map((g) => {
            const copy = g.blob.startsWith('i') ? g.blob : blob();
            copies.set(copy, g.blob);
            return { ...g, blob: copy };
          });
          const inline = v.segments[0]?.blob === i1 ? { blob: i1, data: Buffer.from('one') } : undefined;
          assert.equal(await b.meta.importObjectVersion({ ...v, bucket: 'xd', segments }, inline), true);
          // Already there: nothing written.
          assert.equal(await b.meta.importObjectVersion({ ...v, bucket: 'xd', segments }, inline), false);
        }
      }
      const strip = (vs: typeof source) =>
        vs.map((v) => ({
          ...v,
          bucket: '',
          segments: v.segments.map((g) => ({ ...g, blob: copies.get(g.blob) ?? g.blob })),
        }));
      assert.deepEqual(strip(await all('xd')), strip(source));
      assert.deepEqual((await b.meta.getObjectVersion('xd', 'k', v1))?.tags, { t: '1' });
      assert.equal((await b.meta.getObject('xd', 'k'))?.versionId, source[0].versionId);
      assert.equal(await b.meta.getObject('xd', 'm'), undefined);
      const files = [...copies.keys()].filter((x) => !x.startsWith('i'));
      assert.deepEqual(await b.meta.referencedAmong(files), new Set(files));
      // A current object cannot be imported over another one.
      assert.equal(await b.meta.importObjectVersion({ ...source[0], bucket: 'xd', versionId: 'other' }), false);
      // The imported versions behave like written ones: deleting the two newer ones brings back the oldest.
      await b.meta.deleteObjectVersion('xd', 'k', source[0].versionId as string);
      await b.meta.deleteObjectVersion('xd', 'k', source[1].versionId as string);
      assert.equal((await b.meta.getObject('xd', 'k'))?.versionId, v1);
      assert.deepEqual(await b.meta.readInline(i1, 0, 2), Buffer.from('one'));
    } finally {
      await b.close();
    }
  });

  it('versions: an inline version stays readable after an overwrite and goes with its version', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'ib', 'Enabled');
      const i1 = `i${blob()}`;
      const v1 = await b.meta.putObject(rec('ib', 'k', [i1]), undefined, { blob: i1, data: Buffer.from('one') });
      const i2 = `i${blob()}`;
      await b.meta.putObject(rec('ib', 'k', [i2]), undefined, { blob: i2, data: Buffer.from('two') });
      assert.deepEqual(await b.meta.readInline(i1, 0, 2), Buffer.from('one'));
      await b.meta.deleteObjectVersion('ib', 'k', v1.versionId!);
      assert.equal(await b.meta.readInline(i1, 0, 2), undefined);
      assert.deepEqual(await b.meta.readInline(i2, 0, 2), Buffer.from('two'));
    } finally {
      await b.close();
    }
  });

  it('versions: per-version ACL and tags; multipart complete and append on a versioned bucket', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'ab', 'Enabled');
      const v1 = await b.meta.putObject(rec('ab', 'k', [blob()]));
      const v2 = await b.meta.putObject(rec('ab', 'k', [blob()]));
      assert.equal(await b.meta.updateObject('ab', 'k', { tags: { t: '1' }, acl: 'private' }, v1.versionId), true);
      assert.deepEqual((await b.meta.getObjectVersion('ab', 'k', v1.versionId))?.tags, { t: '1' });
      assert.deepEqual((await b.meta.getObject('ab', 'k'))?.tags, {});
      assert.equal(await b.meta.updateObject('ab', 'k', { acl: 'public-read' }, v2.versionId), true);
      assert.equal((await b.meta.getObject('ab', 'k'))?.acl, 'public-read');
      assert.equal(await b.meta.updateObject('ab', 'k', { acl: 'private' }, 'nope'), false);

      const up = {
        uploadId: `u-${blob()}`,
        bucket: 'ab',
        key: 'mp',
        initiated: Date.now(),
        template: { acl: 'default' as const, storageClass: 'Standard', contentType: 'x', meta: {}, tags: {} },
      };
      await b.meta.multipart.createUpload(up);
      const pb = blob();
      const part = { uploadId: up.uploadId, partNumber: 1, blob: pb, size: 1, etag: 'P', crc64: '0', lastModified: 1 };
      await b.meta.multipart.putPart(part);
      const done = await b.meta.multipart.completeUpload(up.uploadId, rec('ab', 'mp', [pb]), [part]);
      assert.ok(typeof done === 'object' && done.versionId && done.versionId !== 'null');

      const a1 = await b.meta.multipart.appendObject('ab', 'log', (e) =>
        rec('ab', 'log', [...(e?.segments ?? []).map((s) => s.blob), blob()], { type: 'Appendable' }),
      );
      const a2 = await b.meta.multipart.appendObject('ab', 'log', (e) =>
        rec('ab', 'log', [...(e?.segments ?? []).map((s) => s.blob), blob()], { type: 'Appendable' }),
      );
      assert.equal(a1.versionId, a2.versionId, 'an append keeps the version');
      assert.equal(a2.object.segments.length, 2);
      const { out } = await listAll(b.meta, 'ab', 1000, 'log');
      assert.equal(out.length, 1);
    } finally {
      await b.close();
    }
  });

  it('versions: lists by key then newest first, every entry once whatever the page size', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'lb', 'Enabled');
      const keys = ['a', 'b/1', 'b/2', 'c', 'd/e/f', 'z\u{10000}', 'z\u{ffff}'];
      for (const k of keys) for (let i = 0; i < 3; i++) await b.meta.putObject(rec('lb', k, [blob()]));
      await b.meta.deleteObject('lb', 'c');
      await b.meta.deleteObject('lb', 'c');
      const full = (await listAll(b.meta, 'lb', 1000)).out;
      assert.equal(full.length, keys.length * 3 + 2);
      const order = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual([...new Set(full.map((e) => e.key))], order);
      // Latest first within a key, and exactly one latest per key.
      for (const k of keys) {
        const of = full.filter((e) => e.key === k);
        assert.equal(of[0].latest, true, k);
        assert.equal(of.filter((e) => e.latest).length, 1, k);
      }
      assert.deepEqual(
        full.filter((e) => e.key === 'c').map((e) => e.marker),
        [true, true, false, false, false],
      );
      for (const size of [1, 2, 4, 5]) assert.deepEqual((await listAll(b.meta, 'lb', size)).out, full, `page ${size}`);
      const delimited = await listAll(b.meta, 'lb', 2, '', '/');
      assert.deepEqual(delimited.prefixes, ['b/', 'd/']);
      assert.deepEqual([...new Set(delimited.out.map((e) => e.key))], ['a', 'c', 'z\u{ffff}', 'z\u{10000}']);
      assert.deepEqual(
        (await listAll(b.meta, 'lb', 3, 'b/')).out.map((e) => e.key),
        ['b/1', 'b/1', 'b/1', 'b/2', 'b/2', 'b/2'],
      );
    } finally {
      await b.close();
    }
  });

  it('versions: lifecycle scans — noncurrent versions page by page, lone delete markers', async () => {
    const b = await open();
    try {
      await bucketWith(b, 'cy', 'Enabled');
      for (const k of ['p/a', 'p/b', 'q'])
        for (let i = 0; i < 3; i++) await b.meta.putObject(rec('cy', k, [blob()], { tags: { i: String(i) } }));
      await b.meta.putObject(rec('cy', 'p/lone', [blob()]));
      const lone = await b.meta.deleteObject('cy', 'p/lone');
      // p/lone: a marker over one version — not alone until that version goes.
      assert.deepEqual((await b.meta.listExpiredDeleteMarkers('cy', { prefix: '', limit: 10 })).markers, []);
      const seen: string[] = [];
      let after: Awaited<ReturnType<MetadataStore['listNoncurrentVersions']>>['next'];
      for (let i = 0; i < 100; i++) {
        const page = await b.meta.listNoncurrentVersions('cy', { prefix: 'p/', after, limit: 2 });
        for (const v of page.versions) {
          assert.equal(v.isLatest, false);
          assert.ok(v.noncurrentSince !== undefined && v.noncurrentSince >= v.lastModified);
          seen.push(`${v.key}:${v.tags.i ?? '-'}`);
          // Deleting what a page returned does not disturb the next page.
          const r = await b.meta.deleteObjectVersion('cy', v.key, v.versionId ?? 'null');
          await b.blobs.delete(r.released);
        }
        if (!page.next) break;
        after = page.next;
      }
      assert.deepEqual(seen, ['p/a:1', 'p/a:0', 'p/b:1', 'p/b:0', 'p/lone:-']);
      const markers = await b.meta.listExpiredDeleteMarkers('cy', { prefix: '', limit: 10 });
      assert.deepEqual(
        markers.markers.map((m) => [m.key, m.versionId, m.deleteMarker]),
        [['p/lone', lone.versionId, true]],
      );
      assert.equal((await b.meta.listNoncurrentVersions('cy', { prefix: 'q', limit: 10 })).versions.length, 2);
    } finally {
      await b.close();
    }
  });
}
