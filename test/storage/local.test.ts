import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { collectOrphanBlobs } from '../../src/storage/gc.js';
import { LocalBlobStore } from '../../src/storage/local/blob-store.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { type Backend, storageConformance } from './conformance.js';

async function openLocal(dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-store-'))): Promise<Backend & { dir: string }> {
  const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
  const blobs = new LocalBlobStore(dir, true);
  await blobs.init();
  return {
    dir,
    meta,
    blobs,
    close: async () => {
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

storageConformance('local disk + SQLite', () => openLocal());

describe('local backend specifics', () => {
  it('names blob files by random id under blobs/, never by key', async () => {
    const b = await openLocal();
    try {
      const { Readable } = await import('node:stream');
      const w = await b.blobs.write(Readable.from([Buffer.from('x')]), { maxBytes: 10 });
      assert.match(w.blob, /^[0-9a-f]{32}$/);
      assert.deepEqual(readdirSync(path.join(b.dir, 'blobs', w.blob.slice(0, 2))), [w.blob]);
    } finally {
      await b.close();
    }
  });

  it('collects orphan blobs (written but never committed) and keeps referenced ones', async () => {
    const b = await openLocal();
    try {
      const { Readable } = await import('node:stream');
      const kept = await b.blobs.write(Readable.from([Buffer.from('kept')]), { maxBytes: 10 });
      const orphan = await b.blobs.write(Readable.from([Buffer.from('orphan')]), { maxBytes: 10 });
      await b.meta.putObject({
        bucket: 'b',
        key: 'k',
        type: 'Normal',
        size: 4,
        etag: 'E',
        crc64: '0',
        lastModified: 1,
        acl: 'default',
        storageClass: 'Standard',
        contentType: 'text/plain',
        meta: {},
        tags: {},
        segments: [{ blob: kept.blob, size: 4, crc64: '0' }],
      });
      // A stray non-blob file is left alone.
      writeFileSync(path.join(b.dir, 'blobs', '00', 'README'), 'not a blob');
      assert.equal(await collectOrphanBlobs(b.meta, b.blobs), 1);
      await assert.rejects(b.blobs.read(orphan.blob));
      assert.ok(await b.blobs.read(kept.blob));
    } finally {
      await b.close();
    }
  });

  it('keeps committed data across a reopen', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-store-'));
    const first = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    await first.ensureAccount('a', 'a');
    await first.createBucket({
      name: 'persist',
      owner: 'a',
      acl: 'private',
      createdAt: 1,
      region: 'r',
      storageClass: 'Standard',
      dataRedundancyType: 'LRS',
    });
    await first.close();
    const second = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    assert.equal((await second.getBucket('persist'))?.owner, 'a');
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees bucket configuration another connection commits (a policy set by a command) within 100 ms', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-store-'));
    const server = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    const command = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    try {
      const settle = () => new Promise((r) => setTimeout(r, 150));
      // Cached as absent, then set elsewhere: a new policy (a Deny, say) is in force within 100 ms.
      assert.equal(await server.getBucketConfig('b', 'access.policy'), undefined);
      assert.deepEqual(await server.listBucketConfig('b', 'access.'), []);
      await command.putBucketConfig('b', 'access.policy', '{"v":1}');
      await settle();
      assert.equal(await server.getBucketConfig('b', 'access.policy'), '{"v":1}');
      assert.deepEqual(await server.listBucketConfig('b', 'access.'), [{ name: 'access.policy', value: '{"v":1}' }]);
      await command.putBucketConfig('b', 'access.policy', undefined);
      await settle();
      assert.equal(await server.getBucketConfig('b', 'access.policy'), undefined, 'no stale policy');
      // Its own writes at once; deleting the bucket drops its configuration; callers cannot alter the cache.
      await server.putBucketConfig('b', 'access.referer', 'r1');
      assert.equal(await server.getBucketConfig('b', 'access.referer'), 'r1');
      const rows = await server.listBucketConfig('b', 'access.');
      rows[0].value = 'changed';
      assert.equal((await server.listBucketConfig('b', 'access.'))[0].value, 'r1');
      await server.putBucketConfig('b', 'access.referer', 'r2');
      assert.equal((await server.listBucketConfig('b', 'access.'))[0].value, 'r2');
    } finally {
      await server.close();
      await command.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sees bucket changes another connection commits (an ossd command while the server runs) within 100 ms', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-store-'));
    const server = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    const command = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    try {
      await server.ensureAccount('a', 'a');
      const bucket = {
        name: 'shared',
        owner: 'a',
        acl: 'public-read' as const,
        createdAt: 1,
        region: 'r',
        storageClass: 'Standard',
        dataRedundancyType: 'LRS',
      };
      // Another process's change is seen within the cache's recheck interval (100 ms).
      const settle = () => new Promise((r) => setTimeout(r, 150));
      assert.equal(await server.getBucket('shared'), undefined); // cached as missing
      await command.createBucket(bucket);
      await settle();
      assert.equal((await server.getBucket('shared'))?.acl, 'public-read');
      await command.updateBucket('shared', { acl: 'private' });
      await settle();
      assert.equal((await server.getBucket('shared'))?.acl, 'private', 'no stale ACL');
      // Its own writes too; and a caller mutating what it got does not change the store's view.
      await server.updateBucket('shared', { acl: 'public-read-write' });
      const got = await server.getBucket('shared');
      assert.equal(got?.acl, 'public-read-write');
      if (got) got.acl = 'private';
      assert.equal((await server.getBucket('shared'))?.acl, 'public-read-write');
      assert.equal(await command.deleteBucket('shared'), 'deleted');
      await settle();
      assert.equal(await server.getBucket('shared'), undefined);
    } finally {
      await command.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local schema upgrade', () => {
  it('indexes the file blobs of a database written before blob_refs existed, so GC keeps them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-store-'));
    try {
      const first = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
      const file = 'c'.repeat(32);
      const seg = { blob: file, size: 1, crc64: '0' };
      await first.putObject({
        bucket: 'b',
        key: 'old',
        type: 'Multipart',
        size: 2,
        etag: 'E',
        crc64: '0',
        lastModified: 1,
        acl: 'default',
        storageClass: 'Standard',
        contentType: 'text/plain',
        meta: {},
        tags: {},
        segments: [seg, { ...seg, blob: `i${'d'.repeat(32)}` }],
      });
      // What a database of the previous release looks like: no index, schema version 0.
      first.db.exec('DROP TABLE blob_refs');
      first.db.pragma('user_version = 0');
      await first.close();
      const reopened = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
      assert.deepEqual([...(await reopened.referencedAmong([file, 'e'.repeat(32)]))], [file]);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
