/**
 * The callback delivery log's row shape (the same columns in SQLite and PostgreSQL) and its conversion to
 * and from DeliveryRecord, so both delivery stores keep and return records alike.
 */
import {
  type DeliveryRecord,
  type DeliveryRecordInput,
  type DeliveryUpdate,
  MAX_KEPT_ATTEMPTS,
  type RetryPolicy,
  type StoredCallbackSpec,
} from '../callback/delivery-store.js';
import { capText, MAX_RECORDED_BODY_BYTES } from '../callback/record-caps.js';
import type { AttemptRecord, FailureCause } from '../callback/send.js';

export interface DeliveryRow {
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
  /** SQLite keeps booleans as 0/1. */
  ok: boolean | number;
  cause: string | null;
  message: string | null;
  latency_ms: number;
  resend_of: string | null;
  truncated: string | null;
  /** Queue columns (an ossd extension); NULL in rows written before them: a done callback. */
  kind: string | null;
  state: string | null;
  attempt: number | string | null;
  next_attempt_at: number | string | null;
  retry: string | null;
  /** The first target URL: notifications are ordered per bucket, key and target. */
  target: string | null;
  /** The object's version (uploads to versioned buckets); NULL otherwise and in older rows. */
  version_id: string | null;
}

export const DELIVERY_COLUMNS =
  'id, created_at, request_id, bucket, key, operation, spec, rendered_body, string_to_sign, attempts, ok, cause, message, latency_ms, resend_of, truncated, kind, state, attempt, next_attempt_at, retry, target, version_id';

/** Placeholders for DELIVERY_COLUMNS: `?` (SQLite) or `$n` (PostgreSQL). */
export function deliveryPlaceholders(style: 'sqlite' | 'postgres'): string {
  const n = DELIVERY_COLUMNS.split(',').length;
  return Array.from({ length: n }, (_, i) => (style === 'sqlite' ? '?' : `$${i + 1}`)).join(', ');
}

/**
 * The queue columns each store adds to callback_deliveries (SQLite types; PostgreSQL maps INTEGER to
 * bigint): name and type.
 */
export const QUEUE_COLUMNS: [string, string][] = [
  ['kind', 'TEXT'],
  ['state', 'TEXT'],
  ['attempt', 'INTEGER'],
  ['next_attempt_at', 'INTEGER'],
  ['retry', 'TEXT'],
  ['target', 'TEXT'],
  ['claimed_by', 'TEXT'],
  ['claim_until', 'INTEGER'],
];

/** Added after the queue columns (SQLite ALTERs it in; PostgreSQL migration 5). */
export const VERSION_COLUMNS: [string, string][] = [['version_id', 'TEXT']];

/** Room for the truncation marker after a capped text (record-caps.ts). */
const STORED_CAP = MAX_RECORDED_BODY_BYTES + 256;

/** Bounds a text the caller should have capped already: ends it with the marker if it did not. */
function bounded(text: string): string {
  return capText(text, STORED_CAP).text;
}

type StoredAttempt = Omit<AttemptRecord, 'responseBody'> & { responseBody?: string };

function encodeAttempts(attempts: AttemptRecord[]): string {
  const stored: StoredAttempt[] = attempts.map(({ responseBody, ...rest }) =>
    responseBody === undefined
      ? rest
      : { ...rest, responseBody: responseBody.subarray(0, STORED_CAP).toString('base64') },
  );
  return JSON.stringify(stored);
}

/** The attempts a row keeps: the last MAX_KEPT_ATTEMPTS. */
export function encodeKeptAttempts(attempts: AttemptRecord[]): string {
  return encodeAttempts(attempts.slice(-MAX_KEPT_ATTEMPTS));
}

function decodeAttempts(json: string): AttemptRecord[] {
  return (JSON.parse(json) as StoredAttempt[]).map(({ responseBody, ...rest }) =>
    responseBody === undefined ? rest : { ...rest, responseBody: Buffer.from(responseBody, 'base64') },
  );
}

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
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
    ok: row.ok === true || row.ok === 1,
    latencyMs: Number(row.latency_ms),
    kind: row.kind === 'notification' ? 'notification' : 'callback',
    state: row.state === 'pending' ? 'pending' : 'done',
    attempt: row.attempt === null ? 1 : Number(row.attempt),
  };
  if (row.next_attempt_at !== null && record.state === 'pending') record.nextAttemptAt = Number(row.next_attempt_at);
  if (row.retry !== null) record.retry = JSON.parse(row.retry) as RetryPolicy;
  if (row.cause !== null) record.cause = row.cause as FailureCause;
  if (row.message !== null) record.message = row.message;
  if (row.resend_of !== null) record.resendOf = row.resend_of;
  if (row.truncated !== null) record.truncated = JSON.parse(row.truncated) as DeliveryRecord['truncated'];
  if (row.version_id !== null && row.version_id !== undefined) record.versionId = row.version_id;
  return record;
}

/**
 * A new record as stored: the parameters of its row in DELIVERY_COLUMNS order (`ok` as given by `okValue`,
 * for SQLite's 0/1), and the record get(id) will return — without reading the row back.
 */
export function deliveryToRow(
  d: DeliveryRecordInput,
  id: string,
  createdAt: number,
  okValue: (ok: boolean) => boolean | number = (ok) => ok,
): { params: unknown[]; record: DeliveryRecord } {
  const renderedBody = bounded(d.renderedBody);
  const stringToSign = bounded(d.stringToSign);
  const latencyMs = Math.round(d.latencyMs);
  const kind = d.kind ?? 'callback';
  const state = d.state ?? 'done';
  const attempt = d.attempt ?? 1;
  const params = [
    id,
    createdAt,
    d.requestId,
    d.bucket,
    d.key,
    d.operation,
    JSON.stringify(d.spec),
    renderedBody,
    stringToSign,
    encodeKeptAttempts(d.attempts),
    okValue(d.ok),
    d.cause ?? null,
    d.message ?? null,
    latencyMs,
    d.resendOf ?? null,
    d.truncated?.length ? JSON.stringify(d.truncated) : null,
    kind,
    state,
    attempt,
    d.nextAttemptAt ?? null,
    d.retry ? JSON.stringify(d.retry) : null,
    d.spec.targets[0]?.url ?? null,
    d.versionId ?? null,
  ];
  const record: DeliveryRecord = {
    ...d,
    kind,
    state,
    attempt,
    renderedBody,
    stringToSign,
    id,
    createdAt,
    latencyMs,
    attempts: d.attempts.map((a) =>
      a.responseBody && a.responseBody.length > STORED_CAP
        ? { ...a, responseBody: Buffer.from(a.responseBody.subarray(0, STORED_CAP)) }
        : a,
    ),
  };
  if (record.resendOf === undefined) delete record.resendOf;
  if (record.versionId === undefined) delete record.versionId;
  return { params, record };
}

/** The SET list and parameters of DeliveryStore.complete (from parameter index `first`). */
export function updateToParams(u: DeliveryUpdate, okValue: (ok: boolean) => boolean | number = (ok) => ok): unknown[] {
  return [
    u.state,
    u.attempt,
    u.state === 'pending' ? (u.nextAttemptAt ?? Date.now()) : null,
    okValue(u.ok),
    u.cause ?? null,
    u.message ?? null,
    encodeKeptAttempts(u.attempts),
    bounded(u.stringToSign),
    Math.round(u.latencyMs),
  ];
}

export const UPDATE_COLUMNS = [
  'state',
  'attempt',
  'next_attempt_at',
  'ok',
  'cause',
  'message',
  'attempts',
  'string_to_sign',
  'latency_ms',
];
