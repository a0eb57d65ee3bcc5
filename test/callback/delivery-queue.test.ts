import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteDeliveryStore } from '../../src/storage/local/delivery-store.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { deliveryQueueConformance, queued } from '../storage/delivery-queue-conformance.js';

// One process serves an embedded data directory (the serve lock): both handles are its one store.
deliveryQueueConformance('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-queue-'));
  const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
  const store = SqliteDeliveryStore.relaxed(meta.db);
  return {
    a: store,
    b: store,
    close: async () => {
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite delivery queue: a restarted server takes over the claims of a process that died', () => {
  it('releases every claim at start, not when an admin command opens the store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-queue-'));
    const file = path.join(dir, 'meta.sqlite');
    try {
      const dead = new SqliteMetadataStore(file, { fsync: false });
      const before = SqliteDeliveryStore.relaxed(dead.db);
      const now = Date.now();
      const d = await before.record(queued({ nextAttemptAt: now - 1000 }));
      assert.equal((await before.claimDue('dead-process', now, now + 3_600_000, 10)).length, 1);
      await dead.close(); // as if killed mid-delivery: the claim stays in the file
      const meta = new SqliteMetadataStore(file, { fsync: false });
      try {
        const store = SqliteDeliveryStore.relaxed(meta.db);
        assert.deepEqual(await store.claimDue('admin-command', now, now + 1000, 10), []);
        await store.releaseStaleClaims();
        const taken = await store.claimDue('new-server', now, now + 1000, 10);
        assert.deepEqual(
          taken.map((x) => x.id),
          [d.id],
        );
      } finally {
        await meta.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite delivery log written before the version_id column', () => {
  it('gains the column on open (without a schema version bump); old rows read without a version id', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-queue-'));
    const file = path.join(dir, 'meta.sqlite');
    try {
      const old = new SqliteMetadataStore(file, { fsync: false });
      const first = SqliteDeliveryStore.relaxed(old.db);
      const d = await first.record(queued({ state: 'done', attempt: 1 }));
      const userVersion = old.db.pragma('user_version', { simple: true });
      old.db.exec('ALTER TABLE callback_deliveries DROP COLUMN version_id'); // as an older ossd left it
      await old.close();
      const meta = new SqliteMetadataStore(file, { fsync: false });
      try {
        const store = SqliteDeliveryStore.relaxed(meta.db);
        const columns = meta.db.prepare('PRAGMA table_info(callback_deliveries)').all() as { name: string }[];
        assert.ok(columns.some((c) => c.name === 'version_id'));
        assert.equal(meta.db.pragma('user_version', { simple: true }), userVersion);
        const back = await store.get(d.id);
        assert.equal(back?.id, d.id);
        assert.equal(back?.versionId, undefined);
        const v = await store.record(queued({ state: 'done', attempt: 1, versionId: 'CAEQv' }));
        assert.equal((await store.get(v.id))?.versionId, 'CAEQv');
      } finally {
        await meta.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
