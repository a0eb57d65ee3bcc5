/** Callback delivery log in PostgreSQL (the twin of SqliteDeliveryStore; table in schema.ts). */
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_LIST_LIMIT,
  type DeliveryListFilter,
  type DeliveryRecord,
  type DeliveryRecordInput,
  type DeliveryStore,
  MAX_LIST_LIMIT,
} from '../../callback/delivery-store.js';
import { DELIVERY_COLUMNS, type DeliveryRow, deliveryFromRow, deliveryToRow } from '../delivery-rows.js';
import type { PgPool } from './pool.js';

/**
 * Each record is one INSERT (autocommit). The callback service writes upload records in the background
 * and waits for them in its flush(); the pool's close() also waits for inserts in progress.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  constructor(private readonly pool: PgPool) {}

  async record(d: DeliveryRecordInput): Promise<DeliveryRecord> {
    const id = randomBytes(8).toString('hex');
    const createdAt = d.createdAt ?? Date.now();
    const { params, record } = deliveryToRow(d, id, createdAt);
    await this.pool.query(
      `INSERT INTO callback_deliveries (${DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
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

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const [row] = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM callback_deliveries WHERE id = $1`,
      [id],
    );
    return row ? deliveryFromRow(row) : undefined;
  }
}
