/**
 * The callback delivery log's row shape (the same columns in SQLite and PostgreSQL) and its conversion to
 * and from DeliveryRecord, so both delivery stores keep and return records alike.
 */
import type { DeliveryRecord, DeliveryRecordInput, StoredCallbackSpec } from '../callback/delivery-store.js';
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
}

export const DELIVERY_COLUMNS =
  'id, created_at, request_id, bucket, key, operation, spec, rendered_body, string_to_sign, attempts, ok, cause, message, latency_ms, resend_of, truncated';

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
    latencyMs: row.latency_ms,
  };
  if (row.cause !== null) record.cause = row.cause as FailureCause;
  if (row.message !== null) record.message = row.message;
  if (row.resend_of !== null) record.resendOf = row.resend_of;
  if (row.truncated !== null) record.truncated = JSON.parse(row.truncated) as DeliveryRecord['truncated'];
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
    encodeAttempts(d.attempts),
    okValue(d.ok),
    d.cause ?? null,
    d.message ?? null,
    latencyMs,
    d.resendOf ?? null,
    d.truncated?.length ? JSON.stringify(d.truncated) : null,
  ];
  const record: DeliveryRecord = {
    ...d,
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
  return { params, record };
}
