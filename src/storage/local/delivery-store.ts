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
} from '../../callback/delivery-store.js';
import { DELIVERY_COLUMNS, type DeliveryRow, deliveryFromRow, deliveryToRow } from '../delivery-rows.js';
import { GroupCommitter } from './group-commit.js';

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
    const { params, record } = deliveryToRow(d, id, createdAt, (ok) => (ok ? 1 : 0));
    return this.write(() => {
      this.stmt(
        `INSERT INTO callback_deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...params);
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
    const rows = this.db.prepare(sql).all(...params, limit) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.stmt('SELECT * FROM callback_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row ? deliveryFromRow(row) : undefined;
  }
}
