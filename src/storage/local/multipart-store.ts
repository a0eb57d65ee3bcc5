import type Database from 'better-sqlite3';
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
import { prefixSuccessor } from './key-order.js';

/** What the multipart store needs from the metadata store it lives in (same database, same committer). */
export interface MultipartHost {
  readonly db: Database.Database;
  write<T>(fn: () => T): Promise<T>;
  getObjectSync(bucket: string, key: string): ObjectRecord | undefined;
  putObjectSync(o: ObjectRecord, inline?: undefined, options?: { append?: boolean }): Released;
}

const HIGH = '\u{10ffff}';

/** Multipart uploads and appends in the embedded SQLite metadata database (tables in schema.ts). */
export class SqliteMultipartStore implements MultipartStore {
  constructor(private readonly host: MultipartHost) {}

  private get db(): Database.Database {
    return this.host.db;
  }

  private uploadSync(uploadId: string): MultipartUpload | undefined {
    const r = this.db.prepare('SELECT * FROM uploads WHERE upload_id = ?').get(uploadId) as UploadRow | undefined;
    return r && toUpload(r);
  }

  private partsSync(uploadId: string): PartRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number')
      .all(uploadId) as PartRow[];
    return rows.map(toPart);
  }

  /** Deletes an upload and its parts; returns every part blob. */
  private dropUploadSync(uploadId: string): string[] {
    const blobs = this.partsSync(uploadId).map((p) => p.blob);
    this.db.prepare('DELETE FROM parts WHERE upload_id = ?').run(uploadId);
    this.db.prepare('DELETE FROM uploads WHERE upload_id = ?').run(uploadId);
    return blobs;
  }

  async createUpload(u: MultipartUpload): Promise<void> {
    await this.host.write(() =>
      this.db
        .prepare('INSERT INTO uploads (upload_id, bucket, key, initiated, template) VALUES (?, ?, ?, ?, ?)')
        .run(u.uploadId, u.bucket, u.key, u.initiated, JSON.stringify(u.template)),
    );
  }

  async getUpload(uploadId: string): Promise<MultipartUpload | undefined> {
    return this.uploadSync(uploadId);
  }

  async putPart(p: PartRecord): Promise<Released | 'no-upload'> {
    return this.host.write(() => {
      if (!this.uploadSync(p.uploadId)) return 'no-upload' as const;
      const old = this.db
        .prepare('SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?')
        .get(p.uploadId, p.partNumber) as { blob: string } | undefined;
      this.db
        .prepare(
          'INSERT OR REPLACE INTO parts (upload_id, part_number, blob, size, etag, crc64, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(p.uploadId, p.partNumber, p.blob, p.size, p.etag, p.crc64, p.lastModified);
      return { released: old && old.blob !== p.blob ? [old.blob] : [] };
    });
  }

  async listParts(
    uploadId: string,
    after: number,
    max: number,
  ): Promise<{ parts: PartRecord[]; isTruncated: boolean }> {
    const rows = this.db
      .prepare('SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?')
      .all(uploadId, after, max + 1) as PartRow[];
    return { parts: rows.slice(0, max).map(toPart), isTruncated: rows.length > max };
  }

  async completeUpload(
    uploadId: string,
    object: ObjectRecord,
    used: PartRecord[],
    guard?: (existing: ObjectRecord | undefined) => void,
  ): Promise<Released | 'no-upload' | 'parts-changed'> {
    return this.host.write(() => {
      const upload = this.uploadSync(uploadId);
      if (!upload || upload.bucket !== object.bucket || upload.key !== object.key) return 'no-upload' as const;
      const current = new Map(this.partsSync(uploadId).map((p) => [p.partNumber, p]));
      // A part re-uploaded after the caller read it: its ETag/CRC no longer describe the object built.
      for (const p of used) if (current.get(p.partNumber)?.blob !== p.blob) return 'parts-changed' as const;
      if (guard) guard(this.host.getObjectSync(object.bucket, object.key));
      const usedBlobs = new Set(used.map((p) => p.blob));
      const unused = this.dropUploadSync(uploadId).filter((b) => !usedBlobs.has(b));
      const { released, versionId } = this.host.putObjectSync(object);
      return { released: [...released, ...unused], ...(versionId === undefined ? {} : { versionId }) };
    });
  }

  async abortUpload(uploadId: string): Promise<Released | 'no-upload'> {
    return this.host.write(() => {
      if (!this.uploadSync(uploadId)) return 'no-upload' as const;
      return { released: this.dropUploadSync(uploadId) };
    });
  }

  async listUploads(bucket: string, q: ListUploadsQuery): Promise<ListUploadsResult> {
    const uploads: MultipartUpload[] = [];
    const commonPrefixes: string[] = [];
    const upper = q.prefix ? prefixSuccessor(q.prefix) : undefined;
    // Exclusive lower bound (key, uploadId) in (key, upload_id) order.
    let lowKey = q.keyMarker;
    let lowId = q.keyMarker === '' ? '' : q.uploadIdMarker === '' ? HIGH : q.uploadIdMarker;
    // Keys sort by UTF-8 bytes (SQLite BINARY), not by JS's UTF-16 `<`.
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
      const rows = this.db
        .prepare(
          `SELECT * FROM uploads WHERE bucket = ? AND (key > ? OR (key = ? AND upload_id > ?)) ${upper ? 'AND key < ?' : ''}
           ORDER BY key, upload_id LIMIT ?`,
        )
        .all(
          ...(upper ? [bucket, lowKey, lowKey, lowId, upper, batch] : [bucket, lowKey, lowKey, lowId, batch]),
        ) as UploadRow[];
      if (rows.length === 0) {
        return {
          uploads,
          commonPrefixes,
          isTruncated: false,
          nextKeyMarker: last?.key,
          nextUploadIdMarker: last?.id,
        };
      }
      for (const row of rows) {
        if (q.delimiter) {
          const idx = row.key.indexOf(q.delimiter, q.prefix.length);
          if (idx >= 0) {
            const cp = row.key.slice(0, idx + q.delimiter.length);
            if (cp !== q.keyMarker) {
              if (total() >= q.maxUploads) return truncated();
              commonPrefixes.push(cp);
              last = { key: cp, id: '' };
            }
            // Skip every upload under this common prefix ('' = no greater string: nothing follows).
            lowKey = prefixSuccessor(cp);
            if (lowKey === '') return { uploads, commonPrefixes, isTruncated: false };
            lowId = '';
            break;
          }
        }
        if (total() >= q.maxUploads) return truncated();
        uploads.push(toUpload(row));
        last = { key: row.key, id: row.upload_id };
        lowKey = row.key;
        lowId = row.upload_id;
      }
    }
  }

  async abortUploadsBefore(cutoff: number): Promise<Released & { uploads: string[] }> {
    return this.host.write(() => {
      const ids = (
        this.db.prepare('SELECT upload_id FROM uploads WHERE initiated < ?').all(cutoff) as { upload_id: string }[]
      ).map((r) => r.upload_id);
      const released = ids.flatMap((id) => this.dropUploadSync(id));
      return { released, uploads: ids };
    });
  }

  async appendObject(
    bucket: string,
    key: string,
    build: (existing: ObjectRecord | undefined) => ObjectRecord,
  ): Promise<Released & { object: ObjectRecord }> {
    return this.host.write(() => {
      const object = build(this.host.getObjectSync(bucket, key));
      return { ...this.host.putObjectSync(object, undefined, { append: true }), object };
    });
  }
}
