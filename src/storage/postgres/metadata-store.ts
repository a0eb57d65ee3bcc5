/**
 * Metadata in PostgreSQL, shared by every ossd node of a deployment: the twin of the embedded
 * SqliteMetadataStore, same semantics. Every write is one transaction; writers of one object key
 * serialize on its advisory lock (object-writes.ts). Nothing is cached: another node may change a bucket
 * at any time, and every read sees the latest commit.
 */

import { type BucketRow, type KeyRow, OBJECT_COLUMNS, type ObjectRow, toBucket, toKey, toObject } from '../rows.js';
import {
  type AccessKey,
  type Account,
  type BucketRecord,
  type BucketUsage,
  type InlineBlob,
  isInlineBlob,
  type ListObjectsQuery,
  type ListObjectsResult,
  type ListPage,
  type ListVersionsQuery,
  type ListVersionsResult,
  type MetadataStore,
  type ObjectRecord,
  type ObjectSummary,
  type ObjectVersion,
  type Released,
  type Segment,
  type VersionCursor,
} from '../types.js';
import {
  ANY_VERSION,
  deleteVersion,
  deleteVersioned,
  getVersion,
  importVersion,
  listLoneMarkers,
  listNoncurrent,
  listVersions,
  putVersioned,
  replaceVersionSegments,
  updateVersion,
} from '../versions.js';
import { listObjectSummariesPage, listObjectsPage } from './list-objects.js';
import { PostgresMultipartStore } from './multipart-store.js';
import { lockKey, lockKeyVersioning, readObject, release, runVersionOp, writeObject } from './object-writes.js';
import { type PgPool, type Tx, translate } from './pool.js';

/** Advisory lock keys of runExclusive jobs live in their own space (the first argument of the two-key form). */
const JOB_LOCK_SPACE = 0x6f737364; // "ossd"

export class PostgresMetadataStore implements MetadataStore {
  readonly multipart: PostgresMultipartStore;

  constructor(readonly pool: PgPool) {
    this.multipart = new PostgresMultipartStore(pool);
  }

  async ensureAccount(id: string, name: string): Promise<Account> {
    await this.pool.query('INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      id,
      name,
      Date.now(),
    ]);
    const [r] = await this.pool.query<{ id: string; name: string; created_at: number }>(
      'SELECT id, name, created_at FROM accounts WHERE id = $1',
      [id],
    );
    return { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const [r] = await this.pool.query<{ id: string; name: string; created_at: number }>(
      'SELECT id, name, created_at FROM accounts WHERE id = $1',
      [id],
    );
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async putAccessKey(key: AccessKey): Promise<void> {
    await this.pool.query(
      `INSERT INTO access_keys (id, secret, account_id, created_at, security_token, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET secret = EXCLUDED.secret, account_id = EXCLUDED.account_id,
         created_at = EXCLUDED.created_at, security_token = EXCLUDED.security_token, expires_at = EXCLUDED.expires_at`,
      [key.id, key.secret, key.accountId, key.createdAt, key.securityToken ?? null, key.expiresAt ?? null],
    );
  }

  async getAccessKey(id: string): Promise<AccessKey | undefined> {
    const [r] = await this.pool.query<KeyRow>('SELECT * FROM access_keys WHERE id = $1', [id]);
    return r && toKey(r);
  }

  async listAccessKeys(): Promise<AccessKey[]> {
    return (await this.pool.query<KeyRow>('SELECT * FROM access_keys ORDER BY created_at, id')).map(toKey);
  }

  async deleteAccessKey(id: string): Promise<boolean> {
    return (
      (await this.pool.query<{ id: string }>('DELETE FROM access_keys WHERE id = $1 RETURNING id', [id])).length > 0
    );
  }

  async createBucket(b: BucketRecord): Promise<'created' | 'exists'> {
    const rows = await this.pool.query<{ name: string }>(
      `INSERT INTO buckets (name, owner, acl, created_at, region, storage_class, data_redundancy_type, cors)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING name`,
      [b.name, b.owner, b.acl, b.createdAt, b.region, b.storageClass, b.dataRedundancyType, b.cors ?? null],
    );
    return rows.length > 0 ? 'created' : 'exists';
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const [r] = await this.pool.query<BucketRow>('SELECT * FROM buckets WHERE name = $1', [name]);
    return r && toBucket(r);
  }

  async listBuckets(owner?: string): Promise<BucketRecord[]> {
    const rows =
      owner === undefined
        ? await this.pool.query<BucketRow>('SELECT * FROM buckets ORDER BY name')
        : await this.pool.query<BucketRow>('SELECT * FROM buckets WHERE owner = $1 ORDER BY name', [owner]);
    return rows.map(toBucket);
  }

  async updateBucket(name: string, patch: Partial<Pick<BucketRecord, 'acl' | 'cors' | 'versioning'>>): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [name];
    if (patch.versioning !== undefined) {
      params.push(patch.versioning);
      sets.push(`versioning = $${params.length}`);
    }
    if (patch.acl !== undefined) {
      params.push(patch.acl);
      sets.push(`acl = $${params.length}`);
    }
    if ('cors' in patch) {
      params.push(patch.cors ?? null);
      sets.push(`cors = $${params.length}`);
    }
    if (sets.length) await this.pool.query(`UPDATE buckets SET ${sets.join(', ')} WHERE name = $1`, params);
  }

  async deleteBucket(name: string): Promise<'deleted' | 'not-empty' | 'missing'> {
    return this.pool.tx(async (tx) => {
      if (!(await tx.q('SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE', [name])).length) return 'missing' as const;
      if ((await tx.q('SELECT 1 FROM objects WHERE bucket = $1 LIMIT 1', [name])).length) return 'not-empty' as const;
      if ((await tx.q(ANY_VERSION.replace('?', '$1'), [name])).length) return 'not-empty' as const;
      if ((await tx.q('SELECT 1 FROM uploads WHERE bucket = $1 LIMIT 1', [name])).length) return 'not-empty' as const;
      await tx.run('DELETE FROM buckets WHERE name = $1', [name]);
      await tx.run('DELETE FROM bucket_config WHERE bucket = $1', [name]);
      return 'deleted' as const;
    });
  }

  async getBucketConfig(bucket: string, name: string): Promise<string | undefined> {
    const [r] = await this.pool.query<{ value: string }>(
      'SELECT value FROM bucket_config WHERE bucket = $1 AND name = $2',
      [bucket, name],
    );
    return r?.value;
  }

  async putBucketConfig(bucket: string, name: string, value: string | undefined): Promise<void> {
    if (value === undefined) {
      await this.pool.query('DELETE FROM bucket_config WHERE bucket = $1 AND name = $2', [bucket, name]);
      return;
    }
    await this.pool.query(
      `INSERT INTO bucket_config (bucket, name, value) VALUES ($1, $2, $3)
       ON CONFLICT (bucket, name) DO UPDATE SET value = EXCLUDED.value`,
      [bucket, name, value],
    );
  }

  async bucketUsage(bucket: string): Promise<BucketUsage> {
    const rows = await this.pool.query<{ c: string; n: number; bytes: number; lm: number }>(
      // Noncurrent versions take space too (delete markers do not).
      `SELECT storage_class AS c, COUNT(*) AS n, COALESCE(SUM(size), 0)::bigint AS bytes, MAX(last_modified) AS lm FROM (
         SELECT storage_class, size, last_modified FROM objects WHERE bucket = $1
         UNION ALL SELECT storage_class, size, last_modified FROM object_versions WHERE bucket = $1 AND is_delete_marker = 0
       ) v GROUP BY storage_class`,
      [bucket],
    );
    const [u] = await this.pool.query<{ n: number }>('SELECT COUNT(*) AS n FROM uploads WHERE bucket = $1', [bucket]);
    return {
      byClass: rows.map((r) => ({ storageClass: r.c, objects: Number(r.n), bytes: Number(r.bytes) })),
      lastModified: rows.reduce((m, r) => Math.max(m, Number(r.lm)), 0),
      multipartUploads: Number(u?.n ?? 0),
    };
  }

  async listBucketConfig(bucket: string, prefix: string): Promise<{ name: string; value: string }[]> {
    // A prefix match on "C"-collated text: starts_with keeps every byte literal (no LIKE escaping).
    return this.pool.query<{ name: string; value: string }>(
      'SELECT name, value FROM bucket_config WHERE bucket = $1 AND starts_with(name, $2) ORDER BY name',
      [bucket, prefix],
    );
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const [r] = await this.pool.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = $1 AND key = $2`,
      [bucket, key],
    );
    return r && toObject(r);
  }

  async getObjectWithData(bucket: string, key: string): Promise<{ object: ObjectRecord; data?: Buffer } | undefined> {
    // One statement, one snapshot: the record and the bytes it points at, never an overwrite's mix.
    const [r] = await this.pool.query<ObjectRow & { inline_data: Buffer | null }>(
      `SELECT ${OBJECT_COLUMNS.split(', ')
        .map((c) => `o.${c}`)
        .join(', ')}, i.data AS inline_data
       FROM objects o
       LEFT JOIN inline_blobs i ON i.id = (o.segments::json -> 0 ->> 'blob')
       WHERE o.bucket = $1 AND o.key = $2`,
      [bucket, key],
    );
    if (!r) return undefined;
    const object = toObject(r);
    return r.inline_data !== null && object.segments.length === 1 ? { object, data: r.inline_data } : { object };
  }

  async putObject(
    o: ObjectRecord,
    guard?: (existing: ObjectRecord | undefined) => void,
    inline?: InlineBlob,
  ): Promise<Released> {
    return this.pool.tx(async (tx) => {
      const status = await lockKeyVersioning(tx, o.bucket, o.key);
      const old = await readObject(tx, o.bucket, o.key);
      if (guard) guard(old);
      if (status) return runVersionOp(tx, putVersioned('pg', o, status, { inline }));
      return writeObject(tx, o, old, inline);
    });
  }

  async readInline(blob: string, start: number, end: number): Promise<Buffer | undefined> {
    if (!isInlineBlob(blob)) return undefined;
    const [r] = await this.pool.query<{ data: Buffer }>(
      'SELECT substring(data FROM $1 FOR $2) AS data FROM inline_blobs WHERE id = $3',
      [start + 1, end - start + 1, blob],
    );
    return r?.data;
  }

  async deleteObject(
    bucket: string,
    key: string,
    guard?: (existing: ObjectRecord) => boolean,
  ): Promise<Released & { existed: boolean; deleteMarker?: boolean }> {
    return this.pool.tx(async (tx) => {
      const status = await lockKeyVersioning(tx, bucket, key);
      const old = await readObject(tx, bucket, key);
      if (guard && (!old || !guard(old))) return { released: [], existed: false };
      if (status) return runVersionOp(tx, deleteVersioned('pg', bucket, key, status));
      if (!old) return { released: [], existed: false };
      await tx.run('DELETE FROM objects WHERE bucket = $1 AND key = $2', [bucket, key]);
      return {
        released: await release(
          tx,
          old.segments.map((s) => s.blob),
        ),
        existed: true,
      };
    });
  }

  async updateObject(
    bucket: string,
    key: string,
    patch: Partial<Pick<ObjectRecord, 'acl' | 'tags' | 'meta' | 'storageClass'>>,
    versionId?: string,
  ): Promise<boolean> {
    if (versionId !== undefined) {
      return this.pool.tx(async (tx) => {
        await lockKey(tx, bucket, key);
        return runVersionOp(tx, updateVersion(bucket, key, patch, versionId));
      });
    }
    const sets: string[] = [];
    const params: unknown[] = [bucket, key];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (patch.acl !== undefined) set('acl', patch.acl);
    if (patch.tags !== undefined) set('tags', JSON.stringify(patch.tags));
    if (patch.meta !== undefined) set('meta', JSON.stringify(patch.meta));
    if (patch.storageClass !== undefined) set('storage_class', patch.storageClass);
    if (!sets.length) return false;
    // One statement: its row lock orders it with a concurrent overwrite of the same key.
    const rows = await this.pool.query(
      `UPDATE objects SET ${sets.join(', ')} WHERE bucket = $1 AND key = $2 RETURNING 1`,
      params,
    );
    return rows.length > 0;
  }

  listObjects(bucket: string, q: ListObjectsQuery): Promise<ListObjectsResult> {
    return listObjectsPage(this.pool, bucket, q);
  }

  async listObjectSummaries(bucket: string, q: ListObjectsQuery): Promise<ListPage<ObjectSummary>> {
    return listObjectSummariesPage(this.pool, bucket, q);
  }

  async getObjectVersion(bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    return this.readTx((tx) => runVersionOp(tx, getVersion(bucket, key, versionId)));
  }

  async deleteObjectVersion(
    bucket: string,
    key: string,
    versionId: string,
  ): Promise<Released & { found: boolean; deleteMarker: boolean }> {
    return this.pool.tx(async (tx) => {
      await lockKey(tx, bucket, key);
      return runVersionOp(tx, deleteVersion('pg', bucket, key, versionId));
    });
  }

  async replaceVersionSegments(
    bucket: string,
    key: string,
    versionId: string,
    expected: string[],
    segments: Segment[],
  ): Promise<Released | undefined> {
    return this.pool.tx(async (tx) => {
      await lockKey(tx, bucket, key);
      return runVersionOp(tx, replaceVersionSegments('pg', bucket, key, versionId, expected, segments));
    });
  }

  async importObjectVersion(v: ObjectVersion, inline?: InlineBlob): Promise<boolean> {
    return this.pool.tx(async (tx) => {
      await lockKey(tx, v.bucket, v.key);
      return runVersionOp(tx, importVersion('pg', v, inline));
    });
  }

  async listObjectVersions(bucket: string, q: ListVersionsQuery): Promise<ListVersionsResult> {
    return this.readTx((tx) => runVersionOp(tx, listVersions(bucket, q)));
  }

  async listNoncurrentVersions(
    bucket: string,
    q: { prefix: string; after?: VersionCursor; limit: number },
  ): Promise<{ versions: ObjectVersion[]; next?: VersionCursor }> {
    return this.readTx((tx) => runVersionOp(tx, listNoncurrent(bucket, q)));
  }

  async listExpiredDeleteMarkers(
    bucket: string,
    q: { prefix: string; after?: string; limit: number },
  ): Promise<{ markers: ObjectVersion[]; next?: string }> {
    return this.readTx((tx) => runVersionOp(tx, listLoneMarkers(bucket, q)));
  }

  /** Several reads that see one snapshot (REPEATABLE READ, read only). */
  private readTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.pool.tx(async (tx) => {
      await tx.q('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return fn(tx);
    });
  }

  async referencedAmong(blobs: string[]): Promise<Set<string>> {
    if (blobs.length === 0) return new Set();
    // Two primary-key / index probes per id (blob_refs, parts_by_blob): no scan, whatever the store's size.
    const rows = await this.pool.query<{ blob: string }>(
      `SELECT blob FROM blob_refs WHERE blob = ANY($1::text[])
       UNION SELECT blob FROM parts WHERE blob = ANY($1::text[])`,
      [blobs],
    );
    return new Set(rows.map((r) => r.blob));
  }

  async getSetting(name: string): Promise<string | undefined> {
    const [r] = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]);
    return r?.value;
  }

  async putSettingIfAbsent(name: string, value: string): Promise<string> {
    await this.pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [name, value]);
    // A racing first writer's insert made ours do nothing; it has committed (the conflict waited for it).
    const [r] = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]);
    return r.value;
  }

  /**
   * A session-level advisory lock on a connection of its own, held while `fn` runs and unlocked after.
   * If this node dies, PostgreSQL ends its session and the lock with it, so another node can take the job.
   */
  async runExclusive<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    const client = await this.pool.connect();
    // A connection killed while held must not crash the process (pg emits 'error' on the client).
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on('error', onError);
    let locked = false;
    try {
      try {
        const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
          JOB_LOCK_SPACE,
          name,
        ]);
        locked = r.rows[0].locked;
      } catch (err) {
        lost = err instanceof Error ? err : new Error(String(err));
        throw translate(err);
      }
      if (!locked) return undefined;
      return await fn();
    } finally {
      if (locked && !lost) {
        await client
          .query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK_SPACE, name])
          .catch((err: Error) => {
            lost = err;
          });
      }
      client.off('error', onError);
      // A connection that failed is destroyed rather than returned to the pool.
      client.release(lost);
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1', [], 2000);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
