/**
 * The embedded store's group commit with --fsync: commits run synchronously without an fsync, the WAL is
 * fdatasynced on the thread pool, and no writer is answered before the fdatasync that covers its commit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { countDatasyncs } from '../helpers/datasync-spy.js';

function store(fsync: boolean): { meta: SqliteMetadataStore; done(): Promise<void> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-group-commit-'));
  const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync });
  return {
    meta,
    done: async () => {
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('group commit with an fdatasync of the WAL off the event loop', () => {
  it('answers each write only after an fdatasync that started after its commit', async () => {
    const syncs = countDatasyncs(15);
    const { meta, done } = store(true);
    try {
      // Writes spread over several event-loop turns, while fdatasyncs take 15 ms each.
      const writes: Promise<{ committedAt: number; answeredAt: number }>[] = [];
      for (let i = 0; i < 40; i++) {
        writes.push(
          meta
            .write(() => {
              meta.db.prepare('INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)').run(`k${i}`, String(i));
              return syncs.count; // fdatasyncs started so far, at commit time
            })
            .then((startedAtCommit) => ({ committedAt: startedAtCommit, answeredAt: syncs.completed })),
        );
        if (i % 5 === 4) await new Promise((r) => setTimeout(r, 3));
      }
      const results = await Promise.all(writes);
      for (const r of results) assert.ok(r.answeredAt > r.committedAt, JSON.stringify(r));
      // Batches committed during one slow fdatasync share the next one.
      assert.ok(syncs.count < 8, `${syncs.count} fdatasyncs for 8 batches`);
      assert.equal(meta.db.prepare("SELECT COUNT(*) FROM settings WHERE name LIKE 'k%'").pluck().get(), 40);
    } finally {
      syncs.restore();
      await done();
    }
  });

  it('keeps the event loop free while the fdatasync runs', async () => {
    const syncs = countDatasyncs(200);
    const { meta, done } = store(true);
    try {
      const write = meta.write(() => meta.db.prepare("INSERT INTO settings (name, value) VALUES ('a', 'b')").run());
      // A read of the same connection and a timer are served while the write waits for its fdatasync.
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(performance.now() - t0 < 150, 'the event loop was blocked');
      assert.equal(await meta.getSetting('a'), 'b');
      let answered = false;
      void write.then(() => {
        answered = true;
      });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(answered, false, 'the write was answered before its fdatasync ended');
      await write;
      assert.equal(syncs.completed, 1);
    } finally {
      syncs.restore();
      await done();
    }
  });

  it('rejects the writers of a batch whose fdatasync fails, and goes on after', async () => {
    const { meta, done } = store(true);
    const syncs = countDatasyncs();
    try {
      syncs.fail = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      await assert.rejects(
        meta.write(() => 1),
        /EIO/,
      );
      syncs.fail = undefined;
      assert.equal(await meta.write(() => 2), 2);
    } finally {
      syncs.restore();
      await done();
    }
  });

  it('without --fsync never fdatasyncs', async () => {
    const syncs = countDatasyncs();
    const { meta, done } = store(false);
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => meta.putBucketConfig('b', `n${i}`, 'v')));
      assert.equal(syncs.count, 0);
    } finally {
      syncs.restore();
      await done();
    }
  });
});
