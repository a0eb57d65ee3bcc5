/**
 * Object versioning, written once for every metadata store. The current version of a key stays in
 * `objects` (so listing and reading current objects cost what they cost without versioning); noncurrent
 * versions and delete markers live in `object_versions`, ordered within a key by `seq` (the order they
 * entered that table, which is their age order: a version enters it only when a newer one is written).
 *
 * Invariants, per key: an `objects` row is always the latest version; with no `objects` row, the newest
 * `object_versions` row (if any) is a delete marker — the latest — whose `noncurrent_since` is NULL; every
 * other `object_versions` row is noncurrent, with `noncurrent_since` set. At most one `null` version.
 * A blob may be shared by versions of one key (CopyObject onto itself keeps the bytes), so a blob is
 * released only when no version of its key references it any more.
 *
 * The operations are generators that yield SQL (with `?` placeholders) and receive the rows: the SQLite
 * store runs them synchronously inside its group commit, the PostgreSQL store inside a transaction.
 */

import { OBJECT_COLUMNS, type ObjectRow, objectParams, toObject, toVersion, type VersionRow } from './rows.js';
import {
  type InlineBlob,
  isInlineBlob,
  type ListVersionsQuery,
  type ListVersionsResult,
  type ObjectRecord,
  type ObjectVersion,
  type Released,
  type Segment,
  type VersionCursor,
  type VersioningStatus,
} from './types.js';
import { newVersionId } from './version-id.js';

export interface VersionQuery {
  sql: string;
  params: unknown[];
}

/** A versioning operation: yields statements, receives each one's rows ([] for writes). */
export type VersionOp<T> = Generator<VersionQuery, T, unknown[]>;

export type Dialect = 'sqlite' | 'pg';

function* q<R>(sql: string, params: unknown[]): Generator<VersionQuery, R[], unknown[]> {
  return (yield { sql, params }) as R[];
}

/** `?` placeholders as PostgreSQL's `$n` (no statement here has a `?` inside a literal). */
export function pgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The seq the current object sorts with: above every stored one (seq values stay below 2^53). */
const CURRENT_SEQ = Number.MAX_SAFE_INTEGER;

const COLS = OBJECT_COLUMNS.split(', ');
const VERSION_COLUMNS = `${OBJECT_COLUMNS}, is_delete_marker, noncurrent_since`;
const FROM_CURRENT = COLS.map((c) => (c === 'version_id' ? "COALESCE(version_id, 'null')" : c)).join(', ');
const FROM_VERSION = COLS.map((c) => (c === 'version_id' ? "NULLIF(version_id, 'null')" : c)).join(', ');
const OBJECT_PLACEHOLDERS = COLS.map(() => '?').join(', ');
const UPSERT_OBJECT: Record<Dialect, string> = {
  sqlite: `INSERT OR REPLACE INTO objects (${OBJECT_COLUMNS}) VALUES (${OBJECT_PLACEHOLDERS})`,
  pg: `INSERT INTO objects (${OBJECT_COLUMNS}) VALUES (${OBJECT_PLACEHOLDERS}) ON CONFLICT (bucket, key) DO UPDATE SET ${COLS.slice(
    2,
  )
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`,
};

export const VERSIONING_OF = 'SELECT versioning FROM buckets WHERE name = ?';

function* current(bucket: string, key: string): VersionOp<ObjectRecord | undefined> {
  const [r] = yield* q<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?`, [bucket, key]);
  return r && toObject(r);
}

function* newest(bucket: string, key: string): VersionOp<VersionRow | undefined> {
  const [r] = yield* q<VersionRow>(
    `SELECT seq, ${VERSION_COLUMNS} FROM object_versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1`,
    [bucket, key],
  );
  return r;
}

function* byId(bucket: string, key: string, versionId: string): VersionOp<VersionRow | undefined> {
  const [r] = yield* q<VersionRow>(
    `SELECT seq, ${VERSION_COLUMNS} FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?`,
    [bucket, key, versionId],
  );
  return r;
}

/** The current object becomes a noncurrent version (its blobs stay referenced). */
function* moveCurrentToHistory(bucket: string, key: string, now: number): VersionOp<void> {
  yield* q(
    `INSERT INTO object_versions (${VERSION_COLUMNS}) SELECT ${FROM_CURRENT}, 0, ? FROM objects WHERE bucket = ? AND key = ?`,
    [now, bucket, key],
  );
  yield* q('DELETE FROM objects WHERE bucket = ? AND key = ?', [bucket, key]);
}

/** A latest delete marker stops being the latest (a version is being written over it). */
function* markLatestNoncurrent(bucket: string, key: string, now: number): VersionOp<void> {
  const top = yield* newest(bucket, key);
  if (top && top.noncurrent_since === null) {
    yield* q('UPDATE object_versions SET noncurrent_since = ? WHERE seq = ?', [now, top.seq]);
  }
}

/** Removes the key's noncurrent `null` version, if any; returns its blobs (to release). */
function* dropNullFromHistory(bucket: string, key: string): VersionOp<string[]> {
  const row = yield* byId(bucket, key, 'null');
  if (!row) return [];
  yield* q('DELETE FROM object_versions WHERE seq = ?', [row.seq]);
  return toObject(row).segments.map((s) => s.blob);
}

/**
 * After a version was removed: when the key has no current object, the newest remaining version becomes
 * the latest (an object moves back into `objects`; a delete marker stays where it is, latest again).
 */
function* promoteNewest(bucket: string, key: string): VersionOp<void> {
  if (yield* current(bucket, key)) return;
  const top = yield* newest(bucket, key);
  if (!top) return;
  if (top.is_delete_marker === 1 || top.is_delete_marker === true) {
    if (top.noncurrent_since !== null) {
      yield* q('UPDATE object_versions SET noncurrent_since = NULL WHERE seq = ?', [top.seq]);
    }
    return;
  }
  yield* q(`INSERT INTO objects (${OBJECT_COLUMNS}) SELECT ${FROM_VERSION} FROM object_versions WHERE seq = ?`, [
    top.seq,
  ]);
  yield* q('DELETE FROM object_versions WHERE seq = ?', [top.seq]);
}

/**
 * Releases the blobs among `blobs` that no version of the key references any more: deletes inline ones
 * and forgets file ones' references; returns the file blobs, for the caller to delete after the commit.
 */
function* releaseUnshared(d: Dialect, bucket: string, key: string, blobs: string[]): VersionOp<string[]> {
  const files: string[] = [];
  const find = d === 'sqlite' ? 'instr(segments, ?) > 0' : 'strpos(segments, ?) > 0';
  for (const b of new Set(blobs)) {
    const used = yield* q(
      `SELECT 1 AS u FROM objects WHERE bucket = ? AND key = ? AND ${find}
       UNION ALL SELECT 1 AS u FROM object_versions WHERE bucket = ? AND key = ? AND ${find}`,
      [bucket, key, b, bucket, key, b],
    );
    if (used.length > 0) continue;
    if (isInlineBlob(b)) yield* q('DELETE FROM inline_blobs WHERE id = ?', [b]);
    else {
      yield* q('DELETE FROM blob_refs WHERE blob = ?', [b]);
      files.push(b);
    }
  }
  return files;
}

function* insertCurrent(d: Dialect, o: ObjectRecord): VersionOp<void> {
  yield* q(UPSERT_OBJECT[d], objectParams(o));
  for (const seg of o.segments) {
    if (isInlineBlob(seg.blob)) continue;
    yield* q(
      d === 'sqlite'
        ? 'INSERT OR IGNORE INTO blob_refs (blob) VALUES (?)'
        : 'INSERT INTO blob_refs (blob) VALUES (?) ON CONFLICT DO NOTHING',
      [seg.blob],
    );
  }
}

/**
 * Writes `o` as the key's new current version on a versioned bucket (the caller ran its guard).
 * `append`: AppendObject onto the current appendable object, which keeps its version (OSS makes no
 * previous version for appends); otherwise the current version becomes noncurrent — or, Suspended, a
 * `null` current version is replaced, and a noncurrent `null` version is removed.
 */
export function* putVersioned(
  d: Dialect,
  o: ObjectRecord,
  status: VersioningStatus,
  options: { append?: boolean; inline?: InlineBlob; now?: number } = {},
): VersionOp<Released> {
  const now = options.now ?? Date.now();
  const old = yield* current(o.bucket, o.key);
  if (options.inline)
    yield* q('INSERT INTO inline_blobs (id, data) VALUES (?, ?)', [options.inline.blob, options.inline.data]);
  const candidates: string[] = [];
  if (options.append && old) {
    o.versionId = old.versionId;
    candidates.push(...old.segments.map((s) => s.blob));
  } else {
    o.versionId = status === 'Enabled' ? newVersionId() : undefined;
    if (old) {
      if (status === 'Suspended' && old.versionId === undefined) candidates.push(...old.segments.map((s) => s.blob));
      else yield* moveCurrentToHistory(o.bucket, o.key, now);
    } else yield* markLatestNoncurrent(o.bucket, o.key, now);
    if (status === 'Suspended') candidates.push(...(yield* dropNullFromHistory(o.bucket, o.key)));
  }
  yield* insertCurrent(d, o);
  const released = yield* releaseUnshared(d, o.bucket, o.key, candidates);
  return { released, versionId: o.versionId ?? 'null' };
}

/** A delete marker record (no data). */
function marker(bucket: string, key: string, versionId: string, now: number): ObjectRecord {
  return {
    bucket,
    key,
    type: 'Normal',
    size: 0,
    etag: '',
    crc64: '0',
    lastModified: now,
    acl: 'default',
    storageClass: 'Standard',
    contentType: '',
    meta: {},
    tags: {},
    segments: [],
    versionId,
  };
}

/** DeleteObject without a version on a versioned bucket: a delete marker becomes the latest version. */
export function* deleteVersioned(
  d: Dialect,
  bucket: string,
  key: string,
  status: VersioningStatus,
  now = Date.now(),
): VersionOp<Released & { existed: boolean; deleteMarker: boolean }> {
  const old = yield* current(bucket, key);
  const candidates: string[] = [];
  if (old) {
    if (status === 'Suspended' && old.versionId === undefined) {
      candidates.push(...old.segments.map((s) => s.blob));
      yield* q('DELETE FROM objects WHERE bucket = ? AND key = ?', [bucket, key]);
    } else yield* moveCurrentToHistory(bucket, key, now);
  } else yield* markLatestNoncurrent(bucket, key, now);
  if (status === 'Suspended') candidates.push(...(yield* dropNullFromHistory(bucket, key)));
  const versionId = status === 'Enabled' ? newVersionId() : 'null';
  yield* q(`INSERT INTO object_versions (${VERSION_COLUMNS}) VALUES (${OBJECT_PLACEHOLDERS}, 1, NULL)`, [
    ...objectParams(marker(bucket, key, versionId, now)),
  ]);
  const released = yield* releaseUnshared(d, bucket, key, candidates);
  return { released, existed: old !== undefined, deleteMarker: true, versionId };
}

/** Permanently deletes one version ('null' = the null version); works on any bucket. */
export function* deleteVersion(
  d: Dialect,
  bucket: string,
  key: string,
  versionId: string,
): VersionOp<Released & { found: boolean; deleteMarker: boolean }> {
  const cur = yield* current(bucket, key);
  let blobs: string[];
  let deleteMarker = false;
  if (cur && (cur.versionId ?? 'null') === versionId) {
    blobs = cur.segments.map((s) => s.blob);
    yield* q('DELETE FROM objects WHERE bucket = ? AND key = ?', [bucket, key]);
  } else {
    const row = yield* byId(bucket, key, versionId);
    if (!row) return { released: [], found: false, deleteMarker: false };
    deleteMarker = row.is_delete_marker === 1 || row.is_delete_marker === true;
    blobs = toObject(row).segments.map((s) => s.blob);
    yield* q('DELETE FROM object_versions WHERE seq = ?', [row.seq]);
  }
  yield* promoteNewest(bucket, key);
  const released = yield* releaseUnshared(d, bucket, key, blobs);
  return { released, found: true, deleteMarker, versionId };
}

/** One version, or the latest (current object or delete marker) when `versionId` is undefined. */
export function* getVersion(bucket: string, key: string, versionId?: string): VersionOp<ObjectVersion | undefined> {
  const cur = yield* current(bucket, key);
  if (cur && (versionId === undefined || (cur.versionId ?? 'null') === versionId)) {
    return { ...cur, deleteMarker: false, isLatest: true };
  }
  if (versionId === undefined) {
    if (cur) return undefined;
    const top = yield* newest(bucket, key);
    return top && toVersion(top, true);
  }
  const row = yield* byId(bucket, key, versionId);
  if (!row) return undefined;
  return toVersion(row, !cur && row.noncurrent_since === null);
}

/** ACL / tags / meta / storage class (lifecycle) of one version (not of a delete marker). */
export function* updateVersion(
  bucket: string,
  key: string,
  patch: { acl?: string; tags?: Record<string, string>; meta?: Record<string, string>; storageClass?: string },
  versionId: string,
): VersionOp<boolean> {
  const cur = yield* current(bucket, key);
  const inCurrent = cur !== undefined && (cur.versionId ?? 'null') === versionId;
  if (!inCurrent && !(yield* byId(bucket, key, versionId))) return false;
  const sets: string[] = [];
  const params: unknown[] = [];
  if (patch.acl !== undefined) {
    sets.push('acl = ?');
    params.push(patch.acl);
  }
  if (patch.tags !== undefined) {
    sets.push('tags = ?');
    params.push(JSON.stringify(patch.tags));
  }
  if (patch.meta !== undefined) {
    sets.push('meta = ?');
    params.push(JSON.stringify(patch.meta));
  }
  if (patch.storageClass !== undefined) {
    sets.push('storage_class = ?');
    params.push(patch.storageClass);
  }
  if (sets.length === 0) return false;
  if (inCurrent)
    yield* q(`UPDATE objects SET ${sets.join(', ')} WHERE bucket = ? AND key = ?`, [...params, bucket, key]);
  else {
    const row = yield* byId(bucket, key, versionId);
    if (!row || row.is_delete_marker === 1 || row.is_delete_marker === true) return false;
    yield* q(`UPDATE object_versions SET ${sets.join(', ')} WHERE seq = ?`, [...params, row.seq]);
  }
  return true;
}

/**
 * Re-encryption: gives one version (the current object when `versionId` is its id, else a noncurrent
 * version) new `segments` — same bytes under another key — if its segments are still the blobs
 * `expected`; the version keeps its id, place and every other field. Works on any bucket ('null' = the
 * null version). Undefined when the version is gone or changed; else the blobs no longer referenced.
 */
export function* replaceVersionSegments(
  d: Dialect,
  bucket: string,
  key: string,
  versionId: string,
  expected: string[],
  segments: Segment[],
): VersionOp<Released | undefined> {
  const cur = yield* current(bucket, key);
  const inCurrent = cur !== undefined && (cur.versionId ?? 'null') === versionId;
  const row = inCurrent ? undefined : yield* byId(bucket, key, versionId);
  const old = inCurrent
    ? cur.segments
    : row && !(row.is_delete_marker === 1 || row.is_delete_marker === true)
      ? toVersion(row, false).segments
      : undefined;
  if (!old || old.length !== expected.length || old.some((seg, i) => seg.blob !== expected[i])) return undefined;
  const json = JSON.stringify(segments);
  if (inCurrent) yield* q('UPDATE objects SET segments = ? WHERE bucket = ? AND key = ?', [json, bucket, key]);
  else yield* q('UPDATE object_versions SET segments = ? WHERE seq = ?', [json, row?.seq]);
  for (const seg of segments) {
    if (isInlineBlob(seg.blob)) continue;
    yield* q(
      d === 'sqlite'
        ? 'INSERT OR IGNORE INTO blob_refs (blob) VALUES (?)'
        : 'INSERT INTO blob_refs (blob) VALUES (?) ON CONFLICT DO NOTHING',
      [seg.blob],
    );
  }
  return {
    released: yield* releaseUnshared(
      d,
      bucket,
      key,
      old.map((seg) => seg.blob),
    ),
  };
}

/** Whether a bucket holds any noncurrent version or delete marker. */
export const ANY_VERSION = 'SELECT 1 AS v FROM object_versions WHERE bucket = ? LIMIT 1';

/** The least string greater than every string starting with `prefix` ('' when there is none). */
function successor(prefix: string): string {
  const cps = [...prefix];
  while (cps.length) {
    const last = cps.pop() as string;
    const cp = last.codePointAt(0) as number;
    if (cp < 0x10ffff) {
      // Skip the surrogate range, which has no UTF-8 encoding.
      const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1;
      return cps.join('') + String.fromCodePoint(next);
    }
  }
  return '';
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** ListObjectVersions: `objects` and `object_versions` merged in (key, newest first) order. */
export function* listVersions(bucket: string, query: ListVersionsQuery): VersionOp<ListVersionsResult> {
  const versions: ObjectVersion[] = [];
  const commonPrefixes: string[] = [];
  const upper = query.prefix ? successor(query.prefix) : '';
  // Position: rows with key > lowKey, or key = lowKey and seq < lowSeq (lowSeq CURRENT_SEQ + 1 = all of it).
  let lowKey = query.keyMarker;
  let lowSeq = 0;
  let midKey: string | undefined;
  if (query.keyMarker !== '' && query.versionIdMarker !== '') {
    const cur = yield* current(bucket, query.keyMarker);
    if (cur && (cur.versionId ?? 'null') === query.versionIdMarker) lowSeq = CURRENT_SEQ;
    else {
      const row = yield* byId(bucket, query.keyMarker, query.versionIdMarker);
      if (row) lowSeq = Number(row.seq);
    }
    if (lowSeq > 0) midKey = query.keyMarker;
  }
  if (utf8Compare(query.prefix, lowKey) > 0) {
    lowKey = query.prefix;
    lowSeq = CURRENT_SEQ + 1;
    midKey = undefined;
  } else if (query.keyMarker === '') lowSeq = CURRENT_SEQ + 1;
  let last: { key: string; versionId: string } | undefined;
  let lastKey: string | undefined = midKey;
  const total = () => versions.length + commonPrefixes.length;
  const truncated = (): ListVersionsResult => ({
    versions,
    commonPrefixes,
    isTruncated: true,
    nextKeyMarker: last?.key,
    nextVersionIdMarker: last?.versionId,
  });
  for (let round = 0; round < 1_000_000; round++) {
    const batch = Math.min(query.maxKeys - total() + 1, 1001);
    const range = upper ? 'AND key < ?' : '';
    const params = (extra: unknown[]) => [bucket, lowKey, lowKey, lowKey, lowSeq, ...(upper ? [upper] : []), ...extra];
    const rows = yield* q<VersionRow>(
      `SELECT ${CURRENT_SEQ} AS seq, ${OBJECT_COLUMNS}, 0 AS is_delete_marker, NULL AS noncurrent_since FROM objects
         WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND ${CURRENT_SEQ} < ?)) ${range}
       UNION ALL
       SELECT seq, ${VERSION_COLUMNS} FROM object_versions
         WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND seq < ?)) ${range}
       ORDER BY key, seq DESC LIMIT ?`,
      [...params([]), ...params([batch])],
    );
    if (rows.length === 0) return { versions, commonPrefixes, isTruncated: false };
    let restarted = false;
    for (const row of rows) {
      if (query.delimiter) {
        const idx = row.key.indexOf(query.delimiter, query.prefix.length);
        if (idx >= 0) {
          const cp = row.key.slice(0, idx + query.delimiter.length);
          if (cp !== query.keyMarker) {
            if (total() >= query.maxKeys) return truncated();
            commonPrefixes.push(cp);
            last = { key: cp, versionId: '' };
          }
          lowKey = successor(cp);
          if (lowKey === '') return { versions, commonPrefixes, isTruncated: false };
          lowSeq = CURRENT_SEQ + 1;
          restarted = true;
          break;
        }
      }
      if (total() >= query.maxKeys) return truncated();
      const v = toVersion(row, row.key !== lastKey);
      lastKey = row.key;
      versions.push(v);
      last = { key: row.key, versionId: v.versionId ?? 'null' };
      lowKey = row.key;
      lowSeq = Number(row.seq);
    }
    if (!restarted && rows.length < batch) return { versions, commonPrefixes, isTruncated: false };
  }
  return truncated();
}

/** Lifecycle: noncurrent versions and noncurrent delete markers, by key then newest first. */
export function* listNoncurrent(
  bucket: string,
  query: { prefix: string; after?: VersionCursor; limit: number },
): VersionOp<{ versions: ObjectVersion[]; next?: VersionCursor }> {
  const limit = Math.max(1, Math.min(query.limit, 10_000));
  const upper = query.prefix ? successor(query.prefix) : '';
  let lowKey = query.prefix;
  let lowSeq = CURRENT_SEQ + 1;
  if (query.after && utf8Compare(query.after.key, query.prefix) >= 0) {
    lowKey = query.after.key;
    lowSeq = query.after.seq;
  }
  const rows = yield* q<VersionRow>(
    `SELECT seq, ${VERSION_COLUMNS} FROM object_versions
       WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND seq < ?)) ${upper ? 'AND key < ?' : ''}
         AND noncurrent_since IS NOT NULL
       ORDER BY key, seq DESC LIMIT ?`,
    [bucket, lowKey, lowKey, lowKey, lowSeq, ...(upper ? [upper] : []), limit],
  );
  const versions = rows.map((r) => toVersion(r, false));
  const lastRow = rows[rows.length - 1];
  return {
    versions,
    ...(rows.length === limit && lastRow ? { next: { key: lastRow.key, seq: Number(lastRow.seq) } } : {}),
  };
}

/** Lifecycle: delete markers that are the latest and only version of their key. */
export function* listLoneMarkers(
  bucket: string,
  query: { prefix: string; after?: string; limit: number },
): VersionOp<{ markers: ObjectVersion[]; next?: string }> {
  const limit = Math.max(1, Math.min(query.limit, 10_000));
  const upper = query.prefix ? successor(query.prefix) : '';
  const after = query.after !== undefined && utf8Compare(query.after, query.prefix) >= 0 ? query.after : undefined;
  const rows = yield* q<VersionRow>(
    `SELECT v.seq, ${VERSION_COLUMNS.split(', ')
      .map((c) => `v.${c}`)
      .join(', ')} FROM object_versions v
       WHERE v.bucket = ? AND ${after === undefined ? 'v.key >= ?' : 'v.key > ?'} ${upper ? 'AND v.key < ?' : ''}
         AND v.is_delete_marker = 1 AND v.noncurrent_since IS NULL
         AND NOT EXISTS (SELECT 1 FROM object_versions w WHERE w.bucket = v.bucket AND w.key = v.key AND w.seq <> v.seq)
       ORDER BY v.key LIMIT ?`,
    [bucket, after ?? query.prefix, ...(upper ? [upper] : []), limit],
  );
  const markers = rows.map((r) => toVersion(r, true));
  const lastRow = rows[rows.length - 1];
  return { markers, ...(rows.length === limit && lastRow ? { next: lastRow.key } : {}) };
}

/**
 * Migration: stores one version exactly as it is (id, fields, noncurrent-since time). The key's current
 * object (`isLatest`, not a delete marker) goes into `objects`; any other version or delete marker
 * (`noncurrentSince` undefined = the key's latest delete marker) becomes the key's newest stored version,
 * so importing a key's versions oldest first keeps their order. Its file blobs are already written;
 * `inline` holds its inline bytes (kept when another version of the key already stored them). False, and
 * nothing written, when the key already has a version with that id (or, for a current object, a current
 * object).
 */
export function* importVersion(d: Dialect, v: ObjectVersion, inline?: InlineBlob): VersionOp<boolean> {
  const id = v.versionId ?? 'null';
  const cur = yield* current(v.bucket, v.key);
  const isCurrent = v.isLatest && !v.deleteMarker;
  if ((cur && (isCurrent || (cur.versionId ?? 'null') === id)) || (yield* byId(v.bucket, v.key, id))) return false;
  if (inline) {
    yield* q(
      d === 'sqlite'
        ? 'INSERT OR IGNORE INTO inline_blobs (id, data) VALUES (?, ?)'
        : 'INSERT INTO inline_blobs (id, data) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [inline.blob, inline.data],
    );
  }
  const { deleteMarker, isLatest, noncurrentSince, ...record } = v;
  if (isCurrent) {
    yield* insertCurrent(d, record);
    return true;
  }
  yield* q(`INSERT INTO object_versions (${VERSION_COLUMNS}) VALUES (${OBJECT_PLACEHOLDERS}, ?, ?)`, [
    ...objectParams({ ...record, versionId: id }),
    deleteMarker ? 1 : 0,
    noncurrentSince ?? null,
  ]);
  for (const seg of record.segments) {
    if (isInlineBlob(seg.blob)) continue;
    yield* q(
      d === 'sqlite'
        ? 'INSERT OR IGNORE INTO blob_refs (blob) VALUES (?)'
        : 'INSERT INTO blob_refs (blob) VALUES (?) ON CONFLICT DO NOTHING',
      [seg.blob],
    );
  }
  return true;
}
