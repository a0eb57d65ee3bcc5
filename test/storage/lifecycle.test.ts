/**
 * Lifecycle at store level, on every store ossd has: SQLite + files, PostgreSQL + files and, when the
 * S3 gateway is there (scripts/test-services.ts), PostgreSQL + S3. What the rules need from a store — a
 * guarded delete that releases blobs, storage-class updates of current and noncurrent versions, upload
 * aborts — and that two processes on one PostgreSQL store never both apply the rules.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { openStorage } from '../../src/backends.js';
import { defaultConfig } from '../../src/config/config.js';
import { applyLifecycle, type LifecycleAction } from '../../src/storage/lifecycle.js';
import { DAY_MS, type LifecycleRule, saveLifecycle } from '../../src/storage/lifecycle-rules.js';
import { LocalBlobStore } from '../../src/storage/local/blob-store.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { openPostgresMetadata } from '../../src/storage/postgres/open.js';
import type { BlobStore, MetadataStore, ObjectRecord } from '../../src/storage/types.js';
import { sharedStores, useSharedStores } from '../helpers/cluster.js';
import { postgresTestOptions, startPostgres } from '../helpers/postgres.js';
import { REPO } from '../helpers/spawn-ossd.js';

interface Backend {
  meta: MetadataStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

async function openLocal(): Promise<Backend> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-lc-'));
  const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
  const blobs = new LocalBlobStore(dir, false);
  await blobs.init();
  return {
    meta,
    blobs,
    close: async () => {
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresFiles(): Promise<Backend> {
  const { meta } = await openPostgresMetadata(await (await startPostgres()).newDatabase());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-lc-pg-'));
  const blobs = new LocalBlobStore(dir, false);
  await blobs.init();
  return {
    meta,
    blobs,
    close: async () => {
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const BUCKET = 'lc';

async function bucket(meta: MetadataStore, name = BUCKET): Promise<void> {
  await meta.createBucket({
    name,
    owner: 'o',
    acl: 'private',
    createdAt: Date.now(),
    region: 'r',
    storageClass: 'Standard',
    dataRedundancyType: 'LRS',
  });
}

/** An object whose bytes are a real blob of the store, last modified `ageDays` ago. */
async function put(
  b: Backend,
  key: string,
  ageDays: number,
  extra: Partial<ObjectRecord> = {},
): Promise<{ object: ObjectRecord; blob: string }> {
  const w = await b.blobs.write(Readable.from([Buffer.from(`bytes of ${key}`)]), { maxBytes: 1 << 20 });
  const object: ObjectRecord = {
    bucket: BUCKET,
    key,
    type: 'Normal',
    size: w.size,
    etag: w.md5.toString('hex').toUpperCase(),
    crc64: w.crc64,
    lastModified: Date.now() - ageDays * DAY_MS,
    acl: 'default',
    storageClass: 'Standard',
    contentType: 'text/plain',
    meta: {},
    tags: {},
    segments: [{ blob: w.blob, size: w.size, crc64: w.crc64 }],
    ...extra,
  };
  await b.blobs.delete((await b.meta.putObject(object)).released);
  return { object, blob: w.blob };
}

function rule(id: string, prefix: string, r: Partial<LifecycleRule>): LifecycleRule {
  return { id, prefix, status: 'Enabled', tags: [], transitions: [], noncurrentVersionTransitions: [], ...r };
}

async function blobExists(b: Backend, blob: string): Promise<boolean> {
  try {
    await b.blobs.readBuffer(blob, 0, 0);
    return true;
  } catch {
    return false;
  }
}

function lifecycleConformance(name: string, open: () => Promise<Backend>, skip?: string): void {
  describe(`lifecycle conformance: ${name}`, { skip }, () => {
    it('deletes only what the guard accepts, releasing its blobs; sets storage classes', async () => {
      const b = await open();
      try {
        await bucket(b.meta);
        const { object, blob } = await put(b, 'k', 0);
        const no = await b.meta.deleteObject(BUCKET, 'k', () => false);
        assert.deepEqual(no, { released: [], existed: false });
        assert.ok(await b.meta.getObject(BUCKET, 'k'));
        assert.equal(await b.meta.updateObject(BUCKET, 'k', { storageClass: 'Archive' }), true);
        assert.equal((await b.meta.getObject(BUCKET, 'k'))?.storageClass, 'Archive');
        const listed = await b.meta.listObjects(BUCKET, { prefix: '', delimiter: '', after: '', maxKeys: 10 });
        assert.equal(listed.objects[0].storageClass, 'Archive');
        const yes = await b.meta.deleteObject(BUCKET, 'k', (o) => o.etag === object.etag);
        assert.equal(yes.existed, true);
        assert.deepEqual(yes.released, [blob]);
        await b.blobs.delete(yes.released);
        assert.equal(await b.meta.getObject(BUCKET, 'k'), undefined);
        assert.equal(await blobExists(b, blob), false);
      } finally {
        await b.close();
      }
    });

    it('applies expiration, transitions and upload aborts in pages; a dry run changes nothing', async () => {
      const b = await open();
      try {
        await bucket(b.meta);
        const old: string[] = [];
        for (let i = 0; i < 23; i++) old.push((await put(b, `old/${String(i).padStart(2, '0')}`, 40)).blob);
        await put(b, 'old/new', 0);
        await put(b, 'cold/a', 15);
        await put(b, 'cold/tagged', 15, { tags: { keep: 'yes' } });
        await put(b, 'other', 400);
        await b.meta.multipart.createUpload({
          uploadId: 'U1',
          bucket: BUCKET,
          key: 'old/upload',
          initiated: Date.now() - 10 * DAY_MS,
          template: { acl: 'default', storageClass: 'Standard', contentType: 'x', meta: {}, tags: {} },
        });
        await saveLifecycle(b.meta, BUCKET, [
          rule('exp', 'old/', { expiration: { days: 30 }, abortMultipartUpload: { days: 7 } }),
          rule('ia', 'cold/', {
            transitions: [{ days: 10, storageClass: 'IA' }],
            not: { prefix: 'cold/', tag: { key: 'keep', value: 'yes' } },
          }),
          rule('off', 'other', { status: 'Disabled', expiration: { days: 1 } }),
        ]);
        const seen: LifecycleAction[] = [];
        const dry = await applyLifecycle(b.meta, b.blobs, { dryRun: true, pageSize: 5, onAction: (a) => seen.push(a) });
        assert.deepEqual([dry.expired, dry.transitioned, dry.aborted], [23, 1, 1]);
        assert.equal(seen.length, 25);
        assert.equal(
          (await b.meta.listObjects(BUCKET, { prefix: '', delimiter: '', after: '', maxKeys: 100 })).objects.length,
          27,
          'the dry run deleted nothing',
        );
        assert.equal((await b.meta.getObject(BUCKET, 'cold/a'))?.storageClass, 'Standard');
        const run = await applyLifecycle(b.meta, b.blobs, { pageSize: 5 });
        assert.deepEqual([run.expired, run.transitioned, run.aborted, run.failed.length], [23, 1, 1, 0]);
        const left = (await b.meta.listObjects(BUCKET, { prefix: '', delimiter: '', after: '', maxKeys: 100 })).objects;
        assert.deepEqual(
          left.map((o) => `${o.key} ${o.storageClass}`),
          ['cold/a IA', 'cold/tagged Standard', 'old/new Standard', 'other Standard'],
        );
        for (const blob of old) assert.equal(await blobExists(b, blob), false, 'expired objects free their blobs');
        assert.equal(await b.meta.multipart.getUpload('U1'), undefined);
        const again = await applyLifecycle(b.meta, b.blobs);
        assert.deepEqual([again.expired, again.transitioned, again.aborted], [0, 0, 0], 'nothing twice');
      } finally {
        await b.close();
      }
    });

    it('on a versioned bucket: expiration leaves a delete marker, noncurrent versions transition and expire', async () => {
      const b = await open();
      try {
        await bucket(b.meta);
        await b.meta.updateBucket(BUCKET, { versioning: 'Enabled' });
        const first = await put(b, 'v/k', 50);
        await put(b, 'v/k', 0);
        await saveLifecycle(b.meta, BUCKET, [
          rule('v', 'v/', {
            noncurrentVersionTransitions: [{ noncurrentDays: 2, storageClass: 'Archive' }],
            noncurrentVersionExpiration: { noncurrentDays: 20 },
          }),
          rule('e', 'e/', { expiration: { days: 1 } }),
        ]);
        const e = await put(b, 'e/x', 5);
        const t = await applyLifecycle(b.meta, b.blobs, { now: Date.now() + 5 * DAY_MS });
        assert.deepEqual([t.expired, t.transitioned], [1, 1]);
        const marker = await b.meta.getObjectVersion(BUCKET, 'e/x');
        assert.equal(marker?.deleteMarker, true, 'expiring a versioned object writes a delete marker');
        assert.equal(await blobExists(b, e.blob), true, 'and keeps the version bytes');
        const versions = await b.meta.listObjectVersions(BUCKET, {
          prefix: 'v/',
          delimiter: '',
          keyMarker: '',
          versionIdMarker: '',
          maxKeys: 10,
        });
        assert.deepEqual(
          versions.versions.map((v) => [v.isLatest, v.storageClass]),
          [
            [true, 'Standard'],
            [false, 'Archive'],
          ],
        );
        const x = await applyLifecycle(b.meta, b.blobs, { now: Date.now() + 25 * DAY_MS });
        assert.equal(x.expired, 1 + 0, 'the noncurrent v/k (e/x is already a delete marker)');
        assert.equal(await blobExists(b, first.blob), false, 'an expired noncurrent version frees its blob');
      } finally {
        await b.close();
      }
    });
  });
}

lifecycleConformance('SQLite + files', openLocal);
const pgOptions = postgresTestOptions();
lifecycleConformance('PostgreSQL + files', openPostgresFiles, pgOptions.skip);

const probe = await sharedStores().catch((err: Error) => err.message);
if (typeof probe === 'string') {
  it('lifecycle conformance: PostgreSQL + S3 (Ceph RGW)', { skip: probe }, () => {});
} else {
  await probe.drop();
  lifecycleConformance('PostgreSQL + S3 (Ceph RGW)', async () => {
    const stores = await sharedStores();
    if (typeof stores === 'string') throw new Error(stores);
    const config = defaultConfig();
    useSharedStores(config, stores);
    const storage = await openStorage(config);
    return {
      meta: storage.meta,
      blobs: storage.blobs,
      close: async () => {
        await storage.close();
        await stores.drop();
      },
    };
  });
}

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'lifecycle', 'run', ...args], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('lifecycle on a shared PostgreSQL store', { skip: pgOptions.skip }, () => {
  it('two processes running the rules at once never both act (runExclusive)', async () => {
    const url = await (await startPostgres()).newDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-lc-two-'));
    const { meta } = await openPostgresMetadata(url);
    const blobs = new LocalBlobStore(dir, false);
    await blobs.init();
    const b: Backend = { meta, blobs, close: async () => meta.close() };
    const N = 3000;
    try {
      await bucket(meta);
      // Records only (no blob writes): enough objects that the two runs overlap.
      for (let i = 0; i < N; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) =>
            meta.putObject({
              bucket: BUCKET,
              key: `k/${String(i + j).padStart(5, '0')}`,
              type: 'Normal',
              size: 0,
              etag: 'E',
              crc64: '0',
              lastModified: Date.now() - 40 * DAY_MS,
              acl: 'default',
              storageClass: 'Standard',
              contentType: 'x',
              meta: {},
              tags: {},
              segments: [],
            }),
          ),
        );
      }
      await saveLifecycle(meta, BUCKET, [rule('k', 'k/', { expiration: { days: 30 } })]);
      const args = ['--metadata', url, '--blobs', `file:${dir}`];
      const [one, two] = await Promise.all([runCli(args), runCli(args)]);
      const expired = [one, two].flatMap((r) => r.out.split('\n').filter((l) => l.startsWith('expired ')));
      assert.equal(expired.length, N, `${one.out.slice(-300)}\n${two.out.slice(-300)}`);
      assert.equal(new Set(expired).size, N, 'no object expired twice');
      const refused = [one, two].filter((r) => /another node is applying the lifecycle rules now/.test(r.out));
      const idle = [one, two].filter((r) => /^0 expired, 0 transitioned, 0 aborted/m.test(r.out));
      assert.equal(refused.length + idle.length, 1, 'one process acted, the other was refused (or came after)');
      assert.equal(
        (await meta.listObjects(BUCKET, { prefix: '', delimiter: '', after: '', maxKeys: 10 })).objects.length,
        0,
      );
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
