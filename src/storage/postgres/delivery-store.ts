/** Callback delivery log in PostgreSQL (the twin of SqliteDeliveryStore; table in schema.ts). */
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
  UPDATE_COLUMNS,
  updateToParams,
} from '../delivery-rows.js';
import { randomHex } from '../random-id.js';
import type { PgPool } from './pool.js';

/**
 * Each record is one INSERT (autocommit). The callback service writes upload records in the background
 * and waits for them in its flush(); the pool's close() also waits for inserts in progress.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  constructor(private readonly pool: PgPool) {}

  async record(d: DeliveryRecordInput): Promise<DeliveryRecord> {
    const id = d.id ?? randomHex(8);
    const createdAt = d.createdAt ?? Date.now();
    const { params, record } = deliveryToRow(d, id, createdAt);
    await this.pool.query(
      `INSERT INTO callback_deliveries (${DELIVERY_COLUMNS}) VALUES (${deliveryPlaceholders('postgres')})
       ON CONFLICT (id) DO NOTHING`,
      params,
    );
    return record;
  }

  async list(filter: DeliveryListFilter): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.bucket !== undefined) add((p) => `bucket = ${p}`, filter.bucket);
    if (filter.key !== undefined) add((p) => `key = ${p}`, filter.key);
    if (filter.ok !== undefined) add((p) => `ok = ${p}`, filter.ok);
    if (filter.requestId !== undefined) add((p) => `request_id = ${p}`, filter.requestId);
    if (filter.kind === 'callback') where.push("COALESCE(kind, 'callback') = 'callback'");
    else if (filter.kind !== undefined) add((p) => `kind = ${p}`, filter.kind);
    if (filter.state === 'pending') where.push("state = 'pending'");
    else if (filter.state === 'done') where.push("COALESCE(state, 'done') = 'done'");
    if (filter.before !== undefined) {
      add((p) => `seq < COALESCE((SELECT seq FROM callback_deliveries WHERE id = ${p}), 0)`, filter.before);
    }
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    params.push(limit);
    const rows = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM callback_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(deliveryFromRow);
  }

  /**
   * One statement: the due rows are locked with FOR UPDATE SKIP LOCKED (a row another node is claiming
   * at the same moment is skipped, not waited for) and marked with this node's claim, so each is
   * claimed by exactly one node. A claim that expires (its node died mid-delivery) can be taken again.
   */
  async claimDue(owner: string, now: number, claimUntil: number, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.pool.query<DeliveryRow>(
      `UPDATE callback_deliveries SET claimed_by = $1, claim_until = $2
       WHERE seq IN (
         SELECT seq FROM callback_deliveries d
         WHERE state = 'pending' AND next_attempt_at <= $3 AND (claim_until IS NULL OR claim_until < $3)
           AND NOT (COALESCE(kind, 'callback') = 'notification' AND EXISTS (
             SELECT 1 FROM callback_deliveries e
             WHERE e.state = 'pending' AND e.bucket = d.bucket AND e.key = d.key AND e.target = d.target
               AND e.kind = 'notification' AND e.seq < d.seq))
         ORDER BY next_attempt_at, seq LIMIT $4
         FOR UPDATE SKIP LOCKED)
         AND state = 'pending' AND (claim_until IS NULL OR claim_until < $3)
       RETURNING ${DELIVERY_COLUMNS}`,
      [owner, claimUntil, now, limit],
    );
    return rows.map(deliveryFromRow).sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0));
  }

  async complete(id: string, owner: string, update: DeliveryUpdate): Promise<boolean> {
    const params = updateToParams(update);
    const set = UPDATE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ');
    const rows = await this.pool.query<{ id: string }>(
      `UPDATE callback_deliveries SET ${set}, claimed_by = NULL, claim_until = NULL
       WHERE id = $${params.length + 1} AND claimed_by = $${params.length + 2} RETURNING id`,
      [...params, id, owner],
    );
    return rows.length === 1;
  }

  async countPending(bucket?: string): Promise<number> {
    const [row] = await this.pool.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM callback_deliveries WHERE state = 'pending'${bucket === undefined ? '' : ' AND bucket = $1'}`,
      bucket === undefined ? [] : [bucket],
    );
    return Number(row?.n ?? 0);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const [row] = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM callback_deliveries WHERE id = $1`,
      [id],
    );
    return row ? deliveryFromRow(row) : undefined;
  }
}
