/**
 * `ossd migrate`: a deployment written through the real client is copied, verified and resumable, and the
 * destination serves the same data (objects of every kind, keys, buckets, uploads in progress, the key that
 * signs callbacks).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { sharedStores, startCluster } from '../helpers/cluster.js';
import { runToEnd } from '../helpers/spawn-ossd.js';
import { ossClient, ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ossd-migrate-'));
  dirs.push(d);
  return d;
}

function nodeClient(port: number, options: Partial<OSS.Options>): OSS {
  return ossClient({
    endpoint: `http://localhost:${port}`,
    sldEnable: true,
    accessKeyId: ROOT_ID,
    accessKeySecret: ROOT_SECRET,
    ...options,
  });
}

function migrateCli(source: string, toMetadata: string, toBlobs: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_') && v !== undefined) env[k] = v;
  return runToEnd(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'migrate',
      '--data',
      source,
      '--to-metadata',
      toMetadata,
      '--to-blobs',
      toBlobs,
    ],
    { ...env, ...extra, OSSD_ROOT_ACCESS_KEY_ID: ROOT_ID, OSSD_ROOT_ACCESS_KEY_SECRET: ROOT_SECRET },
    120_000,
  );
}

type VersionedClient = OSS & {
  putBucketVersioning(b: string, s: string): Promise<unknown>;
  getBucketVersioning(b: string): Promise<{ versionStatus?: string }>;
  getBucketVersions(q?: Record<string, string>): Promise<{
    objects: { name: string; versionId: string; isLatest?: boolean }[];
    deleteMarker: { name: string; versionId: string; isLatest?: boolean }[];
  }>;
  putObjectTagging(name: string, tag: Record<string, string>, options?: object): Promise<unknown>;
  getObjectTagging(name: string, options?: object): Promise<{ tag: Record<string, string> }>;
  putACL(name: string, acl: string, options?: object): Promise<unknown>;
  getACL(name: string, options?: object): Promise<{ acl: string }>;
};

interface Fixture {
  objects: Map<string, Buffer>;
  uploadId: string;
  part1: Buffer;
  publicKey: string;
}

/** Objects of every kind, an upload in progress, a second key and bucket. */
async function populate(server: TestServer, client: OSS): Promise<Fixture> {
  const objects = new Map<string, Buffer>();
  const small = Buffer.from('small inline object');
  await client.put('dir/small.txt', small, { headers: { 'x-oss-meta-color': 'blue' } });
  objects.set('dir/small.txt', small);
  const large = randomBytes(300 * 1024);
  await client.put('large.bin', large);
  objects.set('large.bin', large);
  const parts = randomBytes(250 * 1024);
  await client.multipartUpload('multi.bin', parts, { partSize: 100 * 1024 });
  objects.set('multi.bin', parts);
  const appended = Buffer.concat([Buffer.from('first,'), Buffer.from('second')]);
  const a = await client.append('log.txt', Buffer.from('first,'));
  await client.append('log.txt', Buffer.from('second'), { position: a.nextAppendPosition });
  objects.set('log.txt', appended);
  await client.putSymlink('link', 'large.bin');
  objects.set('link', large);
  objects.set('empty', Buffer.alloc(0));
  await client.put('empty', Buffer.alloc(0));
  const { uploadId } = await client.initMultipartUpload('pending.bin');
  const part1 = randomBytes(100 * 1024);
  await client.uploadPart('pending.bin', uploadId, 1, part1, 0, part1.length);
  await client.putBucketACL('src', 'public-read');
  const publicKey = await (await fetch(`http://127.0.0.1:${server.port}/callback_pub_key_v1.pem`)).text();
  return { objects, uploadId, part1, publicKey };
}

async function assertServes(dest: TestServer, fx: Fixture, finishUpload = true): Promise<void> {
  const client = dest.client({ bucket: 'src' });
  for (const [key, data] of fx.objects) {
    const r = await client.get(key);
    assert.equal(
      createHash('md5')
        .update(r.content as Buffer)
        .digest('hex'),
      createHash('md5').update(data).digest('hex'),
      key,
    );
  }
  const head = await client.head('dir/small.txt');
  assert.equal((head.res.headers as Record<string, string>)['x-oss-meta-color'], 'blue');
  const list = await client.listV2({ 'max-keys': '100' });
  assert.deepEqual(
    list.objects.map((o) => o.name).filter((k) => k !== 'pending.bin'),
    [...fx.objects.keys()].sort(),
  );
  assert.equal((await client.getBucketACL('src')).acl, 'public-read');
  assert.equal(await (await fetch(`http://127.0.0.1:${dest.port}/callback_pub_key_v1.pem`)).text(), fx.publicKey);
  if (!finishUpload) return;
  // The upload in progress continues at the destination.
  const part2 = randomBytes(1000);
  const p2 = await client.uploadPart('pending.bin', fx.uploadId, 2, part2, 0, part2.length);
  const parts = await client.listParts('pending.bin', fx.uploadId);
  assert.equal(parts.parts.length, 2);
  await client.completeMultipartUpload('pending.bin', fx.uploadId, [
    { number: 1, etag: parts.parts[0].ETag },
    { number: 2, etag: p2.etag },
  ]);
  assert.deepEqual((await client.get('pending.bin')).content, Buffer.concat([fx.part1, part2]));
}

describe('ossd migrate (embedded → embedded elsewhere)', () => {
  it('copies every kind of object, keys, buckets and uploads in progress, verified; a second run skips them', async () => {
    const source = await startTestServer();
    const client = source.client({ bucket: 'src' });
    await client.putBucket('src');
    const fx = await populate(source, client);
    const sourceDir = source.dataDir;
    await source.close(); // keeps the directory
    dirs.push(sourceDir);
    const dest = tempDir();
    const first = await migrateCli(sourceDir, `sqlite:${dest}`, `file:${dest}`);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /done: .* 6 objects copied \(0 already there\), 1 multipart uploads with 1 parts/);
    const again = await migrateCli(sourceDir, `sqlite:${dest}`, `file:${dest}`);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /0 objects copied \(6 already there\)/);
    const served = await startTestServer((c) => {
      c.data = dest;
    });
    try {
      await assertServes(served, fx);
    } finally {
      await served.close();
    }
  });

  it('moves encrypted objects as they are stored (same blob ids, the generated key, the bucket rule) and they read back', async () => {
    const source = await startTestServer();
    const client = source.client({ bucket: 'sec' });
    await client.putBucket('sec');
    await (
      client as unknown as { putBucketEncryption(b: string, o: { SSEAlgorithm: string }): Promise<unknown> }
    ).putBucketEncryption('sec', { SSEAlgorithm: 'AES256' });
    const objects = new Map<string, Buffer>([
      ['small.txt', Buffer.from('a small encrypted object')],
      ['large.bin', randomBytes(200 * 1024)],
    ]);
    for (const [k, v] of objects) await client.put(k, v);
    const multi = randomBytes(210 * 1024);
    await client.multipartUpload('multi.bin', multi, { partSize: 100 * 1024 });
    objects.set('multi.bin', multi);
    const { uploadId } = await client.initMultipartUpload('pending.bin');
    const part1 = randomBytes(100 * 1024);
    await client.uploadPart('pending.bin', uploadId, 1, part1, 0, part1.length);
    const segments = (await source.services.meta.getObject('sec', 'large.bin'))?.segments;
    const sourceDir = source.dataDir;
    await source.close();
    dirs.push(sourceDir);
    const dest = tempDir();
    const r = await migrateCli(sourceDir, `sqlite:${dest}`, `file:${dest}`);
    assert.equal(r.code, 0, r.output);
    const served = await startTestServer((c) => {
      c.data = dest;
    });
    try {
      const c = served.client({ bucket: 'sec' });
      for (const [k, v] of objects) assert.deepEqual((await c.get(k)).content, v, k);
      assert.deepEqual((await served.services.meta.getObject('sec', 'large.bin'))?.segments, segments);
      assert.equal((await served.services.meta.getBucketConfig('sec', 'encryption')) !== undefined, true);
      const p2 = await c.uploadPart('pending.bin', uploadId, 2, Buffer.from('tail'), 0, 4);
      const parts = await c.listParts('pending.bin', uploadId);
      await c.completeMultipartUpload('pending.bin', uploadId, [
        { number: 1, etag: parts.parts[0].ETag },
        { number: 2, etag: p2.etag },
      ]);
      assert.deepEqual((await c.get('pending.bin')).content, Buffer.concat([part1, Buffer.from('tail')]));
    } finally {
      await served.close();
    }
  });

  it('keeps a bucket versioned and moves every version and delete marker as it is; a second run copies nothing', async () => {
    const source = await startTestServer();
    const client = source.client({ bucket: 'ver' }) as VersionedClient;
    await client.putBucket('ver');
    await client.putBucketVersioning('ver', 'Enabled');
    const bytes = new Map<string, Buffer>();
    const put = async (key: string, data: Buffer, options: object = {}) => {
      const r = await client.put(key, data, options);
      bytes.set(`${key}@${(r.res.headers as Record<string, string>)['x-oss-version-id']}`, data);
    };
    await put('k', Buffer.from('old'), { headers: { 'x-oss-meta-era': 'first' } });
    await put('k', randomBytes(200 * 1024)); // a file blob
    await put('k', Buffer.from('current'));
    const v1 = (await client.getBucketVersions({ prefix: 'k' })).objects.at(-1)?.versionId;
    assert.ok(v1);
    await client.putObjectTagging('k', { kept: 'yes' }, { versionId: v1 });
    await client.putACL('k', 'public-read', { versionId: v1 });
    await put('gone', randomBytes(150 * 1024));
    await client.delete('gone'); // a delete marker is its latest version
    await client.delete('never'); // a lone delete marker
    await client.putBucketVersioning('ver', 'Suspended');
    await put('s', Buffer.from('null version'));
    await client.putBucketVersioning('ver', 'Enabled');
    await put('s', Buffer.from('after the null version'));
    // Everything but the blob ids of file segments (each copy is a new blob).
    const stored = async (server: TestServer) =>
      (
        await server.services.meta.listObjectVersions('ver', {
          prefix: '',
          delimiter: '',
          keyMarker: '',
          versionIdMarker: '',
          maxKeys: 1000,
        })
      ).versions.map((v) => ({ ...v, segments: v.segments.map((g) => ({ ...g, blob: g.size })) }));
    const before = await stored(source);
    assert.equal(before.length, 8);
    const sourceDir = source.dataDir;
    await source.close();
    dirs.push(sourceDir);
    const dest = tempDir();
    const run = await migrateCli(sourceDir, `sqlite:${dest}`, `file:${dest}`);
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, /warning/);
    assert.match(
      run.output,
      /2 objects copied \(0 already there\).* 6 noncurrent versions and delete markers copied \(0 already there\)/,
    );
    const again = await migrateCli(sourceDir, `sqlite:${dest}`, `file:${dest}`);
    assert.equal(again.code, 0, again.output);
    assert.match(
      again.output,
      /0 objects copied \(2 already there\).* 0 noncurrent versions and delete markers copied \(6 already there\), 0 bytes/,
    );
    const served = await startTestServer((c) => {
      c.data = dest;
    });
    try {
      assert.deepEqual(await stored(served), before);
      const c = served.client({ bucket: 'ver' }) as VersionedClient;
      assert.equal((await c.getBucketVersioning('ver')).versionStatus, 'Enabled');
      const listed = await c.getBucketVersions();
      assert.deepEqual(
        listed.deleteMarker.map((m) => `${m.name}@${m.versionId}`),
        before.filter((v) => v.deleteMarker).map((v) => `${v.key}@${v.versionId}`),
      );
      assert.deepEqual(
        listed.objects.map((o) => `${o.name}@${o.versionId}`),
        before.filter((v) => !v.deleteMarker).map((v) => `${v.key}@${v.versionId ?? 'null'}`),
      );
      for (const [name, data] of bytes) {
        const [key, versionId] = name.split('@');
        assert.deepEqual((await c.get(key, { versionId } as OSS.GetObjectOptions)).content, data, name);
      }
      assert.equal((await c.get('k')).content.toString(), 'current');
      await assert.rejects(c.get('gone'), { status: 404 });
      assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, { kept: 'yes' });
      assert.equal((await c.getACL('k', { versionId: v1 })).acl, 'public-read');
      const head = await c.head('k', { versionId: v1 } as OSS.HeadObjectOptions);
      assert.equal((head.res.headers as Record<string, string>)['x-oss-meta-era'], 'first');
      const next = await c.put('k', Buffer.from('next'));
      assert.notEqual((next.res.headers as Record<string, string>)['x-oss-version-id'], 'null');
      assert.equal((await c.getBucketVersions({ prefix: 'k' })).objects.length, 4);
    } finally {
      await served.close();
    }
  });

  it('stops with a clear error, and commits nothing, when a source blob does not match its record', async () => {
    const source = await startTestServer();
    const client = source.client({ bucket: 'src' });
    await client.putBucket('src');
    await client.put('large.bin', randomBytes(200 * 1024));
    const sourceDir = source.dataDir;
    await source.close();
    dirs.push(sourceDir);
    // Flip the bytes of the only file blob (bit rot on the source disk).
    const blobsDir = path.join(sourceDir, 'blobs');
    const file = readdirSync(blobsDir, { recursive: true, withFileTypes: true }).find((e) => e.isFile());
    assert.ok(file);
    writeFileSync(path.join(file.parentPath, file.name), randomBytes(200 * 1024));
    const dest = tempDir();
    const r = await migrateCli(sourceDir, `sqlite:${dest}`, `file:${dest}`);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /object src\/large\.bin: the copied bytes differ from the source \(CRC-64 does not match\)/);
    const served = await startTestServer((c) => {
      c.data = dest;
    });
    try {
      await assert.rejects(served.client({ bucket: 'src' }).head('large.bin'), { status: 404 });
    } finally {
      await served.close();
    }
  });
});

describe('ossd migrate (embedded → PostgreSQL + S3)', () => {
  it('moves a deployment into the shared stores, which then serve it from any node', async (t) => {
    const stores = await sharedStores();
    if (typeof stores === 'string') return t.skip(stores);
    try {
      const source = await startTestServer();
      const client = source.client({ bucket: 'src' });
      await client.putBucket('src');
      const fx = await populate(source, client);
      // A versioned bucket whose only key has two old versions (inline, file) under a delete marker.
      const ver = source.client({ bucket: 'ver' }) as VersionedClient;
      await ver.putBucket('ver');
      await ver.putBucketVersioning('ver', 'Enabled');
      const old = [Buffer.from('old inline'), randomBytes(120 * 1024)];
      const oldIds: string[] = [];
      for (const data of old) {
        oldIds.push(((await ver.put('k', data)).res.headers as Record<string, string>)['x-oss-version-id']);
      }
      await ver.delete('k');
      const versionsOf = async (c: VersionedClient) => {
        const r = await c.getBucketVersions();
        return [...r.objects, ...r.deleteMarker].map((v) => `${v.name}@${v.versionId}`).sort();
      };
      const sourceVersions = await versionsOf(ver);
      assert.equal(sourceVersions.length, 3);
      const sourceDir = source.dataDir;
      await source.close();
      dirs.push(sourceDir);
      const env = {
        OSSD_BLOBS_ENDPOINT: stores.rgw.endpoint,
        OSSD_BLOBS_ACCESS_KEY_ID: stores.rgw.accessKey,
        OSSD_BLOBS_SECRET_ACCESS_KEY: stores.rgw.secretKey,
      };
      const first = await migrateCli(sourceDir, stores.metadata, stores.blobs, env);
      assert.equal(first.code, 0, first.output);
      assert.match(first.output, /6 objects copied \(0 already there\)/);
      assert.match(first.output, /3 noncurrent versions and delete markers copied \(0 already there\)/);
      assert.doesNotMatch(first.output, /postgres:\/\/[^@\s]*:[^*@\s]+@/, 'no password in the output');
      const again = await migrateCli(sourceDir, stores.metadata, stores.blobs, env);
      assert.equal(again.code, 0, again.output);
      assert.match(again.output, /0 objects copied \(6 already there\)/);
      assert.match(again.output, /0 noncurrent versions and delete markers copied \(3 already there\)/);
      const cluster = await startCluster(stores, 2);
      try {
        const c = nodeClient(cluster.nodes[1].port, { bucket: 'ver' }) as VersionedClient;
        assert.deepEqual(await versionsOf(c), sourceVersions);
        for (const [i, data] of old.entries()) {
          assert.deepEqual((await c.get('k', { versionId: oldIds[i] } as OSS.GetObjectOptions)).content, data);
        }
        await assert.rejects(c.get('k'), { status: 404 });
        for (const node of cluster.nodes) {
          await assertServes(
            { ...node, client: (o = {}) => nodeClient(node.port, o) } as TestServer,
            fx,
            node === cluster.nodes[0],
          );
        }
      } finally {
        await cluster.close();
      }
    } catch (err) {
      await stores.drop();
      throw err;
    }
  });
});
