import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { rejectsWith } from '../helpers/oss-assert.js';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** What ali-oss 6.23 has at runtime for versioning; @types/ali-oss does not declare it. */
interface VersionEntry {
  name: string;
  versionId: string;
  isLatest?: boolean;
  etag?: string;
  size?: number;
  lastModified: string;
}
interface VersionsResult {
  objects: VersionEntry[];
  deleteMarker: VersionEntry[];
  prefixes: string[] | null;
  isTruncated: boolean;
  nextKeyMarker: string | null;
  nextVersionIdMarker: string | null;
  res: { status: number };
}
interface VersioningClient {
  getObjectMeta(name: string, options?: object): Promise<{ res: { headers: object } }>;
  delete(name: string, options?: object): Promise<{ res: { status: number; headers: object } }>;
  putBucketVersioning(name: string, status: 'Enabled' | 'Suspended'): Promise<{ status: number }>;
  getBucketVersioning(name: string): Promise<{ versionStatus?: string }>;
  getBucketVersions(query?: Record<string, string | number>): Promise<VersionsResult>;
  getBucketInfo(name: string): Promise<{ bucket: Record<string, unknown> }>;
  getObjectTagging(name: string, options?: object): Promise<{ tag: Record<string, string> }>;
  putObjectTagging(name: string, tag: Record<string, string>, options?: object): Promise<{ status: number }>;
  deleteObjectTagging(name: string, options?: object): Promise<{ status: number }>;
  getACL(name: string, options?: object): Promise<{ acl: string }>;
  putACL(name: string, acl: string, options?: object): Promise<unknown>;
  getSymlink(name: string, options?: object): Promise<{ targetName: string; res: { headers: object } }>;
  deleteMulti(
    names: (string | { key: string; versionId: string })[],
    options?: object,
  ): Promise<{ deleted: Record<string, string>[] }>;
}

type Headers = Record<string, string | undefined>;
function headersOf(r: { res: { headers: object } }): Headers {
  return r.res.headers as Headers;
}

describe('versioning (ali-oss and raw requests)', () => {
  let server: TestServer;
  let client: OSS;
  const bucket = 'versioned';

  /** A fresh versioned bucket for one test, and its client. */
  async function versionedBucket(name: string): Promise<OSS & VersioningClient> {
    const c = (await withBucket(server, name)) as OSS & VersioningClient;
    await c.putBucketVersioning(name, 'Enabled');
    return c;
  }

  /** Every version and marker of a bucket, paging with the given page size. */
  async function allVersions(c: OSS & VersioningClient, query: Record<string, string | number> = {}) {
    const entries: { key: string; versionId: string; marker: boolean; latest: boolean }[] = [];
    const prefixes: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const r = await c.getBucketVersions({
        ...query,
        ...(keyMarker === undefined ? {} : { keyMarker }),
        ...(versionIdMarker ? { versionIdMarker } : {}),
      });
      // Entries come back in two arrays; the listing's order is key, then newest first.
      const got = [
        ...r.objects.map((o) => ({ key: o.name, versionId: o.versionId, marker: false, latest: o.isLatest === true })),
        ...r.deleteMarker.map((o) => ({ key: o.name, versionId: o.versionId, marker: true, latest: false })),
      ];
      entries.push(...got);
      prefixes.push(...(r.prefixes ?? []));
      if (!r.isTruncated) break;
      keyMarker = r.nextKeyMarker ?? undefined;
      versionIdMarker = r.nextVersionIdMarker ?? undefined;
    }
    return { entries, prefixes };
  }

  /** ListObjectVersions sent raw: entries in document order (ali-oss splits versions from markers). */
  async function rawVersions(name: string, query = '') {
    const headers = signatureV1('GET', `/${name}/?versions`, {});
    const r = await fetch(`${server.endpoint}/${name}/?versions${query}`, { headers });
    assert.equal(r.status, 200);
    const xml = await r.text();
    return [
      ...xml.matchAll(/<(Version|DeleteMarker)><Key>([^<]*)<\/Key><VersionId>([^<]*)<\/VersionId><IsLatest>(\w+)</g),
    ].map((m) => ({ key: m[2], versionId: m[3], marker: m[1] === 'DeleteMarker', latest: m[4] === 'true' }));
  }

  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, bucket);
  });
  after(() => server.stop());

  it('PutBucketVersioning / GetBucketVersioning / GetBucketInfo show the status', async () => {
    const c = (await withBucket(server, 'status-only')) as OSS & VersioningClient;
    assert.equal((await c.getBucketVersioning('status-only')).versionStatus, undefined);
    assert.equal((await c.getBucketInfo('status-only')).bucket.Versioning, undefined);
    await c.putBucketVersioning('status-only', 'Enabled');
    assert.equal((await c.getBucketVersioning('status-only')).versionStatus, 'Enabled');
    assert.equal((await c.getBucketInfo('status-only')).bucket.Versioning, 'Enabled');
    await c.putBucketVersioning('status-only', 'Suspended');
    assert.equal((await c.getBucketVersioning('status-only')).versionStatus, 'Suspended');
    // A bad status is MalformedXML.
    const body = '<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>';
    const headers = signatureV1('PUT', '/status-only/?versioning', { 'content-type': 'application/xml' });
    const r = await fetch(`${server.endpoint}/status-only/?versioning`, { method: 'PUT', headers, body });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /MalformedXML/);
  });

  it('an unversioned bucket answers without version ids', async () => {
    const put = await client.put('plain', Buffer.from('x'));
    assert.equal(headersOf(put)['x-oss-version-id'], undefined);
    const del = await client.delete('plain');
    assert.equal(headersOf(del)['x-oss-delete-marker'], undefined);
  });

  it('keeps every overwrite: get/head/meta by versionId, listed newest first', async () => {
    const c = await versionedBucket('history');
    const ids: string[] = [];
    for (const body of ['one', 'two', 'three']) {
      const r = await c.put('doc.txt', Buffer.from(body));
      const id = headersOf(r)['x-oss-version-id'];
      assert.ok(id && id !== 'null' && /^[A-Za-z0-9_-]+$/.test(id), `version id ${id}`);
      ids.push(id);
    }
    assert.equal(new Set(ids).size, 3);
    assert.equal((await c.get('doc.txt')).content.toString(), 'three');
    assert.equal(headersOf(await c.get('doc.txt'))['x-oss-version-id'], ids[2]);
    for (const [i, body] of ['one', 'two', 'three'].entries()) {
      const got = await c.get('doc.txt', { versionId: ids[i] });
      assert.equal(got.content.toString(), body);
      assert.equal(headersOf(got)['x-oss-version-id'], ids[i]);
      const head = await c.head('doc.txt', { versionId: ids[i] } as OSS.HeadObjectOptions);
      assert.equal(headersOf(head)['content-length'], String(body.length));
      assert.equal(headersOf(head)['x-oss-version-id'], ids[i]);
      const meta = await c.getObjectMeta('doc.txt', { versionId: ids[i] });
      assert.equal(headersOf(meta)['content-length'], String(body.length));
    }
    const { entries } = await allVersions(c);
    assert.deepEqual(
      entries.map((e) => [e.key, e.versionId, e.latest]),
      [
        ['doc.txt', ids[2], true],
        ['doc.txt', ids[1], false],
        ['doc.txt', ids[0], false],
      ],
    );
    // The plain listing shows the current object only.
    const list = await c.list({ 'max-keys': 100 }, {});
    assert.deepEqual(
      list.objects.map((o) => [o.name, o.size]),
      [['doc.txt', 5]],
    );
    await rejectsWith(c.get('doc.txt', { versionId: 'CAEQNhiBgMDJgZCA0BYiIDc4MGZj' }), 'NoSuchVersion', 404);
  });

  it('a delete leaves a delete marker; GET says so; copying an old version over the key restores it', async () => {
    const c = await versionedBucket('restore');
    const first = headersOf(await c.put('k', Buffer.from('precious')))['x-oss-version-id']!;
    const del = await c.delete('k');
    assert.equal(del.res.status, 204);
    assert.equal(headersOf(del)['x-oss-delete-marker'], 'true');
    const markerId = headersOf(del)['x-oss-version-id']!;
    assert.ok(markerId && markerId !== first);

    // The current object is gone: 404 NoSuchKey with the marker's headers.
    const headers = signatureV1('GET', '/restore/k', {});
    const missing = await fetch(`${server.endpoint}/restore/k`, { headers });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /NoSuchKey/);
    assert.equal(missing.headers.get('x-oss-delete-marker'), 'true');
    assert.equal(missing.headers.get('x-oss-version-id'), markerId);
    // The marker itself cannot be read: 405.
    await rejectsWith(c.get('k', { versionId: markerId }), 'MethodNotAllowed', 405);
    // Not listed as an object, listed as a version.
    assert.equal((await c.list({ 'max-keys': 100 }, {})).objects?.length ?? 0, 0);
    const listed = await c.getBucketVersions();
    assert.deepEqual(
      listed.deleteMarker.map((m) => m.versionId),
      [markerId],
    );
    assert.deepEqual(
      listed.objects.map((o) => [o.versionId, o.isLatest]),
      [[first, false]],
    );

    // Restore: copy the old version over the key.
    const copy = await c.copy('k', 'k', { versionId: first } as OSS.CopyObjectOptions);
    assert.equal(headersOf(copy)['x-oss-copy-source-version-id'], first);
    const restoredId = headersOf(copy)['x-oss-version-id']!;
    assert.ok(restoredId && restoredId !== first && restoredId !== markerId);
    assert.equal((await c.get('k')).content.toString(), 'precious');
    const after = await rawVersions('restore');
    assert.deepEqual(
      after.map((e) => [e.versionId, e.marker]),
      [
        [restoredId, false],
        [markerId, true],
        [first, false],
      ],
    );

    // Deleting versions for good: the restored copy, then the marker — the first version is current again.
    const gone = await c.delete('k', { versionId: restoredId });
    assert.equal(headersOf(gone)['x-oss-version-id'], restoredId);
    await rejectsWith(c.get('k'), 'NoSuchKey', 404);
    const markerGone = await c.delete('k', { versionId: markerId });
    assert.equal(headersOf(markerGone)['x-oss-delete-marker'], 'true');
    assert.equal((await c.get('k')).content.toString(), 'precious');
    assert.equal(headersOf(await c.head('k'))['x-oss-version-id'], first);
  });

  it('suspended: writes replace the null version, deletes leave a null marker, enabled versions stay', async () => {
    const c = (await withBucket(server, 'suspend')) as OSS & VersioningClient;
    await c.put('k', Buffer.from('before versioning'));
    await c.putBucketVersioning('suspend', 'Enabled');
    // An object written before versioning is the null version.
    assert.equal(headersOf(await c.head('k'))['x-oss-version-id'], 'null');
    const enabledId = headersOf(await c.put('k', Buffer.from('enabled')))['x-oss-version-id']!;
    await c.putBucketVersioning('suspend', 'Suspended');
    const s1 = await c.put('k', Buffer.from('suspended 1'));
    assert.equal(headersOf(s1)['x-oss-version-id'], 'null');
    let listed = await allVersions(c);
    // The pre-versioning null version was replaced by the suspended write.
    assert.deepEqual(
      listed.entries.map((e) => [e.versionId, e.latest]),
      [
        ['null', true],
        [enabledId, false],
      ],
    );
    await c.put('k', Buffer.from('suspended 2'));
    listed = await allVersions(c);
    assert.equal(listed.entries.length, 2);
    assert.equal((await c.get('k', { versionId: 'null' })).content.toString(), 'suspended 2');
    assert.equal((await c.get('k', { versionId: enabledId })).content.toString(), 'enabled');

    const del = await c.delete('k');
    assert.equal(headersOf(del)['x-oss-delete-marker'], 'true');
    assert.equal(headersOf(del)['x-oss-version-id'], 'null');
    assert.deepEqual(
      (await rawVersions('suspend')).map((e) => [e.versionId, e.marker, e.latest]),
      [
        ['null', true, true],
        [enabledId, false, false],
      ],
    );
    await rejectsWith(c.get('k'), 'NoSuchKey', 404);
    // Re-enabled: new writes get ids again, the null marker becomes noncurrent.
    await c.putBucketVersioning('suspend', 'Enabled');
    const again = headersOf(await c.put('k', Buffer.from('again')))['x-oss-version-id']!;
    assert.notEqual(again, 'null');
    assert.equal((await allVersions(c)).entries.length, 3);
  });

  it('lists versions with prefix, delimiter and paging (every page size gives the same listing)', async () => {
    const c = await versionedBucket('paging');
    const keys = ['a', 'b/1', 'b/2', 'c', 'd/x/y', 'e'];
    for (const k of keys) {
      for (let i = 0; i < 3; i++) await c.put(k, Buffer.from(`${k}:${i}`));
    }
    await c.delete('c');
    await c.delete('e');
    await c.delete('e');
    const full = await allVersions(c, { 'max-keys': 1000 });
    assert.equal(full.entries.length, keys.length * 3 + 3);
    // Keys in order; within a key the latest first.
    const order = (await rawVersions('paging')).map((e) => e.key);
    assert.deepEqual(order, [...order].sort());
    assert.equal(order.length, full.entries.length);
    for (const size of [1, 2, 3, 5, 7]) {
      const paged = await allVersions(c, { 'max-keys': size });
      assert.deepEqual(
        paged.entries.map((e) => e.versionId).sort(),
        full.entries.map((e) => e.versionId).sort(),
        `page size ${size}`,
      );
      assert.equal(paged.entries.length, full.entries.length, `page size ${size}`);
    }
    const delimited = await allVersions(c, { delimiter: '/', 'max-keys': 2 });
    assert.deepEqual(delimited.prefixes, ['b/', 'd/']);
    assert.deepEqual([...new Set(delimited.entries.map((e) => e.key))], ['a', 'c', 'e']);
    const prefixed = await allVersions(c, { prefix: 'b/', 'max-keys': 4 });
    assert.deepEqual([...new Set(prefixed.entries.map((e) => e.key))], ['b/1', 'b/2']);
    assert.equal(prefixed.entries.length, 6);
    // Raw: the XML as OSS shapes it (markers and versions interleaved in order, url encoding).
    const headers = signatureV1('GET', '/paging/?versions', {});
    const raw = await fetch(`${server.endpoint}/paging/?versions&prefix=e&encoding-type=url`, { headers });
    const xml = await raw.text();
    assert.equal(raw.status, 200);
    assert.match(xml, /^<\?xml[^>]*>\n<ListVersionsResult><Name>paging<\/Name><Prefix>e<\/Prefix>/);
    assert.match(
      xml,
      /<DeleteMarker><Key>e<\/Key><VersionId>[^<]+<\/VersionId><IsLatest>true<\/IsLatest>.*<\/DeleteMarker><DeleteMarker>.*<IsLatest>false<\/IsLatest>.*<Version><Key>e<\/Key>/,
    );
    assert.match(xml, /<EncodingType>url<\/EncodingType>/);
  });

  it('DeleteMultipleObjects with and without VersionId', async () => {
    const c = await versionedBucket('multi');
    const a1 = headersOf(await c.put('a', Buffer.from('1')))['x-oss-version-id']!;
    const a2 = headersOf(await c.put('a', Buffer.from('2')))['x-oss-version-id']!;
    await c.put('b', Buffer.from('b'));
    const r = await c.deleteMulti([{ key: 'a', versionId: a1 }, 'b']);
    const byKey = Object.fromEntries(r.deleted.map((d) => [d.Key, d]));
    assert.equal(byKey.a.VersionId, a1);
    assert.equal(byKey.a.DeleteMarker, undefined);
    assert.equal(byKey.b.DeleteMarker, 'true');
    assert.ok(byKey.b.DeleteMarkerVersionId);
    assert.equal((await c.get('a')).content.toString(), '2');
    await rejectsWith(c.get('a', { versionId: a1 }), 'NoSuchVersion', 404);
    await rejectsWith(c.get('b'), 'NoSuchKey', 404);
    // Deleting the marker by id brings b back.
    const again = await c.deleteMulti([{ key: 'b', versionId: byKey.b.DeleteMarkerVersionId }]);
    assert.equal(again.deleted[0].DeleteMarker, 'true');
    assert.equal((await c.get('b')).content.toString(), 'b');
    assert.equal(headersOf(await c.head('a'))['x-oss-version-id'], a2);
  });

  it('ACL, tagging and GetSymlink of a given version', async () => {
    const c = await versionedBucket('attrs');
    const v1 = headersOf(await c.put('k', Buffer.from('1'), { headers: { 'x-oss-tagging': 'a=1' } }))[
      'x-oss-version-id'
    ]!;
    const v2 = headersOf(await c.put('k', Buffer.from('2')))['x-oss-version-id']!;
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, { a: '1' });
    assert.deepEqual((await c.getObjectTagging('k')).tag, {});
    await c.putObjectTagging('k', { b: '2' }, { versionId: v1 });
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, { b: '2' });
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v2 })).tag, {});
    await c.deleteObjectTagging('k', { versionId: v1 });
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, {});
    await c.putACL('k', 'public-read', { versionId: v1 });
    assert.equal((await c.getACL('k', { versionId: v1 })).acl, 'public-read');
    assert.equal((await c.getACL('k')).acl, 'default');
    await rejectsWith(c.getACL('k', { versionId: 'nope' }), 'NoSuchVersion', 404);

    const link1 = headersOf(await c.putSymlink('link', 'k'))['x-oss-version-id']!;
    await c.putSymlink('link', 'other');
    assert.equal((await c.getSymlink('link', { versionId: link1 })).targetName, 'k');
    assert.equal((await c.getSymlink('link')).targetName, 'other');
  });

  it('multipart, append and DeleteBucket on a versioned bucket', async () => {
    const c = await versionedBucket('writes');
    const up = await c.initMultipartUpload('mp');
    const part = await c.uploadPart('mp', up.uploadId, 1, Buffer.from('multipart body'), 0, 14);
    const done = await c.completeMultipartUpload('mp', up.uploadId, [{ number: 1, etag: part.etag }]);
    const mpId = headersOf(done)['x-oss-version-id'];
    assert.ok(mpId && mpId !== 'null');
    // Appends keep the version (OSS makes no previous version for appends).
    const a1 = await c.append('log', Buffer.from('a'));
    const a2 = await c.append('log', Buffer.from('b'), { position: '1' } as OSS.AppendObjectOptions);
    assert.equal(headersOf(a1)['x-oss-version-id'], headersOf(a2)['x-oss-version-id']);
    assert.equal((await c.get('log')).content.toString(), 'ab');
    // UploadPartCopy from an old version.
    const old = headersOf(await c.put('src', Buffer.from('old source')))['x-oss-version-id']!;
    await c.put('src', Buffer.from('new source'));
    const up2 = await c.initMultipartUpload('from-old');
    const copied = await c.uploadPartCopy(
      'from-old',
      up2.uploadId,
      1,
      '',
      { sourceKey: 'src', sourceBucketName: 'writes' },
      {
        versionId: old,
      } as unknown as OSS.RequestOptions,
    );
    await c.completeMultipartUpload('from-old', up2.uploadId, [{ number: 1, etag: copied.etag }]);
    assert.equal((await c.get('from-old')).content.toString(), 'old source');

    // Only delete markers left: still not empty.
    for (const k of ['mp', 'log', 'src', 'from-old']) await c.delete(k);
    await rejectsWith(c.deleteBucket('writes'), 'BucketNotEmpty', 409);
    const { entries } = await allVersions(c);
    await c.deleteMulti(entries.map((e) => ({ key: e.key, versionId: e.versionId })));
    assert.equal((await allVersions(c)).entries.length, 0);
    await c.deleteBucket('writes');
  });

  it('ali-oss multipartUploadCopy from a deleted version; a copy on a suspended bucket is the null version', async () => {
    const c = await versionedBucket('mpcopy');
    const body = Buffer.alloc(250 * 1024, 7);
    const src = await c.multipartUpload('src', body, { partSize: 100 * 1024 });
    const versionId = headersOf(src as { res: { headers: object } })['x-oss-version-id']!;
    assert.ok(versionId && versionId !== 'null');
    await c.delete('src');
    const meta = await c.getObjectMeta('src', { versionId });
    assert.equal(headersOf(meta)['content-length'], String(body.length));
    const copied = await (
      c as unknown as {
        multipartUploadCopy(n: string, s: object, o: object): Promise<{ res: { status: number } }>;
      }
    ).multipartUploadCopy('dst', { sourceKey: 'src', sourceBucketName: 'mpcopy' }, { versionId, partSize: 100 * 1024 });
    assert.equal(copied.res.status, 200);
    assert.deepEqual((await c.get('dst')).content, body);
    await c.putBucketVersioning('mpcopy', 'Suspended');
    const onSuspended = await c.copy('dst2', 'src', { versionId } as OSS.CopyObjectOptions);
    assert.equal(headersOf(onSuspended)['x-oss-version-id'], 'null');
    assert.equal(headersOf(onSuspended)['x-oss-copy-source-version-id'], versionId);
  });

  it('the delete marker version-id and unknown version errors on DELETE and HEAD', async () => {
    const c = await versionedBucket('errors');
    await c.put('k', Buffer.from('x'));
    const marker = headersOf(await c.delete('k'))['x-oss-version-id']!;
    const headers = signatureV1('HEAD', `/errors/k?versionId=${marker}`, {});
    const head = await fetch(`${server.endpoint}/errors/k?versionId=${encodeURIComponent(marker)}`, {
      method: 'HEAD',
      headers,
    });
    assert.equal(head.status, 405);
    assert.equal(head.headers.get('x-oss-delete-marker'), 'true');
    // Deleting a version that does not exist is a 204, as on OSS.
    assert.equal((await c.delete('k', { versionId: 'CAEQunknown' })).res.status, 204);
    await rejectsWith(c.getObjectMeta('k', { versionId: 'CAEQunknown' }), 'NoSuchKey', 404);
    await rejectsWith(c.get('k', { versionId: 'CAEQunknown' }), 'NoSuchVersion', 404);
  });
});
