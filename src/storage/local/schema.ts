import type Database from 'better-sqlite3';

/** Creates or upgrades the embedded metadata schema. */
export function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS accounts (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS access_keys (
      id TEXT PRIMARY KEY,
      secret TEXT NOT NULL,
      account_id TEXT NOT NULL REFERENCES accounts(id),
      created_at INTEGER NOT NULL,
      security_token TEXT,
      expires_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS buckets (
      name TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      acl TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      region TEXT NOT NULL,
      storage_class TEXT NOT NULL,
      data_redundancy_type TEXT NOT NULL,
      cors TEXT
    );
    CREATE TABLE IF NOT EXISTS objects (
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      type TEXT NOT NULL,
      size INTEGER NOT NULL,
      etag TEXT NOT NULL,
      crc64 TEXT NOT NULL,
      content_md5 TEXT,
      last_modified INTEGER NOT NULL,
      acl TEXT NOT NULL,
      storage_class TEXT NOT NULL,
      headers TEXT NOT NULL,
      meta TEXT NOT NULL,
      tags TEXT NOT NULL,
      segments TEXT NOT NULL,
      symlink_target TEXT,
      PRIMARY KEY (bucket, key)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS uploads (
      upload_id TEXT PRIMARY KEY,
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      initiated INTEGER NOT NULL,
      template TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
    CREATE TABLE IF NOT EXISTS parts (
      upload_id TEXT NOT NULL,
      part_number INTEGER NOT NULL,
      blob TEXT NOT NULL,
      size INTEGER NOT NULL,
      etag TEXT NOT NULL,
      crc64 TEXT NOT NULL,
      last_modified INTEGER NOT NULL,
      PRIMARY KEY (upload_id, part_number)
    ) WITHOUT ROWID;
    -- Small objects' bytes, committed with their record (one WAL fsync for a whole group of uploads).
    CREATE TABLE IF NOT EXISTS inline_blobs (
      id TEXT PRIMARY KEY,
      data BLOB NOT NULL
    );
    -- Deployment-wide settings (the callback signing key).
    CREATE TABLE IF NOT EXISTS settings (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS parts_by_blob ON parts (blob);
    -- Per-bucket configuration documents (tagging, policy, lifecycle, image styles, …).
    CREATE TABLE IF NOT EXISTS bucket_config (
      bucket TEXT NOT NULL,
      name TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (bucket, name)
    ) WITHOUT ROWID;
  `);
  if ((db.pragma('user_version', { simple: true }) as number) < 1) {
    // Every file blob an object references, so garbage collection asks about a page of blobs at a time
    // instead of loading every reference (a blob belongs to one object or one part: copies write new blobs).
    db.transaction(() => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS blob_refs (blob TEXT PRIMARY KEY) WITHOUT ROWID;
        INSERT OR IGNORE INTO blob_refs (blob)
          SELECT json_extract(s.value, '$.blob') FROM objects o, json_each(o.segments) s
          WHERE length(json_extract(s.value, '$.blob')) = 32;
      `);
      db.pragma('user_version = 1');
    })();
  }
  if ((db.pragma('user_version', { simple: true }) as number) < 2) {
    // Versioning: a bucket's status, the current object's version id (NULL = the null version), and the
    // noncurrent versions and delete markers of versioned buckets (storage/versions.ts). Idempotent.
    db.transaction(() => {
      const has = (table: string, column: string) =>
        (db.pragma(`table_info(${table})`) as { name: string }[]).some((c) => c.name === column);
      if (!has('buckets', 'versioning')) db.exec('ALTER TABLE buckets ADD COLUMN versioning TEXT');
      if (!has('objects', 'version_id')) db.exec('ALTER TABLE objects ADD COLUMN version_id TEXT');
      db.exec(`
        CREATE TABLE IF NOT EXISTS object_versions (
          seq INTEGER PRIMARY KEY,
          bucket TEXT NOT NULL,
          key TEXT NOT NULL,
          type TEXT NOT NULL,
          size INTEGER NOT NULL,
          etag TEXT NOT NULL,
          crc64 TEXT NOT NULL,
          content_md5 TEXT,
          last_modified INTEGER NOT NULL,
          acl TEXT NOT NULL,
          storage_class TEXT NOT NULL,
          headers TEXT NOT NULL,
          meta TEXT NOT NULL,
          tags TEXT NOT NULL,
          segments TEXT NOT NULL,
          symlink_target TEXT,
          version_id TEXT NOT NULL,
          is_delete_marker INTEGER NOT NULL,
          noncurrent_since INTEGER
        );
        CREATE INDEX IF NOT EXISTS object_versions_by_key ON object_versions (bucket, key, seq DESC);
        CREATE UNIQUE INDEX IF NOT EXISTS object_versions_by_id ON object_versions (bucket, key, version_id);
      `);
      db.pragma('user_version = 2');
    })();
  }
}
