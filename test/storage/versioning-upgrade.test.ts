import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import type { ObjectRecord } from '../../src/storage/types.js';

function rec(key: string, blob: string): ObjectRecord {
  return {
    bucket: 'b',
    key,
    type: 'Normal',
    size: 1,
    etag: 'E',
    crc64: '0',
    lastModified: 1,
    acl: 'default',
    storageClass: 'Standard',
    contentType: 'text/plain',
    meta: {},
    tags: {},
    segments: [{ blob, size: 1, crc64: '0' }],
  };
}

describe('SQLite schema version 2 (versioning)', () => {
  it('upgrades a database of the previous release: its objects become null versions', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-upgrade-'));
    try {
      const file = path.join(dir, 'meta.sqlite');
      const first = new SqliteMetadataStore(file, { fsync: false });
      await first.createBucket({
        name: 'b',
        owner: 'o',
        acl: 'private',
        createdAt: 1,
        region: 'r',
        storageClass: 'Standard',
        dataRedundancyType: 'LRS',
      });
      await first.putObject(rec('old', 'a'.repeat(32)));
      // What a database of the previous release looks like: schema version 1, no versioning columns.
      first.db.exec(`
        DROP TABLE object_versions;
        ALTER TABLE objects DROP COLUMN version_id;
        ALTER TABLE buckets DROP COLUMN versioning;
      `);
      first.db.pragma('user_version = 1');
      await first.close();

      const reopened = new SqliteMetadataStore(file, { fsync: false });
      assert.equal(reopened.db.pragma('user_version', { simple: true }), 2);
      const old = await reopened.getObject('b', 'old');
      assert.equal(old?.versionId, undefined);
      await reopened.updateBucket('b', { versioning: 'Enabled' });
      const w = await reopened.putObject(rec('old', 'b'.repeat(32)));
      assert.deepEqual(w.released, []);
      const previous = await reopened.getObjectVersion('b', 'old', 'null');
      assert.deepEqual(
        previous?.segments.map((s) => s.blob),
        ['a'.repeat(32)],
      );
      await reopened.close();
      // Opening again changes nothing (the migration is idempotent).
      const again = new SqliteMetadataStore(file, { fsync: false });
      assert.equal((await again.getBucket('b'))?.versioning, 'Enabled');
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
