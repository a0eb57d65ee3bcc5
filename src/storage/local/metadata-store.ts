import Database from 'better-sqlite3';
import {
  type BucketRow,
  type KeyRow,
  OBJECT_COLUMNS,
  type ObjectRow,
  objectParams,
  SUMMARY_COLUMNS,
  toBucket,
  toKey,
  toObject,
} from '../rows.js';
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
  type VersioningStatus,
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
  VERSIONING_OF,
  type VersionOp,
} from '../versions.js';
import { GroupCommitter } from './group-commit.js';
import { prefixSuccessor } from './key-order.js';
import { SqliteMultipartStore } from './multipart-store.js';
import { migrate } from './schema.js';

/** How stale (ms) the bucket cache may be with respect to other processes' changes. */
const BUCKET_RECHECK_MS = 100;

/** A row of SUMMARY_COLUMNS in raw mode: key, type, size, etag, last_modified, storage_class. */
type SummaryTuple = [string, ObjectSummary['type'], number, string, number, string];

/** Metadata in SQLite (WAL); writes go through a group committer so concurrent uploads share fsyncs. */
export class SqliteMetadataStore implements MetadataStore {
  readonly db: Database.Database;
  private readonly committer: GroupCommitter;
  readonly multipart: SqliteMultipartStore;

  constructor(file: string, options: { fsync: boolean }) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Commits write the WAL without fsyncing it on the event loop; with fsync the group committer
    // fdatasyncs the WAL off the loop before answering (group-commit.ts).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.committer = new GroupCommitter(this.db, options.fsync ? { walFile: `${file}-wal` } : {});
    this.multipart = new SqliteMultipartStore(this);
  }

  /** Prepared statements by SQL text: preparing on every call was ~8% of a small GET's CPU. */
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * A cached prepared statement. `.iterate()` keeps it busy until the iteration ends or is left, so an
   * iterating caller must not await (or call itself) inside its loop.
   */
  private stmt(sql: string, raw = false): Database.Statement {
    const id = raw ? `raw:${sql}` : sql;
    let st = this.statements.get(id);
    if (!st) {
      // raw: rows come back as arrays of column values.
      st = raw ? this.db.prepare(sql).raw(true) : this.db.prepare(sql);
      this.statements.set(id, st);
    }
    return st;
  }

  /**
   * Bucket records by name (null = no such bucket), read on every request. Cleared by this store's own
   * bucket writes, and when another connection has committed (an `ossd bucket …` command on the same
   * data directory, or the delivery log), which SQLite's data_version tells — checked at most every
   * BUCKET_RECHECK_MS, so another process's bucket change is seen within that time.
   */
  private readonly buckets = new Map<string, BucketRecord | null>();
  private bucketsVersion: unknown;
  private bucketsCheckedAt = Number.NEGATIVE_INFINITY;
  private dataVersion?: Database.Statement;

  private bucketCacheValid(): boolean {
    const now = performance.now();
    if (now - this.bucketsCheckedAt < BUCKET_RECHECK_MS) return true;
    this.bucketsCheckedAt = now;
    this.dataVersion ??= this.db.prepare('PRAGMA data_version').pluck();
    const v = this.dataVersion.get();
    if (v === this.bucketsVersion) return true;
    this.buckets.clear();
    this.configs.clear();
    this.bucketsVersion = v;
    return false;
  }

  /**
   * Bucket configuration documents (policy, Referer, encryption, website, notification rules, …), read on
   * most requests: by bucket, `get:NAME` → value (null = none) and `list:PREFIX` → rows. Same validity as
   * the bucket records (this store's own writes clear a bucket's entries; another connection's commit
   * clears all within BUCKET_RECHECK_MS). Each SQLite read costs two fcntl lock calls (~10 µs here), and a
   * request read up to four of these.
   */
  private readonly configs = new Map<string, Map<string, unknown>>();

  private cachedConfig<T>(bucket: string, entry: string, read: () => T): T {
    const valid = this.bucketCacheValid();
    let forBucket = this.configs.get(bucket);
    if (valid && forBucket?.has(entry)) return forBucket.get(entry) as T;
    const value = read();
    if (!forBucket) {
      if (this.configs.size >= 10_000) this.configs.clear();
      forBucket = new Map();
      this.configs.set(bucket, forBucket);
    }
    forBucket.set(entry, value);
    return value;
  }

  /** Runs a write in the next group commit. */
  write<T>(fn: () => T): Promise<T> {
    return this.committer.run(fn);
  }

  async ensureAccount(id: string, name: string): Promise<Account> {
    return this.write(() => {
      this.stmt('INSERT OR IGNORE INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(id, name, Date.now());
      const r = this.stmt('SELECT id, name, created_at FROM accounts WHERE id = ?').get(id) as {
        id: string;
        name: string;
        created_at: number;
      };
      return { id: r.id, name: r.name, createdAt: r.created_at };
    });
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const r = this.stmt('SELECT id, name, created_at FROM accounts WHERE id = ?').get(id) as
      | { id: string; name: string; created_at: number }
      | undefined;
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async putAccessKey(key: AccessKey): Promise<void> {
    await this.write(() =>
      this.stmt(
        'INSERT OR REPLACE INTO access_keys (id, secret, account_id, created_at, security_token, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(key.id, key.secret, key.accountId, key.createdAt, key.securityToken ?? null, key.expiresAt ?? null),
    );
  }

  async getAccessKey(id: string): Promise<AccessKey | undefined> {
    const r = this.stmt('SELECT * FROM access_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return r && toKey(r);
  }

  async listAccessKeys(): Promise<AccessKey[]> {
    const rows = this.stmt('SELECT * FROM access_keys ORDER BY created_at').all() as Parameters<typeof toKey>[0][];
    return rows.map(toKey);
  }

  async deleteAccessKey(id: string): Promise<boolean> {
    return this.write(() => this.stmt('DELETE FROM access_keys WHERE id = ?').run(id).changes > 0);
  }

  async createBucket(b: BucketRecord): Promise<'created' | 'exists'> {
    return this.write(() => {
      this.buckets.clear();
      const r = this.stmt(
        'INSERT OR IGNORE INTO buckets (name, owner, acl, created_at, region, storage_class, data_redundancy_type, cors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(b.name, b.owner, b.acl, b.createdAt, b.region, b.storageClass, b.dataRedundancyType, b.cors ?? null);
      return r.changes > 0 ? 'created' : 'exists';
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    if (this.bucketCacheValid()) {
      const cached = this.buckets.get(name);
      if (cached !== undefined) return cached === null ? undefined : { ...cached };
    }
    const r = this.stmt('SELECT * FROM buckets WHERE name = ?').get(name) as BucketRow | undefined;
    const record = r && toBucket(r);
    if (this.buckets.size >= 10_000) this.buckets.clear();
    this.buckets.set(name, record ?? null);
    return record && { ...record };
  }

  async listBuckets(owner?: string): Promise<BucketRecord[]> {
    const rows = (
      owner === undefined
        ? this.stmt('SELECT * FROM buckets ORDER BY name').all()
        : this.stmt('SELECT * FROM buckets WHERE owner = ? ORDER BY name').all(owner)
    ) as BucketRow[];
    return rows.map(toBucket);
  }

  async updateBucket(name: string, patch: Partial<Pick<BucketRecord, 'acl' | 'cors' | 'versioning'>>): Promise<void> {
    await this.write(() => {
      this.buckets.clear();
      if (patch.versioning !== undefined)
        this.stmt('UPDATE buckets SET versioning = ? WHERE name = ?').run(patch.versioning, name);
      if (patch.acl !== undefined) this.stmt('UPDATE buckets SET acl = ? WHERE name = ?').run(patch.acl, name);
      if ('cors' in patch) this.stmt('UPDATE buckets SET cors = ? WHERE name = ?').run(patch.cors ?? null, name);
    });
  }

  async deleteBucket(name: string): Promise<'deleted' | 'not-empty' | 'missing'> {
    return this.write(() => {
      this.buckets.clear();
      if (!this.stmt('SELECT 1 FROM buckets WHERE name = ?').get(name)) return 'missing';
      if (this.stmt('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(name)) return 'not-empty';
      if (this.stmt(ANY_VERSION).get(name)) return 'not-empty';
      if (this.stmt('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1').get(name)) return 'not-empty';
      this.stmt('DELETE FROM buckets WHERE name = ?').run(name);
      this.stmt('DELETE FROM bucket_config WHERE bucket = ?').run(name);
      this.configs.delete(name);
      return 'deleted';
    });
  }

  async getBucketConfig(bucket: string, name: string): Promise<string | undefined> {
    return this.cachedConfig(
      bucket,
      `get:${name}`,
      () =>
        this.stmt('SELECT value FROM bucket_config WHERE bucket = ? AND name = ?').pluck().get(bucket, name) as
          | string
          | undefined,
    );
  }

  async putBucketConfig(bucket: string, name: string, value: string | undefined): Promise<void> {
    await this.write(() => {
      this.configs.delete(bucket);
      if (value === undefined) this.stmt('DELETE FROM bucket_config WHERE bucket = ? AND name = ?').run(bucket, name);
      else
        this.stmt('INSERT OR REPLACE INTO bucket_config (bucket, name, value) VALUES (?, ?, ?)').run(
          bucket,
          name,
          value,
        );
    });
  }

  async bucketUsage(bucket: string): Promise<BucketUsage> {
    const rows = this.stmt(
      // Noncurrent versions take space too (delete markers do not).
      `SELECT storage_class AS c, COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes, MAX(last_modified) AS lm FROM (
         SELECT storage_class, size, last_modified FROM objects WHERE bucket = ?
         UNION ALL SELECT storage_class, size, last_modified FROM object_versions WHERE bucket = ? AND is_delete_marker = 0
       ) GROUP BY storage_class`,
    ).all(bucket, bucket) as { c: string; n: number; bytes: number; lm: number }[];
    const uploads = this.stmt('SELECT COUNT(*) FROM uploads WHERE bucket = ?').pluck().get(bucket) as number;
    return {
      byClass: rows.map((r) => ({ storageClass: r.c, objects: r.n, bytes: r.bytes })),
      lastModified: rows.reduce((m, r) => Math.max(m, r.lm), 0),
      multipartUploads: uploads,
    };
  }

  async listBucketConfig(bucket: string, prefix: string): Promise<{ name: string; value: string }[]> {
    const rows = this.cachedConfig(bucket, `list:${prefix}`, () => this.listBucketConfigUncached(bucket, prefix));
    return rows.map((r) => ({ ...r }));
  }

  private listBucketConfigUncached(bucket: string, prefix: string): { name: string; value: string }[] {
    const upper = prefixSuccessor(prefix);
    const rows = (
      upper
        ? this.stmt(
            'SELECT name, value FROM bucket_config WHERE bucket = ? AND name >= ? AND name < ? ORDER BY name',
          ).all(bucket, prefix, upper)
        : this.stmt('SELECT name, value FROM bucket_config WHERE bucket = ? AND name >= ? ORDER BY name').all(
            bucket,
            prefix,
          )
    ) as { name: string; value: string }[];
    return rows;
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const r = this.stmt('SELECT * FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as ObjectRow | undefined;
    return r && toObject(r);
  }

  async getObjectWithData(bucket: string, key: string): Promise<{ object: ObjectRecord; data?: Buffer } | undefined> {
    const r = this.stmt(
      // The first segment's blob id read by position, not with json_extract (which cost ~9 µs a GET):
      // segments are written by JSON.stringify with `blob` first, and an inline id is 33 characters
      // (isInlineBlob). A row of any other shape just does not join; its bytes are then read by id.
      `SELECT o.*, i.data AS inline_data FROM objects o
         LEFT JOIN inline_blobs i ON substr(o.segments, 1, 10) = '[{"blob":"' AND substr(o.segments, 44, 1) = '"'
           AND i.id = substr(o.segments, 11, 33)
       WHERE o.bucket = ? AND o.key = ?`,
    ).get(bucket, key) as (ObjectRow & { inline_data: Buffer | null }) | undefined;
    if (!r) return undefined;
    const object = toObject(r);
    return r.inline_data !== null && object.segments.length === 1 ? { object, data: r.inline_data } : { object };
  }

  /** Synchronous read for use inside write transactions. */
  getObjectSync(bucket: string, key: string): ObjectRecord | undefined {
    const r = this.stmt('SELECT * FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as ObjectRow | undefined;
    return r && toObject(r);
  }

  /** Deletes the inline blobs among `blobs` (inside a write) and returns the file blobs, for the caller to delete. */
  releaseSync(blobs: string[]): string[] {
    const files: string[] = [];
    for (const b of blobs) {
      if (isInlineBlob(b)) this.stmt('DELETE FROM inline_blobs WHERE id = ?').run(b);
      else {
        this.stmt('DELETE FROM blob_refs WHERE blob = ?').run(b);
        files.push(b);
      }
    }
    return files;
  }

  /** Runs a versioning operation (storage/versions.ts) synchronously: inside a write, or as a read. */
  runSync<T>(op: VersionOp<T>): T {
    let step = op.next([]);
    while (!step.done) {
      const st = this.stmt(step.value.sql);
      const params = step.value.params;
      let rows: unknown[] = [];
      if (st.reader) rows = st.all(...params);
      else st.run(...params);
      step = op.next(rows);
    }
    return step.value;
  }

  /** The bucket's versioning status as committed (read inside a write, so it orders with the write). */
  versioningSync(bucket: string): VersioningStatus | undefined {
    const v = this.stmt(VERSIONING_OF).pluck().get(bucket) as string | null | undefined;
    return v === 'Enabled' || v === 'Suspended' ? v : undefined;
  }

  putObjectSync(o: ObjectRecord, inline?: InlineBlob, options: { append?: boolean } = {}): Released {
    const status = this.versioningSync(o.bucket);
    if (status) return this.runSync(putVersioned('sqlite', o, status, { ...options, inline }));
    // A bucket never versioned has only null versions (a record copied from elsewhere may carry an id).
    o.versionId = undefined;
    const old = this.getObjectSync(o.bucket, o.key);
    if (inline) this.stmt('INSERT INTO inline_blobs (id, data) VALUES (?, ?)').run(inline.blob, inline.data);
    this.stmt(
      `INSERT OR REPLACE INTO objects (${OBJECT_COLUMNS}) VALUES (${OBJECT_COLUMNS.replace(/[a-z0-9_]+/g, '?')})`,
    ).run(...objectParams(o));
    for (const seg of o.segments) {
      if (!isInlineBlob(seg.blob)) this.stmt('INSERT OR IGNORE INTO blob_refs (blob) VALUES (?)').run(seg.blob);
    }
    const keep = new Set(o.segments.map((s) => s.blob));
    return { released: old ? this.releaseSync(old.segments.map((s) => s.blob).filter((b) => !keep.has(b))) : [] };
  }

  async putObject(
    o: ObjectRecord,
    guard?: (existing: ObjectRecord | undefined) => void,
    inline?: InlineBlob,
  ): Promise<Released> {
    return this.write(() => {
      if (guard) guard(this.getObjectSync(o.bucket, o.key));
      return this.putObjectSync(o, inline);
    });
  }

  async readInline(blob: string, start: number, end: number): Promise<Buffer | undefined> {
    const r = this.stmt('SELECT substr(data, ?, ?) AS data FROM inline_blobs WHERE id = ?').get(
      start + 1,
      end - start + 1,
      blob,
    ) as { data: Buffer } | undefined;
    return r?.data;
  }

  async deleteObject(
    bucket: string,
    key: string,
    guard?: (existing: ObjectRecord) => boolean,
  ): Promise<Released & { existed: boolean; deleteMarker?: boolean }> {
    return this.write(() => {
      const old = this.getObjectSync(bucket, key);
      if (guard && (!old || !guard(old))) return { released: [], existed: false };
      const status = this.versioningSync(bucket);
      if (status) return this.runSync(deleteVersioned('sqlite', bucket, key, status));
      if (!old) return { released: [], existed: false };
      this.stmt('DELETE FROM objects WHERE bucket = ? AND key = ?').run(bucket, key);
      return { released: this.releaseSync(old.segments.map((s) => s.blob)), existed: true };
    });
  }

  async updateObject(
    bucket: string,
    key: string,
    patch: Partial<Pick<ObjectRecord, 'acl' | 'tags' | 'meta' | 'storageClass'>>,
    versionId?: string,
  ): Promise<boolean> {
    return this.write(() => {
      if (versionId !== undefined) return this.runSync(updateVersion(bucket, key, patch, versionId));
      let changes = 0;
      if (patch.storageClass !== undefined)
        changes += this.stmt('UPDATE objects SET storage_class = ? WHERE bucket = ? AND key = ?').run(
          patch.storageClass,
          bucket,
          key,
        ).changes;
      if (patch.acl !== undefined)
        changes += this.stmt('UPDATE objects SET acl = ? WHERE bucket = ? AND key = ?').run(
          patch.acl,
          bucket,
          key,
        ).changes;
      if (patch.tags !== undefined)
        changes += this.stmt('UPDATE objects SET tags = ? WHERE bucket = ? AND key = ?').run(
          JSON.stringify(patch.tags),
          bucket,
          key,
        ).changes;
      if (patch.meta !== undefined)
        changes += this.stmt('UPDATE objects SET meta = ? WHERE bucket = ? AND key = ?').run(
          JSON.stringify(patch.meta),
          bucket,
          key,
        ).changes;
      return changes > 0;
    });
  }

  async listObjects(bucket: string, q: ListObjectsQuery): Promise<ListObjectsResult> {
    return this.scanObjects<ObjectRow, ObjectRecord>(bucket, q, {
      columns: '*',
      raw: false,
      keyOf: (row) => row.key,
      map: toObject,
    });
  }

  async listObjectSummaries(bucket: string, q: ListObjectsQuery): Promise<ListPage<ObjectSummary>> {
    // Rows as arrays (better-sqlite3's raw mode): no object per row before the summary itself.
    return this.scanObjects<SummaryTuple, ObjectSummary>(bucket, q, {
      columns: SUMMARY_COLUMNS,
      raw: true,
      keyOf: (row) => row[0],
      map: (r) => ({ key: r[0], type: r[1], size: r[2], etag: r[3], lastModified: r[4], storageClass: r[5] }),
    });
  }

  /** One listing page, reading `columns` of each row (they include `key`) and mapping rows with `map`. */
  private scanObjects<R, T>(
    bucket: string,
    q: ListObjectsQuery,
    how: { columns: string; raw: boolean; keyOf: (row: R) => string; map: (row: R) => T },
  ): ListPage<T> {
    const objects: T[] = [];
    const commonPrefixes: string[] = [];
    const upper = q.prefix ? prefixSuccessor(q.prefix) : undefined;
    // Keys sort by UTF-8 bytes (SQLite BINARY), which differs from JS's UTF-16 `<` above U+FFFF.
    const afterVsPrefix = Buffer.compare(Buffer.from(q.after, 'utf8'), Buffer.from(q.prefix, 'utf8'));
    let lower = afterVsPrefix > 0 ? q.after : q.prefix;
    let lowerInclusive = q.after === '' || afterVsPrefix < 0;
    const batch = Math.min(q.maxKeys + 1, 1001);
    let last: string | undefined;
    const total = () => objects.length + commonPrefixes.length;
    for (;;) {
      // Rows are read lazily: after a common prefix the scan restarts past it, so only the rows used are
      // fetched (leaving the loop resets the statement). Reading a whole batch per common prefix made a
      // delimiter listing of a large bucket's root read ~1000 rows per prefix.
      const sql = `SELECT ${how.columns} FROM objects WHERE bucket = ? AND key ${lowerInclusive ? '>=' : '>'} ? ${upper ? 'AND key < ?' : ''} ORDER BY key LIMIT ?`;
      const rows = this.stmt(sql, how.raw).iterate(
        ...(upper ? [bucket, lower, upper, batch] : [bucket, lower, batch]),
      ) as IterableIterator<R>;
      let seen = 0;
      for (const row of rows) {
        seen++;
        const key = how.keyOf(row);
        if (q.delimiter) {
          const idx = key.indexOf(q.delimiter, q.prefix.length);
          if (idx >= 0) {
            const cp = key.slice(0, idx + q.delimiter.length);
            if (total() >= q.maxKeys) return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
            if (cp !== q.after) {
              commonPrefixes.push(cp);
              last = cp;
            }
            // Skip every key under this common prefix ('' = no greater string: nothing follows).
            lower = prefixSuccessor(cp);
            if (lower === '') return { objects, commonPrefixes, isTruncated: false };
            lowerInclusive = true;
            break;
          }
        }
        if (total() >= q.maxKeys) return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
        objects.push(how.map(row));
        last = key;
        lower = key;
        lowerInclusive = false;
      }
      if (seen === 0) return { objects, commonPrefixes, isTruncated: false };
    }
  }

  async getObjectVersion(bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    return this.runSync(getVersion(bucket, key, versionId));
  }

  async deleteObjectVersion(
    bucket: string,
    key: string,
    versionId: string,
  ): Promise<Released & { found: boolean; deleteMarker: boolean }> {
    return this.write(() => this.runSync(deleteVersion('sqlite', bucket, key, versionId)));
  }

  async replaceVersionSegments(
    bucket: string,
    key: string,
    versionId: string,
    expected: string[],
    segments: Segment[],
  ): Promise<Released | undefined> {
    return this.write(() => this.runSync(replaceVersionSegments('sqlite', bucket, key, versionId, expected, segments)));
  }

  async importObjectVersion(v: ObjectVersion, inline?: InlineBlob): Promise<boolean> {
    return this.write(() => this.runSync(importVersion('sqlite', v, inline)));
  }

  async listObjectVersions(bucket: string, q: ListVersionsQuery): Promise<ListVersionsResult> {
    // One read transaction: the merged scan of both tables sees one snapshot.
    return this.db.transaction(() => this.runSync(listVersions(bucket, q)))();
  }

  async listNoncurrentVersions(
    bucket: string,
    q: { prefix: string; after?: VersionCursor; limit: number },
  ): Promise<{ versions: ObjectVersion[]; next?: VersionCursor }> {
    return this.runSync(listNoncurrent(bucket, q));
  }

  async listExpiredDeleteMarkers(
    bucket: string,
    q: { prefix: string; after?: string; limit: number },
  ): Promise<{ markers: ObjectVersion[]; next?: string }> {
    return this.runSync(listLoneMarkers(bucket, q));
  }

  async referencedAmong(blobs: string[]): Promise<Set<string>> {
    const ids = JSON.stringify(blobs);
    const rows = this.stmt(
      `SELECT blob FROM blob_refs WHERE blob IN (SELECT value FROM json_each(@ids))
       UNION SELECT blob FROM parts WHERE blob IN (SELECT value FROM json_each(@ids))`,
    )
      .pluck()
      .all({ ids }) as string[];
    return new Set(rows);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.stmt('SELECT value FROM settings WHERE name = ?').pluck().get(name) as string | undefined;
  }

  async putSettingIfAbsent(name: string, value: string): Promise<string> {
    return this.write(() => {
      this.stmt('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(name, value);
      return this.stmt('SELECT value FROM settings WHERE name = ?').pluck().get(name) as string;
    });
  }

  /** One process owns an embedded data directory (the serve lock), so there is no other node to exclude. */
  async runExclusive<T>(_name: string, fn: () => Promise<T>): Promise<T | undefined> {
    return fn();
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.committer.close();
    this.db.close();
  }
}
