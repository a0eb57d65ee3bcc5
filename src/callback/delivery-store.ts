/** The backend-neutral record of every callback delivery (callback.md section 9). */
import type { CallbackBodyType, CallbackTarget } from './parse.js';
import type { AttemptRecord, FailureCause } from './send.js';
import type { CallbackVariables } from './template.js';

/** The parts of a CallbackSpec needed to re-send a delivery. */
export interface StoredCallbackSpec {
  targets: CallbackTarget[];
  host?: string;
  bodyType: CallbackBodyType;
  additionalHeaders: Record<string, string>;
  sni: boolean;
}

export interface DeliveryRecordInput {
  requestId: string;
  bucket: string;
  key: string;
  operation: CallbackVariables['operation'];
  spec: StoredCallbackSpec;
  /** Kept up to MAX_RECORDED_BODY_BYTES (record-caps.ts), then cut and ended with a visible marker. */
  renderedBody: string;
  /** Capped as renderedBody. */
  stringToSign: string;
  /** Which of renderedBody and stringToSign were cut (absent when neither); a cut body cannot be re-sent. */
  truncated?: ('renderedBody' | 'stringToSign')[];
  /** Response bodies and per-attempt strings to sign are kept capped too (AttemptRecord.truncated). */
  attempts: AttemptRecord[];
  ok: boolean;
  cause?: FailureCause;
  message?: string;
  /** Total over all attempts. */
  latencyMs: number;
  /** The id of the delivery this one re-sends. */
  resendOf?: string;
  /** Defaults to now. */
  createdAt?: number;
}

export interface DeliveryRecord extends DeliveryRecordInput {
  /** Random, 16 hex digits. */
  id: string;
  createdAt: number;
}

export interface DeliveryListFilter {
  bucket?: string;
  key?: string;
  ok?: boolean;
  requestId?: string;
  /** Default 50, at most 1000. */
  limit?: number;
  /** Paging cursor: the id of the last record of the previous page; returns older records only. */
  before?: string;
}

export interface DeliveryStore {
  record(d: DeliveryRecordInput): Promise<DeliveryRecord>;
  /** Newest first. */
  list(filter: DeliveryListFilter): Promise<DeliveryRecord[]>;
  get(id: string): Promise<DeliveryRecord | undefined>;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;
