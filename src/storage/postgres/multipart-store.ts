/**
 * Multipart uploads and appends in PostgreSQL (the twin of SqliteMultipartStore). Writes to one upload
 * serialize on its row (`SELECT … FOR UPDATE`, taken first): a part written, the upload completed and the
 * upload aborted through different nodes happen one after the other, each seeing the previous commit.
 * Completing takes the upload's row lock, then the object key's lock (the order every writer uses).
 */
import { prefixSuccessor } from '../local/key-order.js';
import { type PartRow, toPart, toUpload, type UploadRow } from '../rows.js';
import type {
  ListUploadsQuery,
  ListUploadsResult,
  MultipartStore,
  MultipartUpload,
  ObjectRecord,
  PartRecord,
  Released,
} from '../types.js';
import { putVersioned } from '../versions.js';
import { lockKeyVersioning, readObject, runVersionOp, writeObject } from './object-writes.js';
import type { PgPool, Tx } from './pool.js';

/** Sorts after every upload id (ids are hex): `(key, HIGH)` means "after every upload of key". */
const HIGH = '\u{10ffff}';

/** The upload, locked for the rest of the transaction; undefined when it is gone. */
async function lockUpload(tx: Tx, uploadId: string): Promise<MultipartUpload | undefined> {
  const [r] = await tx.q<UploadRow>('SELECT * FROM uploads WHERE upload_id = $1 FOR UPDATE', [uploadId]);
  return r && toUpload(r);
}

/** Deletes uploads and their parts; returns every part blob (in upload, then part-number order). */
async function dropUploads(tx: Tx, uploadIds: string[]): Promise<string[]> {
  if (!uploadIds.length) return [];
  const parts = await tx.q<{ upload_id: string; part_number: number; blob: string }>(
    'DELETE FROM parts WHERE upload_id = ANY($1::text[]) RETURNING upload_id, part_number, blob',
    [uploadIds],
  );
  await tx.run('DELETE FROM uploads WHERE upload_id = ANY($1::text[])', [uploadIds]);
  const order = new Map(uploadIds.map((id, i) => [id, i]));
  parts.sort((a, b) => order.get(a.upload_id)! - order.get(b.upload_id)! || a.part_number - b.part_number);
  return parts.map((p) => p.blob);
}

export class PostgresMultipartStore implements MultipartStore {
  constructor(private readonly pool: PgPool) {}

  async createUpload(u: MultipartUpload): Promise<void> {
    await this.pool.tx((tx) =>
      tx.run('INSERT INTO uploads (upload_id, bucket, key, initiated, template) VALUES ($1, $2, $3, $4, $5)', [
        u.uploadId,
        u.bucket,
        u.key,
        u.initiated,
        JSON.stringify(u.template),
      ]),
    );
  }

  async getUpload(uploadId: string): Promise<MultipartUpload | undefined> {
    const [r] = await this.pool.query<UploadRow>('SELECT * FROM uploads WHERE upload_id = $1', [uploadId]);
    return r && toUpload(r);
  }

  async putPart(p: PartRecord): Promise<Released | 'no-upload'> {
    return this.pool.tx(async (tx) => {
      if (!(await lockUpload(tx, p.uploadId))) return 'no-upload' as const;
      const [old] = await tx.q<{ blob: string }>('SELECT blob FROM parts WHERE upload_id = $1 AND part_number = $2', [
        p.uploadId,
        p.partNumber,
      ]);
      await tx.run(
        `INSERT INTO parts (upload_id, part_number, blob, size, etag, crc64, last_modified) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET blob = EXCLUDED.blob, size = EXCLUDED.size,
           etag = EXCLUDED.etag, crc64 = EXCLUDED.crc64, last_modified = EXCLUDED.last_modified`,
        [p.uploadId, p.partNumber, p.blob, p.size, p.etag, p.crc64, p.lastModified],
      );
      return { released: old && old.blob !== p.blob ? [old.blob] : [] };
    });
  }

  async listParts(
    uploadId: string,
    after: number,
    max: number,
  ): Promise<{ parts: PartRecord[]; isTruncated: boolean }> {
    const rows = await this.pool.query<PartRow>(
      'SELECT * FROM parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3',
      [uploadId, after, max + 1],
    );
    return { parts: rows.slice(0, max).map(toPart), isTruncated: rows.length > max };
  }

  async completeUpload(
    uploadId: string,
    object: ObjectRecord,
    used: PartRecord[],
    guard?: (existing: ObjectRecord | undefined) => void,
  ): Promise<Released | 'no-upload' | 'parts-changed'> {
    return this.pool.tx(async (tx) => {
      const upload = await lockUpload(tx, uploadId);
      if (!upload || upload.bucket !== object.bucket || upload.key !== object.key) return 'no-upload' as const;
      const current = new Map(
        (
          await tx.q<{ part_number: number; blob: string }>(
            'SELECT part_number, blob FROM parts WHERE upload_id = $1',
            [uploadId],
          )
        ).map((p) => [p.part_number, p.blob]),
      );
      // A part re-uploaded after the caller read it: its ETag/CRC no longer describe the object built.
      for (const p of used) if (current.get(p.partNumber) !== p.blob) return 'parts-changed' as const;
      const status = await lockKeyVersioning(tx, object.bucket, object.key);
      const old = await readObject(tx, object.bucket, object.key);
      if (guard) guard(old);
      const usedBlobs = new Set(used.map((p) => p.blob));
      const unused = (await dropUploads(tx, [uploadId])).filter((b) => !usedBlobs.has(b));
      const { released, versionId } = status
        ? await runVersionOp(tx, putVersioned('pg', object, status))
        : await writeObject(tx, object, old);
      return { released: [...released, ...unused], ...(versionId === undefined ? {} : { versionId }) };
    });
  }

  async abortUpload(uploadId: string): Promise<Released | 'no-upload'> {
    return this.pool.tx(async (tx) => {
      if (!(await lockUpload(tx, uploadId))) return 'no-upload' as const;
      return { released: await dropUploads(tx, [uploadId]) };
    });
  }

  async listUploads(bucket: string, q: ListUploadsQuery): Promise<ListUploadsResult> {
    const uploads: MultipartUpload[] = [];
    const commonPrefixes: string[] = [];
    const upper = q.prefix ? prefixSuccessor(q.prefix) : undefined;
    // Exclusive lower bound (key, uploadId) in (key, upload_id) order.
    let lowKey = q.keyMarker;
    let lowId = q.keyMarker === '' ? '' : q.uploadIdMarker === '' ? HIGH : q.uploadIdMarker;
    // Keys sort by UTF-8 bytes (COLLATE "C"), not by JS's UTF-16 `<`.
    if (Buffer.compare(Buffer.from(q.prefix, 'utf8'), Buffer.from(lowKey, 'utf8')) > 0) {
      lowKey = q.prefix;
      lowId = '';
    }
    const batch = Math.min(q.maxUploads + 1, 1001);
    let last: { key: string; id: string } | undefined;
    const total = () => uploads.length + commonPrefixes.length;
    const truncated = (): ListUploadsResult => ({
      uploads,
      commonPrefixes,
      isTruncated: true,
      nextKeyMarker: last?.key,
      nextUploadIdMarker: last?.id,
    });
    for (;;) {
      const params: unknown[] = [bucket, lowKey, lowId, batch];
      if (upper) params.push(upper);
      const rows = await this.pool.query<UploadRow>(
        `SELECT * FROM uploads WHERE bucket = $1 AND (key, upload_id) > ($2, $3) ${upper ? 'AND key < $5' : ''}
         ORDER BY key, upload_id LIMIT $4`,
        params,
      );
      if (rows.length === 0) {
        return { uploads, commonPrefixes, isTruncated: false, nextKeyMarker: last?.key, nextUploadIdMarker: last?.id };
      }
      let i = 0;
      while (i < rows.length) {
        const row = rows[i];
        if (q.delimiter) {
          const idx = row.key.indexOf(q.delimiter, q.prefix.length);
          if (idx >= 0) {
            const cp = row.key.slice(0, idx + q.delimiter.length);
            if (cp !== q.keyMarker) {
              if (total() >= q.maxUploads) return truncated();
              commonPrefixes.push(cp);
              last = { key: cp, id: '' };
            }
            // Skip every upload under this common prefix ('' = no greater string: nothing follows); they
            // are contiguous, so the rest of this batch continues past them.
            lowKey = prefixSuccessor(cp);
            if (lowKey === '') return { uploads, commonPrefixes, isTruncated: false };
            lowId = '';
            i++;
            while (i < rows.length && rows[i].key.startsWith(cp)) i++;
            continue;
          }
        }
        if (total() >= q.maxUploads) return truncated();
        uploads.push(toUpload(row));
        last = { key: row.key, id: row.upload_id };
        lowKey = row.key;
        lowId = row.upload_id;
        i++;
      }
      // A short read reached the end: nothing follows the last row.
      if (rows.length < batch) {
        return { uploads, commonPrefixes, isTruncated: false, nextKeyMarker: last?.key, nextUploadIdMarker: last?.id };
      }
    }
  }

  async abortUploadsBefore(cutoff: number): Promise<Released & { uploads: string[] }> {
    return this.pool.tx(async (tx) => {
      // Locked in id order, so two collectors (or a collector and a Complete) cannot deadlock.
      const ids = (
        await tx.q<{ upload_id: string }>(
          'SELECT upload_id FROM uploads WHERE initiated < $1 ORDER BY upload_id FOR UPDATE',
          [cutoff],
        )
      ).map((r) => r.upload_id);
      return { released: await dropUploads(tx, ids), uploads: ids };
    });
  }

  async appendObject(
    bucket: string,
    key: string,
    build: (existing: ObjectRecord | undefined) => ObjectRecord,
  ): Promise<Released & { object: ObjectRecord }> {
    return this.pool.tx(async (tx) => {
      const status = await lockKeyVersioning(tx, bucket, key);
      const old = await readObject(tx, bucket, key);
      const object = build(old);
      if (status) return { ...(await runVersionOp(tx, putVersioned('pg', object, status, { append: true }))), object };
      return { ...(await writeObject(tx, object, old)), object };
    });
  }
}
