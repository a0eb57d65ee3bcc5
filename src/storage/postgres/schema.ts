/**
 * The PostgreSQL metadata schema as numbered migrations. Each runs once, recorded in
 * `schema_migrations`; every node runs `migrate` at start, under a transaction-scoped advisory lock, so
 * nodes starting together apply each migration exactly once and the others wait, then find it applied.
 *
 * Key columns (bucket names, object keys, upload ids, blob ids) are `COLLATE "C"`: they compare and sort
 * by their UTF-8 bytes, the order OSS lists in (and the embedded SQLite store's BINARY order), whatever
 * the database's default collation.
 */
import { StorageError } from '../errors.js';
import type { PgPool } from './pool.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE accounts (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        created_at bigint NOT NULL
      );
      -- No foreign key to accounts: as in the embedded store, a key may be written before its account.
      CREATE TABLE access_keys (
        id text COLLATE "C" PRIMARY KEY,
        secret text NOT NULL,
        account_id text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        security_token text,
        expires_at bigint
      );
      CREATE TABLE buckets (
        name text COLLATE "C" PRIMARY KEY,
        owner text COLLATE "C" NOT NULL,
        acl text NOT NULL,
        created_at bigint NOT NULL,
        region text NOT NULL,
        storage_class text NOT NULL,
        data_redundancy_type text NOT NULL,
        cors text
      );
      -- JSON columns are text, not jsonb: jsonb would reorder user metadata keys.
      CREATE TABLE objects (
        bucket text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        type text NOT NULL,
        size bigint NOT NULL,
        etag text NOT NULL,
        crc64 text NOT NULL,
        content_md5 text,
        last_modified bigint NOT NULL,
        acl text NOT NULL,
        storage_class text NOT NULL,
        headers text NOT NULL,
        meta text NOT NULL,
        tags text NOT NULL,
        segments text NOT NULL,
        symlink_target text,
        PRIMARY KEY (bucket, key)
      );
      CREATE TABLE uploads (
        upload_id text COLLATE "C" PRIMARY KEY,
        bucket text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        initiated bigint NOT NULL,
        template text NOT NULL
      );
      CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
      CREATE INDEX uploads_by_initiated ON uploads (initiated);
      CREATE TABLE parts (
        upload_id text COLLATE "C" NOT NULL,
        part_number integer NOT NULL,
        blob text COLLATE "C" NOT NULL,
        size bigint NOT NULL,
        etag text NOT NULL,
        crc64 text NOT NULL,
        last_modified bigint NOT NULL,
        PRIMARY KEY (upload_id, part_number)
      );
      CREATE INDEX parts_by_blob ON parts (blob);
      -- Small objects' bytes, committed in the same transaction as their record.
      CREATE TABLE inline_blobs (
        id text COLLATE "C" PRIMARY KEY,
        data bytea NOT NULL
      );
      -- Every file blob an object references, so garbage collection asks about a page of blobs at a time.
      CREATE TABLE blob_refs (
        blob text COLLATE "C" PRIMARY KEY
      );
      -- Deployment-wide settings (the callback signing key).
      CREATE TABLE settings (
        name text COLLATE "C" PRIMARY KEY,
        value text NOT NULL
      );
      CREATE TABLE callback_deliveries (
        seq bigserial PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        created_at bigint NOT NULL,
        request_id text NOT NULL,
        bucket text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        operation text NOT NULL,
        spec text NOT NULL,
        rendered_body text NOT NULL,
        string_to_sign text NOT NULL,
        attempts text NOT NULL,
        ok boolean NOT NULL,
        cause text,
        message text,
        latency_ms bigint NOT NULL,
        resend_of text
      );
      CREATE INDEX callback_deliveries_bucket_key ON callback_deliveries (bucket, key, seq);
      CREATE INDEX callback_deliveries_request_id ON callback_deliveries (request_id);
      CREATE INDEX callback_deliveries_ok ON callback_deliveries (ok, seq);
    `,
  },
  {
    version: 2,
    name: 'bucket configuration documents; truncated delivery texts',
    sql: `
      CREATE TABLE bucket_config (
        bucket text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (bucket, name)
      );
      ALTER TABLE callback_deliveries ADD COLUMN truncated text;
    `,
  },
  {
    version: 3,
    name: 'object versioning',
    sql: `
      ALTER TABLE buckets ADD COLUMN versioning text;
      -- NULL = the null version.
      ALTER TABLE objects ADD COLUMN version_id text COLLATE "C";
      -- Noncurrent versions and delete markers; seq orders a key's versions (newest = highest).
      CREATE TABLE object_versions (
        seq bigserial PRIMARY KEY,
        bucket text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        type text NOT NULL,
        size bigint NOT NULL,
        etag text NOT NULL,
        crc64 text NOT NULL,
        content_md5 text,
        last_modified bigint NOT NULL,
        acl text NOT NULL,
        storage_class text NOT NULL,
        headers text NOT NULL,
        meta text NOT NULL,
        tags text NOT NULL,
        segments text NOT NULL,
        symlink_target text,
        version_id text COLLATE "C" NOT NULL,
        is_delete_marker smallint NOT NULL,
        noncurrent_since bigint
      );
      CREATE INDEX object_versions_by_key ON object_versions (bucket, key, seq DESC);
      CREATE UNIQUE INDEX object_versions_by_id ON object_versions (bucket, key, version_id);
    `,
  },
  {
    version: 4,
    name: 'callback retry queue and event notifications in the delivery log',
    sql: `
      ALTER TABLE callback_deliveries
        ADD COLUMN kind text,
        ADD COLUMN state text,
        ADD COLUMN attempt integer,
        ADD COLUMN next_attempt_at bigint,
        ADD COLUMN retry text,
        ADD COLUMN target text,
        ADD COLUMN claimed_by text,
        ADD COLUMN claim_until bigint;
      CREATE INDEX callback_deliveries_due ON callback_deliveries (next_attempt_at, seq) WHERE state = 'pending';
      CREATE INDEX callback_deliveries_pending_key ON callback_deliveries (bucket, key, target, seq)
        WHERE state = 'pending';
    `,
  },
  {
    version: 5,
    name: 'version id of the object in the delivery log',
    sql: `
      ALTER TABLE callback_deliveries ADD COLUMN version_id text;
    `,
  },
];

/** Advisory lock key held (per transaction) while migrating: "ossd" + "schm". */
const MIGRATION_LOCK = 0x6f737364_7363686dn;

/** Applies the migrations this database lacks; returns the versions applied now. */
export async function migrate(pool: PgPool, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  return pool.tx(async (tx) => {
    await tx.q('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await tx.q(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.q<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new StorageError(
        'io',
        `the PostgreSQL metadata schema has migration(s) ${unknown.join(', ')} that this ossd does not know: upgrade ossd`,
      );
    }
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await tx.q(m.sql);
      await tx.q('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
