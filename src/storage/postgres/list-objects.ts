/**
 * ListObjects over PostgreSQL: keyset pagination on the (bucket, key) primary key, in UTF-8 byte order
 * (`COLLATE "C"`), skipping past each common prefix — the same walk, and the same results, as the SQLite
 * store's listing.
 */
import { prefixSuccessor } from '../local/key-order.js';
import { OBJECT_COLUMNS, type ObjectRow, SUMMARY_COLUMNS, toObject, toSummary } from '../rows.js';
import type { ListObjectsQuery, ListObjectsResult, ListPage, ObjectSummary } from '../types.js';
import type { PgPool } from './pool.js';

/**
 * Rows read after skipping a common prefix: the next rows often belong to the next common prefix, so a
 * short read keeps a delimiter listing of a bucket with large "directories" from fetching a full batch
 * per directory (one round trip per common prefix either way).
 */
const AFTER_SKIP_BATCH = 16;

export async function listObjectsPage(pool: PgPool, bucket: string, q: ListObjectsQuery): Promise<ListObjectsResult> {
  return scanObjects(pool, bucket, q, OBJECT_COLUMNS, (row) => toObject(row as ObjectRow));
}

/** As listObjectsPage, reading only what a listing shows. */
export async function listObjectSummariesPage(
  pool: PgPool,
  bucket: string,
  q: ListObjectsQuery,
): Promise<ListPage<ObjectSummary>> {
  return scanObjects(pool, bucket, q, SUMMARY_COLUMNS, toSummary);
}

async function scanObjects<T>(
  pool: PgPool,
  bucket: string,
  q: ListObjectsQuery,
  columns: string,
  map: (row: Parameters<typeof toSummary>[0]) => T,
): Promise<ListPage<T>> {
  const objects: T[] = [];
  const commonPrefixes: string[] = [];
  const upper = q.prefix ? prefixSuccessor(q.prefix) : undefined;
  // Keys sort by UTF-8 bytes, which differs from JS's UTF-16 `<` above U+FFFF.
  const afterVsPrefix = Buffer.compare(Buffer.from(q.after, 'utf8'), Buffer.from(q.prefix, 'utf8'));
  let lower = afterVsPrefix > 0 ? q.after : q.prefix;
  let lowerInclusive = q.after === '' || afterVsPrefix < 0;
  const fullBatch = Math.min(q.maxKeys + 1, 1001);
  let batch = fullBatch;
  let last: string | undefined;
  const total = () => objects.length + commonPrefixes.length;
  for (;;) {
    const limit = batch;
    const params: unknown[] = [bucket, lower, limit];
    if (upper) params.push(upper);
    const rows = await pool.query<Parameters<typeof toSummary>[0]>(
      `SELECT ${columns} FROM objects WHERE bucket = $1 AND key ${lowerInclusive ? '>=' : '>'} $2
       ${upper ? 'AND key < $4' : ''} ORDER BY key LIMIT $3`,
      params,
    );
    batch = fullBatch;
    let i = 0;
    while (i < rows.length) {
      const row = rows[i];
      if (q.delimiter) {
        const idx = row.key.indexOf(q.delimiter, q.prefix.length);
        if (idx >= 0) {
          const cp = row.key.slice(0, idx + q.delimiter.length);
          if (total() >= q.maxKeys) return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
          if (cp !== q.after) {
            commonPrefixes.push(cp);
            last = cp;
          }
          // Skip every key under this common prefix ('' = no greater string: nothing follows). The keys
          // under it are contiguous in key order, so the rest of this batch continues past them.
          lower = prefixSuccessor(cp);
          if (lower === '') return { objects, commonPrefixes, isTruncated: false };
          lowerInclusive = true;
          i++;
          while (i < rows.length && rows[i].key.startsWith(cp)) i++;
          if (i === rows.length) batch = Math.min(fullBatch, AFTER_SKIP_BATCH);
          continue;
        }
      }
      if (total() >= q.maxKeys) return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
      objects.push(map(row));
      last = row.key;
      lower = row.key;
      lowerInclusive = false;
      i++;
    }
    // A short read reached the end: nothing follows the last row.
    if (rows.length < limit) return { objects, commonPrefixes, isTruncated: false };
  }
}
