/**
 * The statements every object write runs inside its transaction (PutObject, Complete, Append, Delete).
 *
 * Writers of one key serialize on a transaction-scoped advisory lock on (bucket, key), taken first: a
 * row lock (SELECT … FOR UPDATE) cannot lock a key that has no row yet, so two first writers would both
 * see "no object". The read that follows the lock is a new statement, so under READ COMMITTED it sees
 * whatever the previous holder committed; guards (forbid-overwrite, append position) decide on that.
 * A hash collision between two keys only makes them wait for each other.
 */

import { OBJECT_COLUMNS, type ObjectRow, objectParams, toObject } from '../rows.js';
import { type InlineBlob, isInlineBlob, type ObjectRecord, type Released, type VersioningStatus } from '../types.js';
import { pgPlaceholders, type VersionOp } from '../versions.js';
import type { Tx } from './pool.js';

/** Waits for, then holds until commit, the write lock of one object key. */
export async function lockKey(tx: Tx, bucket: string, key: string): Promise<void> {
  // A bucket name has no '/', so bucket + '/' + key names one object.
  await tx.q('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${bucket}/${key}`]);
}

/**
 * lockKey, and the bucket's versioning status read in the same round trip (the status is not under the
 * key lock: a write racing PutBucketVersioning may see either status, as on OSS).
 */
export async function lockKeyVersioning(tx: Tx, bucket: string, key: string): Promise<VersioningStatus | undefined> {
  const [r] = await tx.q<{ versioning: string | null }>(
    'SELECT pg_advisory_xact_lock(hashtextextended($1, 0)), (SELECT versioning FROM buckets WHERE name = $2) AS versioning',
    [`${bucket}/${key}`, bucket],
  );
  return r?.versioning === 'Enabled' || r?.versioning === 'Suspended' ? r.versioning : undefined;
}

/** Runs a versioning operation (storage/versions.ts) statement by statement in `tx`. */
export async function runVersionOp<T>(tx: Tx, op: VersionOp<T>): Promise<T> {
  let step = op.next([]);
  while (!step.done) {
    const rows = await tx.q<Record<string, unknown>>(pgPlaceholders(step.value.sql), step.value.params);
    step = op.next(rows);
  }
  return step.value;
}

export async function readObject(tx: Tx, bucket: string, key: string): Promise<ObjectRecord | undefined> {
  const rows = await tx.q<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = $1 AND key = $2`, [
    bucket,
    key,
  ]);
  return rows[0] && toObject(rows[0]);
}

/** Deletes the inline blobs among `blobs` and forgets the file blobs' references; returns the file blobs. */
export async function release(tx: Tx, blobs: string[]): Promise<string[]> {
  const inline = blobs.filter(isInlineBlob);
  const files = blobs.filter((b) => !isInlineBlob(b));
  if (inline.length) await tx.run('DELETE FROM inline_blobs WHERE id = ANY($1::text[])', [inline]);
  if (files.length) await tx.run('DELETE FROM blob_refs WHERE blob = ANY($1::text[])', [files]);
  return files;
}

const PLACEHOLDERS = OBJECT_COLUMNS.split(', ')
  .map((_, i) => `$${i + 1}`)
  .join(', ');
const UPDATES = OBJECT_COLUMNS.split(', ')
  .slice(2)
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

/**
 * Inserts or replaces `o` (the caller holds its key lock and read `old`), stores `inline` with it, indexes
 * its file blobs, and releases the replaced version's blobs that `o` does not keep.
 */
export async function writeObject(
  tx: Tx,
  o: ObjectRecord,
  old: ObjectRecord | undefined,
  inline?: InlineBlob,
): Promise<Released> {
  // A bucket never versioned has only null versions (a record copied from elsewhere may carry an id).
  o.versionId = undefined;
  if (inline) await tx.run('INSERT INTO inline_blobs (id, data) VALUES ($1, $2)', [inline.blob, inline.data]);
  await tx.run(
    `INSERT INTO objects (${OBJECT_COLUMNS}) VALUES (${PLACEHOLDERS})
     ON CONFLICT (bucket, key) DO UPDATE SET ${UPDATES}`,
    objectParams(o),
  );
  const files = o.segments.map((s) => s.blob).filter((b) => !isInlineBlob(b));
  if (files.length) {
    await tx.run('INSERT INTO blob_refs (blob) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [files]);
  }
  const keep = new Set(o.segments.map((s) => s.blob));
  return {
    released: old
      ? await release(
          tx,
          old.segments.map((s) => s.blob).filter((b) => !keep.has(b)),
        )
      : [],
  };
}
