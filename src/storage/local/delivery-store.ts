/** Callback delivery log in the embedded SQLite database. */
import type { Database, Statement } from 'better-sqlite3';
import {
  DEFAULT_LIST_LIMIT,
  type DeliveryListFilter,
  type DeliveryRecord,
  type DeliveryRecordInput,
  type DeliveryStore,
  type DeliveryUpdate,
  MAX_LIST_LIMIT,
} from '../../callback/delivery-store.js';
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  deliveryFromRow,
  deliveryPlaceholders,
  deliveryToRow,
  QUEUE_COLUMNS,
  UPDATE_COLUMNS,
  updateToParams,
  VERSION_COLUMNS,
} from '../delivery-rows.js';
import { randomHex } from '../random-id.js';
import { GroupCommitter } from './group-commit.js';

export class SqliteDeliveryStore implements DeliveryStore {
  private readonly db: Database;
  private readonly write: <T>(fn: () => T) => Promise<T>;
  private readonly statements = new Map<string, Statement>();

  /**
   * The delivery log on the metadata store's connection `db` (which runs `synchronous=NORMAL`), in its
   * own group commits that do not fdatasync the WAL: a record is in the WAL (it survives a crash of ossd)
   * when the call resolves, and reaches the disk with the next object commit's fdatasync or checkpoint; an
   * OS crash or power loss can drop the last records, never an object. So a callback upload does not pay
   * a second WAL fsync. (The same connection: a second one would flush the store's page cache on every
   * record.)
   */
  static relaxed(db: Database): SqliteDeliveryStore {
    const committer = new GroupCommitter(db);
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
    // The retry queue (added later still, idempotently: columns checked one by one).
    for (const [name, type] of [...QUEUE_COLUMNS, ...VERSION_COLUMNS]) {
      if (!columns.some((c) => c.name === name)) db.exec(`ALTER TABLE callback_deliveries ADD COLUMN ${name} ${type}`);
    }
    db.exec(`
      CREATE INDEX IF NOT EXISTS callback_deliveries_due ON callback_deliveries (next_attempt_at, seq)
        WHERE state = 'pending';
      CREATE INDEX IF NOT EXISTS callback_deliveries_pending_key ON callback_deliveries (bucket, key, target, seq)
        WHERE state = 'pending';
    `);
  }

  /**
   * One `ossd serve` holds a data directory (the serve lock), so at its start the claims of an earlier
   * process (one that died mid-delivery) are void. Not done on open: admin commands open the store
   * beside a running server.
   */
  async releaseStaleClaims(): Promise<void> {
    await this.write(() =>
      this.stmt(
        "UPDATE callback_deliveries SET claimed_by = NULL, claim_until = NULL WHERE state = 'pending' AND claimed_by IS NOT NULL",
      ).run(),
    );
  }

  async record(d: DeliveryRecordInput): Promise<DeliveryRecord> {
    const id = d.id ?? randomHex(8);
    const createdAt = d.createdAt ?? Date.now();
    const { params, record } = deliveryToRow(d, id, createdAt, (ok) => (ok ? 1 : 0));
    return this.write(() => {
      this.stmt(`INSERT INTO callback_deliveries (${DELIVERY_COLUMNS}) VALUES (${deliveryPlaceholders('sqlite')})`).run(
        ...params,
      );
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
    if (filter.kind !== undefined) {
      where.push(filter.kind === 'callback' ? "(kind IS NULL OR kind = 'callback')" : 'kind = ?');
      if (filter.kind !== 'callback') params.push(filter.kind);
    }
    if (filter.state !== undefined) {
      where.push(filter.state === 'done' ? "(state IS NULL OR state = 'done')" : "state = 'pending'");
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

  /**
   * One process serves a data directory, and this runs as one SQLite transaction on its connection (in
   * the group commit), so each due delivery is claimed once.
   */
  async claimDue(owner: string, now: number, claimUntil: number, limit: number): Promise<DeliveryRecord[]> {
    return this.write(() => {
      const rows = this.stmt(
        `SELECT * FROM callback_deliveries d
         WHERE state = 'pending' AND next_attempt_at <= ? AND (claim_until IS NULL OR claim_until < ?)
           AND NOT (COALESCE(kind, 'callback') = 'notification' AND EXISTS (
             SELECT 1 FROM callback_deliveries e
             WHERE e.state = 'pending' AND e.bucket = d.bucket AND e.key = d.key AND e.target = d.target
               AND e.kind = 'notification' AND e.seq < d.seq))
         ORDER BY next_attempt_at, seq LIMIT ?`,
      ).all(now, now, limit) as DeliveryRow[];
      const claim = this.stmt('UPDATE callback_deliveries SET claimed_by = ?, claim_until = ? WHERE id = ?');
      for (const row of rows) claim.run(owner, claimUntil, row.id);
      return rows.map(deliveryFromRow);
    });
  }

  async complete(id: string, owner: string, update: DeliveryUpdate): Promise<boolean> {
    const params = updateToParams(update, (ok) => (ok ? 1 : 0));
    return this.write(() => {
      const r = this.stmt(
        `UPDATE callback_deliveries SET ${UPDATE_COLUMNS.map((c) => `${c} = ?`).join(', ')},
           claimed_by = NULL, claim_until = NULL
         WHERE id = ? AND claimed_by = ?`,
      ).run(...params, id, owner);
      return r.changes === 1;
    });
  }

  async countPending(bucket?: string): Promise<number> {
    const row = (
      bucket === undefined
        ? this.stmt("SELECT count(*) AS n FROM callback_deliveries WHERE state = 'pending'").get()
        : this.stmt("SELECT count(*) AS n FROM callback_deliveries WHERE state = 'pending' AND bucket = ?").get(bucket)
    ) as { n: number };
    return row.n;
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.stmt('SELECT * FROM callback_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row ? deliveryFromRow(row) : undefined;
  }
}
