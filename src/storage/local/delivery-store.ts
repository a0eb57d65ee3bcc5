/** Callback delivery log in the embedded SQLite database. */
import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import {
  DEFAULT_LIST_LIMIT,
  type DeliveryListFilter,
  type DeliveryRecord,
  type DeliveryRecordInput,
  type DeliveryStore,
  MAX_LIST_LIMIT,
  type StoredCallbackSpec,
} from '../../callback/delivery-store.js';
import { capText, MAX_RECORDED_BODY_BYTES } from '../../callback/record-caps.js';
import type { AttemptRecord, FailureCause } from '../../callback/send.js';
import { GroupCommitter } from './group-commit.js';

interface Row {
  seq: number;
  id: string;
  created_at: number;
  request_id: string;
  bucket: string;
  key: string;
  operation: DeliveryRecord['operation'];
  spec: string;
  rendered_body: string;
  string_to_sign: string;
  attempts: string;
  ok: number;
  cause: string | null;
  message: string | null;
  latency_ms: number;
  resend_of: string | null;
  truncated: string | null;
}

/** Room for the truncation marker after a capped text (record-caps.ts). */
const STORED_CAP = MAX_RECORDED_BODY_BYTES + 256;

/** Bounds a text the caller should have capped already: ends it with the marker if it did not. */
function bounded(text: string): string {
  return capText(text, STORED_CAP).text;
}

type StoredAttempt = Omit<AttemptRecord, 'responseBody'> & { responseBody?: string };

export function encodeAttempts(attempts: AttemptRecord[]): string {
  const stored: StoredAttempt[] = attempts.map(({ responseBody, ...rest }) =>
    responseBody === undefined
      ? rest
      : { ...rest, responseBody: responseBody.subarray(0, STORED_CAP).toString('base64') },
  );
  return JSON.stringify(stored);
}

export function decodeAttempts(json: string): AttemptRecord[] {
  return (JSON.parse(json) as StoredAttempt[]).map(({ responseBody, ...rest }) =>
    responseBody === undefined ? rest : { ...rest, responseBody: Buffer.from(responseBody, 'base64') },
  );
}

function fromRow(row: Row): DeliveryRecord {
  const record: DeliveryRecord = {
    id: row.id,
    createdAt: row.created_at,
    requestId: row.request_id,
    bucket: row.bucket,
    key: row.key,
    operation: row.operation,
    spec: JSON.parse(row.spec) as StoredCallbackSpec,
    renderedBody: row.rendered_body,
    stringToSign: row.string_to_sign,
    attempts: decodeAttempts(row.attempts),
    ok: row.ok === 1,
    latencyMs: row.latency_ms,
  };
  if (row.cause !== null) record.cause = row.cause as FailureCause;
  if (row.message !== null) record.message = row.message;
  if (row.resend_of !== null) record.resendOf = row.resend_of;
  if (row.truncated !== null) record.truncated = JSON.parse(row.truncated) as DeliveryRecord['truncated'];
  return record;
}

export class SqliteDeliveryStore implements DeliveryStore {
  private readonly db: Database;
  private readonly write: <T>(fn: () => T) => Promise<T>;
  private readonly statements = new Map<string, Statement>();

  /**
   * The delivery log on the metadata store's connection `db`, in its own group commits with
   * `synchronous=NORMAL` (then back to `restore`, the store's setting): a record is in the WAL (it
   * survives a crash of ossd) when the call resolves, and reaches the disk with the next object commit or
   * checkpoint; an OS crash or power loss can drop the last records, never an object. So a callback
   * upload does not pay a second WAL fsync on the event loop. (The same connection: a second one would
   * flush the store's page cache on every record.)
   */
  static relaxed(db: Database, restore: 'FULL' | 'NORMAL'): SqliteDeliveryStore {
    const committer = new GroupCommitter(db, { relaxed: true, restore });
    return new SqliteDeliveryStore(db, (fn) => committer.run(fn));
  }

  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /**
   * `db` is opened (and closed) by the caller; the table and indexes are created if missing. `write` runs
   * an insert in the metadata store's group commit, so concurrent callbacks share one WAL fsync instead of
   * each paying its own on the event loop (default: run it at once, in its own transaction).
   */
  constructor(db: Database, write: <T>(fn: () => T) => Promise<T> = async (fn) => fn()) {
    this.db = db;
    this.write = write;
    db.exec(`
      CREATE TABLE IF NOT EXISTS callback_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        operation TEXT NOT NULL,
        spec TEXT NOT NULL,
        rendered_body TEXT NOT NULL,
        string_to_sign TEXT NOT NULL,
        attempts TEXT NOT NULL,
        ok INTEGER NOT NULL,
        cause TEXT,
        message TEXT,
        latency_ms INTEGER NOT NULL,
        resend_of TEXT
      );
      CREATE INDEX IF NOT EXISTS callback_deliveries_bucket_key ON callback_deliveries (bucket, key, seq);
      CREATE INDEX IF NOT EXISTS callback_deliveries_request_id ON callback_deliveries (request_id);
      CREATE INDEX IF NOT EXISTS callback_deliveries_ok ON callback_deliveries (ok, seq);
    `);
    // Added after the first release: which texts of the record were cut (JSON array), NULL when none.
    const columns = db.prepare('PRAGMA table_info(callback_deliveries)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'truncated'))
      db.exec('ALTER TABLE callback_deliveries ADD COLUMN truncated TEXT');
  }

  async record(d: DeliveryRecordInput): Promise<DeliveryRecord> {
    const id = randomBytes(8).toString('hex');
    const createdAt = d.createdAt ?? Date.now();
    const encoded = encodeAttempts(d.attempts);
    const renderedBody = bounded(d.renderedBody);
    const stringToSign = bounded(d.stringToSign);
    return this.write(() => {
      this.stmt(
        `INSERT INTO callback_deliveries (id, created_at, request_id, bucket, key, operation, spec, rendered_body,
             string_to_sign, attempts, ok, cause, message, latency_ms, resend_of, truncated)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        createdAt,
        d.requestId,
        d.bucket,
        d.key,
        d.operation,
        JSON.stringify(d.spec),
        renderedBody,
        stringToSign,
        encoded,
        d.ok ? 1 : 0,
        d.cause ?? null,
        d.message ?? null,
        Math.round(d.latencyMs),
        d.resendOf ?? null,
        d.truncated?.length ? JSON.stringify(d.truncated) : null,
      );
      // What get(id) would return, without reading the row back.
      const record: DeliveryRecord = {
        ...d,
        renderedBody,
        stringToSign,
        id,
        createdAt,
        latencyMs: Math.round(d.latencyMs),
        attempts: d.attempts.map((a) =>
          a.responseBody && a.responseBody.length > STORED_CAP
            ? { ...a, responseBody: Buffer.from(a.responseBody.subarray(0, STORED_CAP)) }
            : a,
        ),
      };
      if (record.resendOf === undefined) delete record.resendOf;
      return record;
    });
  }

  async list(filter: DeliveryListFilter): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.bucket !== undefined) {
      where.push('bucket = ?');
      params.push(filter.bucket);
    }
    if (filter.key !== undefined) {
      where.push('key = ?');
      params.push(filter.key);
    }
    if (filter.ok !== undefined) {
      where.push('ok = ?');
      params.push(filter.ok ? 1 : 0);
    }
    if (filter.requestId !== undefined) {
      where.push('request_id = ?');
      params.push(filter.requestId);
    }
    if (filter.before !== undefined) {
      where.push('seq < COALESCE((SELECT seq FROM callback_deliveries WHERE id = ?), 0)');
      params.push(filter.before);
    }
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    const sql = `SELECT * FROM callback_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit) as Row[];
    return rows.map(fromRow);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.stmt('SELECT * FROM callback_deliveries WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }
}
