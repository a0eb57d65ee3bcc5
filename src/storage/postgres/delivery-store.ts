/** Callback delivery log in PostgreSQL (the twin of SqliteDeliveryStore; table in schema.ts). */
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_LIST_LIMIT,
  type DeliveryListFilter,
  type DeliveryRecord,
  type DeliveryRecordInput,
  type DeliveryStore,
  MAX_LIST_LIMIT,
  type StoredCallbackSpec,
} from '../../callback/delivery-store.js';
import { type FailureCause, MAX_RECORDED_BODY_BYTES } from '../../callback/send.js';
import { decodeAttempts, encodeAttempts } from '../local/delivery-store.js';
import type { PgPool } from './pool.js';

interface Row {
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
  ok: boolean;
  cause: string | null;
  message: string | null;
  latency_ms: number;
  resend_of: string | null;
  truncated: string | null;
}

const COLUMNS =
  'id, created_at, request_id, bucket, key, operation, spec, rendered_body, string_to_sign, attempts, ok, cause, message, latency_ms, resend_of, truncated';

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
    ok: row.ok,
    latencyMs: row.latency_ms,
  };
  if (row.cause !== null) record.cause = row.cause as FailureCause;
  if (row.message !== null) record.message = row.message;
  if (row.resend_of !== null) record.resendOf = row.resend_of;
  if (row.truncated !== null) record.truncated = JSON.parse(row.truncated) as DeliveryRecord['truncated'];
  return record;
}

/**
 * Each record is one INSERT (autocommit). The callback service writes upload records in the background
 * and waits for them in its flush(); the pool's close() also waits for inserts in progress.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  constructor(private readonly pool: PgPool) {}

  async record(d: DeliveryRecordInput): Promise<DeliveryRecord> {
    const id = randomBytes(8).toString('hex');
    const createdAt = d.createdAt ?? Date.now();
    await this.pool.query(
      `INSERT INTO callback_deliveries (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO NOTHING`,
      [
        id,
        createdAt,
        d.requestId,
        d.bucket,
        d.key,
        d.operation,
        JSON.stringify(d.spec),
        d.renderedBody,
        d.stringToSign,
        encodeAttempts(d.attempts),
        d.ok,
        d.cause ?? null,
        d.message ?? null,
        Math.round(d.latencyMs),
        d.resendOf ?? null,
        d.truncated?.length ? JSON.stringify(d.truncated) : null,
      ],
    );
    // What get(id) would return, without reading the row back.
    const record: DeliveryRecord = {
      ...d,
      id,
      createdAt,
      latencyMs: Math.round(d.latencyMs),
      attempts: d.attempts.map((a) =>
        a.responseBody && a.responseBody.length > MAX_RECORDED_BODY_BYTES
          ? { ...a, responseBody: Buffer.from(a.responseBody.subarray(0, MAX_RECORDED_BODY_BYTES)) }
          : a,
      ),
    };
    if (record.resendOf === undefined) delete record.resendOf;
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
    const rows = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM callback_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(fromRow);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const [row] = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM callback_deliveries WHERE id = $1`, [id]);
    return row ? fromRow(row) : undefined;
  }
}
