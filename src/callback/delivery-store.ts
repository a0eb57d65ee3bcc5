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

/** What a delivery log row is: an upload callback (OSS) or an event notification (an ossd extension). */
export type DeliveryKind = 'callback' | 'notification';

/**
 * The retry queue state of a delivery (an ossd extension): `pending` while another attempt is due at
 * `nextAttemptAt`; `done` once delivered or out of attempts (also every delivery without retries).
 */
export type DeliveryState = 'pending' | 'done';

/** Exponential backoff: attempt n+1 waits min(maxDelayMs, baseDelayMs * 2^(n-1)) after attempt n. */
export interface RetryPolicy {
  /** Attempts after the first (0: deliver once, as OSS does). */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DeliveryRecordInput {
  /** Given by the sender when it must be known before sending (x-ossd-delivery-id); else random. */
  id?: string;
  /** Default `callback`. */
  kind?: DeliveryKind;
  /** Default `done`. */
  state?: DeliveryState;
  /** Attempts made so far (the last one's x-ossd-attempt); default 1 (0 for a queued notification). */
  attempt?: number;
  /** When a pending delivery is next due (ms since the epoch). */
  nextAttemptAt?: number;
  /** The backoff a pending delivery follows. */
  retry?: RetryPolicy;
  requestId: string;
  bucket: string;
  key: string;
  /** CallbackVariables['operation'] for callbacks; the event name (ObjectCreated:PutObject, …) for notifications. */
  operation: CallbackVariables['operation'] | string;
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
  /** The object's version id (an upload to a versioned bucket; absent otherwise). */
  versionId?: string;
  /** Defaults to now. */
  createdAt?: number;
}

export interface DeliveryRecord extends DeliveryRecordInput {
  /** Random, 16 hex digits. */
  id: string;
  createdAt: number;
  kind: DeliveryKind;
  state: DeliveryState;
  attempt: number;
}

/** The outcome of a queued attempt, written back by the node that claimed the delivery. */
export interface DeliveryUpdate {
  state: DeliveryState;
  attempt: number;
  nextAttemptAt?: number;
  ok: boolean;
  cause?: FailureCause;
  message?: string;
  /** Every attempt so far (the store keeps the last MAX_KEPT_ATTEMPTS). */
  attempts: AttemptRecord[];
  stringToSign: string;
  latencyMs: number;
}

/** A delivery log keeps at most this many attempt records per delivery (the latest). */
export const MAX_KEPT_ATTEMPTS = 20;

export interface DeliveryListFilter {
  bucket?: string;
  key?: string;
  ok?: boolean;
  requestId?: string;
  kind?: DeliveryKind;
  state?: DeliveryState;
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
  /**
   * Claims up to `limit` pending deliveries due at `now` for node `owner` until `claimUntil`: each is
   * claimed by exactly one caller, even with several nodes on one store. A notification is not claimed
   * while an older notification of the same bucket, key and target is still pending (per-key order).
   */
  claimDue(owner: string, now: number, claimUntil: number, limit: number): Promise<DeliveryRecord[]>;
  /** Writes a claimed delivery's new state; false when `owner` no longer holds the claim. */
  complete(id: string, owner: string, update: DeliveryUpdate): Promise<boolean>;
  /** Pending deliveries (for metrics, the console and tests). */
  countPending(bucket?: string): Promise<number>;
  /** Single-process stores only: drops every claim (called when the one server starts). */
  releaseStaleClaims?(): Promise<void>;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;
