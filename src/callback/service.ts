/** Renders, signs, delivers and records upload callbacks; re-sends recorded deliveries. */
import type { KeyObject } from 'node:crypto';
import { randomHex } from '../storage/random-id.js';
import type { AddressPolicy } from './address-policy.js';
import { CallbackConnectionPool } from './connection-pool.js';
import type {
  DeliveryRecord,
  DeliveryRecordInput,
  DeliveryStore,
  DeliveryUpdate,
  RetryPolicy,
  StoredCallbackSpec,
} from './delivery-store.js';
import type { CallbackSpec } from './parse.js';
import { capText } from './record-caps.js';
import type { RelayHub } from './relay-hub.js';
import { retryDelay } from './retry-policy.js';
import { type DeliveryOutcome, deliverCallback, type FailureCause, MESSAGES, type SendOptions } from './send.js';
import { callbackStringToSign, signStringToSign } from './sign.js';
import { type CallbackVariables, RenderedBodyTooLargeError, renderCallbackBody } from './template.js';

export interface CallbackSettings {
  /** Per attempt (connect + headers + body). Default 5000. */
  timeoutMs: number;
  /** Largest accepted application reply. Default 1 MiB. */
  maxResponseBytes: number;
  /** Callbacks delivered concurrently; beyond it a callback fails at once with `Too many callback requests`. */
  maxInFlight: number;
  /** Render absent numeric variables as `null` in JSON bodies (the real service renders nothing). */
  absentNumbersAsNull: boolean;
  policy: AddressPolicy;
  /** Overrides deps.publicKeyUrl: the URL advertised in `x-oss-pub-key-url`. */
  publicKeyUrl?: string;
  /** Default `ehttp-client/0.0.1`, what the real service sends. */
  userAgent?: string;
  /** Extra trusted CA certificates (PEM) for https callback URLs. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Also send x-ossd-timestamp and x-ossd-signature (replay-safe signature, an ossd extension). */
  signatureV2?: boolean;
}

/** Failures another attempt cannot fix: nothing was sent, or the address is refused. */
const FINAL_CAUSES: ReadonlySet<FailureCause> = new Set(['body-too-large', 'policy']);

/** A new delivery id (x-ossd-delivery-id): 16 hex digits. */
export function newDeliveryId(): string {
  return randomHex(8);
}

export const DEFAULT_CALLBACK_SETTINGS: Omit<CallbackSettings, 'policy'> = {
  timeoutMs: 5000,
  maxResponseBytes: 1024 * 1024,
  maxInFlight: 200,
  absentNumbersAsNull: false,
};

export interface CallbackLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface CallbackServiceDeps {
  privateKey: KeyObject;
  deliveries: DeliveryStore;
  publicKeyUrl: string | (() => string);
  logger?: CallbackLogger;
  /** Local relays (ossd extension): callbacks to `NAME.<relay domain>` go to a connected `ossd relay`. */
  relay?: RelayHub;
  /** The bucket's retry policy for failed upload callbacks (none: delivered once, as OSS does). */
  retryPolicy?: (bucket: string) => Promise<RetryPolicy | undefined>;
  /** Told when a delivery was queued for a retry (the queue worker may want to wake up earlier). */
  onQueued?: (nextAttemptAt: number) => void;
}

/** A callback rendered (and being signed) ahead of delivery: see CallbackService.prepare. */
export interface PreparedCallback {
  /** `committed.versionId`: the version the upload created (versioned buckets), kept in the delivery log. */
  run(committed?: { versionId?: string }): Promise<DeliveryOutcome>;
}

/** A delivery whose recorded body was cut (or never rendered) cannot be sent again. */
export class DeliveryNotResendableError extends Error {
  constructor(id: string) {
    super(
      `Callback delivery ${id} cannot be re-sent: its recorded body is incomplete (truncated or over the size cap)`,
    );
    this.name = 'DeliveryNotResendableError';
  }
}

export class DeliveryNotFoundError extends Error {
  constructor(id: string) {
    super(`No callback delivery with id ${id}`);
    this.name = 'DeliveryNotFoundError';
  }
}

function originOf(url: string): string {
  const m = /^[a-z]+:\/\/[^/?#]*/.exec(url);
  return m ? m[0] : url;
}

export class CallbackService {
  private inFlight = 0;
  /** Keep-alive connections to application servers, shared by every delivery. */
  private readonly pool = new CallbackConnectionPool();
  private readonly settings: CallbackSettings;
  private readonly deps: CallbackServiceDeps;

  constructor(settings: CallbackSettings, deps: CallbackServiceDeps) {
    this.settings = settings;
    this.deps = deps;
  }

  /** Callbacks currently being delivered. */
  get active(): number {
    return this.inFlight;
  }

  /** Renders the template, signs, delivers (URLs in order) and records the delivery. Never throws. */
  async run(spec: CallbackSpec, vars: CallbackVariables): Promise<DeliveryOutcome> {
    return this.prepare(spec, vars).run();
  }

  /**
   * Renders the template and starts signing for the first URL (on the thread pool) now; `run()` then
   * delivers and records as `run` does. An upload prepares its callback before its metadata commit so
   * the RSA signature is computed while the commit's fsync is in progress. Never throws; a prepared
   * callback that is never run costs only the signature.
   */
  prepare(spec: CallbackSpec, vars: CallbackVariables): PreparedCallback {
    let rendered: string;
    try {
      rendered = renderCallbackBody(spec.bodyTemplate, spec.bodyType, vars, spec.customVars, {
        absentNumbersAsNull: this.settings.absentNumbersAsNull,
      });
    } catch (err) {
      if (!(err instanceof RenderedBodyTooLargeError)) throw err;
      return { run: () => this.refuseOversized(spec, vars, err) };
    }
    const first = spec.targets[0];
    const id = newDeliveryId();
    const firstSignature =
      first && signStringToSign(this.deps.privateKey, callbackStringToSign(first.pathAndQuery, Buffer.from(rendered)));
    firstSignature?.catch(() => {}); // a failure surfaces (again) when the attempt awaits it
    const stored: StoredCallbackSpec = {
      targets: spec.targets,
      bodyType: spec.bodyType,
      additionalHeaders: spec.additionalHeaders,
      sni: spec.sni,
      ...(spec.host === undefined ? {} : { host: spec.host }),
    };
    return {
      run: async (committed) => {
        const { outcome } = await this.deliverAndRecord(
          stored,
          rendered,
          { awaitRecord: false, firstSignature, id, mayRetry: true },
          {
            requestId: vars.reqId,
            bucket: vars.bucket,
            key: vars.object,
            operation: vars.operation,
            ...(committed?.versionId === undefined ? {} : { versionId: committed.versionId }),
          },
        );
        return outcome;
      },
    };
  }

  /** A callback whose body renders past the cap: nothing is sent; the failure is recorded. */
  private async refuseOversized(
    spec: CallbackSpec,
    vars: CallbackVariables,
    err: RenderedBodyTooLargeError,
  ): Promise<DeliveryOutcome> {
    const outcome: DeliveryOutcome = {
      ok: false,
      cause: 'body-too-large',
      message: err.message,
      attempts: [],
      stringToSign: '',
      renderedBody: '',
    };
    const input: DeliveryRecordInput = {
      requestId: vars.reqId,
      bucket: vars.bucket,
      key: vars.object,
      operation: vars.operation,
      spec: {
        targets: spec.targets,
        bodyType: spec.bodyType,
        additionalHeaders: spec.additionalHeaders,
        sni: spec.sni,
        ...(spec.host === undefined ? {} : { host: spec.host }),
      },
      renderedBody: `[not rendered: over ${err.limit} bytes]`,
      stringToSign: '',
      truncated: ['renderedBody'],
      attempts: [],
      ok: false,
      cause: 'body-too-large',
      message: err.message,
      latencyMs: 0,
      createdAt: Date.now(),
    };
    this.record(input, input, outcome, 0);
    return outcome;
  }

  /** Re-signs and re-delivers a recorded delivery's rendered body to its recorded targets. */
  async resend(id: string): Promise<{ id: string; outcome: DeliveryOutcome }> {
    const original = await this.deps.deliveries.get(id);
    if (!original) throw new DeliveryNotFoundError(id);
    if (original.truncated?.includes('renderedBody')) throw new DeliveryNotResendableError(id);
    const { record, outcome } = await this.deliverAndRecord(
      original.spec,
      original.renderedBody,
      { awaitRecord: true, id: newDeliveryId(), anySuccess: original.kind === 'notification', kind: original.kind },
      {
        requestId: original.requestId,
        bucket: original.bucket,
        key: original.key,
        operation: original.operation,
        resendOf: original.id,
        ...(original.versionId === undefined ? {} : { versionId: original.versionId }),
      },
    );
    return { id: record?.id ?? '', outcome };
  }

  /**
   * Signs and delivers an already rendered body with this service's settings (timeouts, address policy,
   * in-flight limit) without recording it: the console's callback tester. `policy` replaces the service's
   * address policy (the tester's is stricter for keys outside the root account).
   */
  async deliverUnrecorded(
    spec: StoredCallbackSpec,
    rendered: string,
    policy?: AddressPolicy,
  ): Promise<DeliveryOutcome> {
    return this.deliver(spec, rendered, { policy });
  }

  /**
   * Sends `body` as a notification to `targets` now and records it (kind `notification`, done): the
   * `test` command of notification rules. Returns the record.
   */
  async sendNotificationNow(
    spec: StoredCallbackSpec,
    body: string,
    meta: Pick<DeliveryRecordInput, 'requestId' | 'bucket' | 'key' | 'operation'>,
  ): Promise<{ record?: DeliveryRecord; outcome: DeliveryOutcome }> {
    return this.deliverAndRecord(
      spec,
      body,
      { awaitRecord: true, id: newDeliveryId(), anySuccess: true, kind: 'notification' },
      meta,
    );
  }

  /**
   * One more attempt of a queued delivery (a retry, or a notification's first try), claimed by the
   * queue worker: re-signed now, with the same delivery id and the next x-ossd-attempt. Returns the
   * delivery's new state for DeliveryStore.complete. Not bound by maxInFlight (the worker bounds itself).
   */
  async attemptQueued(d: DeliveryRecord): Promise<DeliveryUpdate> {
    const attempt = d.attempt + 1;
    const outcome = await this.deliver(d.spec, d.renderedBody, {
      id: d.id,
      attempt,
      anySuccess: d.kind === 'notification',
      unbounded: true,
    });
    const retries = d.retry?.retries ?? 0;
    const again = !outcome.ok && attempt <= retries && !FINAL_CAUSES.has(outcome.cause ?? 'connect');
    const latencyMs = outcome.attempts.reduce((sum, a) => sum + a.latencyMs, 0);
    const update: DeliveryUpdate = {
      state: again ? 'pending' : 'done',
      attempt,
      ok: outcome.ok,
      attempts: [...d.attempts, ...outcome.attempts],
      stringToSign: outcome.stringToSign,
      latencyMs: d.latencyMs + latencyMs,
      ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
    };
    if (again && d.retry) update.nextAttemptAt = Date.now() + retryDelay(d.retry, attempt);
    const log = {
      deliveryId: d.id,
      kind: d.kind,
      bucket: d.bucket,
      key: d.key,
      attempt,
      ok: outcome.ok,
      cause: outcome.cause,
      nextAttemptAt: update.nextAttemptAt,
    };
    if (outcome.ok) this.deps.logger?.info(log, `${d.kind} delivered`);
    else this.deps.logger?.warn(log, again ? `${d.kind} failed; will retry` : `${d.kind} failed; no more attempts`);
    return update;
  }

  private async deliver(
    spec: StoredCallbackSpec,
    rendered: string,
    how: {
      firstSignature?: Promise<string>;
      policy?: AddressPolicy;
      id?: string;
      attempt?: number;
      anySuccess?: boolean;
      unbounded?: boolean;
      /** The upload this delivery belongs to (relays need it; none: relays unreachable). */
      upload?: { bucket: string; key: string };
    } = {},
  ): Promise<DeliveryOutcome> {
    const { firstSignature, policy = this.settings.policy } = how;
    let outcome: DeliveryOutcome;
    if (!how.unbounded && this.inFlight >= this.settings.maxInFlight) {
      outcome = {
        ok: false,
        cause: 'overloaded',
        message: MESSAGES.overloaded,
        attempts: [],
        stringToSign: '',
        renderedBody: rendered,
      };
    } else {
      this.inFlight++;
      try {
        const url =
          this.settings.publicKeyUrl ??
          (typeof this.deps.publicKeyUrl === 'function' ? this.deps.publicKeyUrl() : this.deps.publicKeyUrl);
        outcome = await deliverCallback(spec.targets, rendered, {
          ...spec,
          privateKey: this.deps.privateKey,
          publicKeyUrl: url,
          timeoutMs: this.settings.timeoutMs,
          maxResponseBytes: this.settings.maxResponseBytes,
          policy,
          userAgent: this.settings.userAgent,
          ca: this.settings.ca,
          pool: this.pool,
          firstSignature,
          relay: this.relayRoute(how.upload),
          anySuccess: how.anySuccess,
          ...(how.id === undefined
            ? {}
            : {
                delivery: {
                  id: how.id,
                  attempt: how.attempt ?? 1,
                  signatureV2: this.settings.signatureV2 === true,
                },
              }),
        });
      } finally {
        this.inFlight--;
      }
    }
    return outcome;
  }

  /** Relayed attempts of one upload's callback (no upload, e.g. the console tester: relays unreachable). */
  private relayRoute(upload?: { bucket: string; key: string }): SendOptions['relay'] {
    const hub = this.deps.relay;
    if (!hub) return undefined;
    return {
      match: (hostname) => hub.match(hostname),
      forward: (name, req, signal) =>
        upload ? hub.forward(name, { ...req, ...upload }, signal) : Promise.reject(new Error('no upload')),
    };
  }

  /** Delivery records still being written (the upload's answer does not wait for them). */
  private readonly recording = new Set<Promise<unknown>>();

  /** Waits for every delivery record in progress (called before the store closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.recording]);
  }

  /** Waits for the records in progress, then closes the kept-alive connections. */
  async close(): Promise<void> {
    await this.flush();
    await this.pool.close();
  }

  /**
   * Delivers, then records the delivery. For an upload the record is written in the background (it
   * joins the next group commit) so the uploader's answer does not wait for a second commit; a
   * re-send waits, since its caller wants the new record.
   */
  private async deliverAndRecord(
    spec: StoredCallbackSpec,
    rendered: string,
    how: {
      awaitRecord: boolean;
      firstSignature?: Promise<string>;
      id: string;
      /** An upload callback: a failure is queued for retries when the bucket has a retry policy. */
      mayRetry?: boolean;
      anySuccess?: boolean;
      kind?: DeliveryRecord['kind'];
    },
    meta: Pick<DeliveryRecordInput, 'requestId' | 'bucket' | 'key' | 'operation' | 'resendOf' | 'versionId'>,
  ): Promise<{ record?: DeliveryRecord; outcome: DeliveryOutcome }> {
    const started = Date.now();
    const outcome = await this.deliver(spec, rendered, {
      firstSignature: how.firstSignature,
      id: how.id,
      anySuccess: how.anySuccess,
      upload: { bucket: meta.bucket, key: meta.key },
    });
    const latencyMs = outcome.attempts.reduce((sum, a) => sum + a.latencyMs, 0);
    const body = capText(rendered);
    // outcome.stringToSign is the last attempt's, already capped by deliverCallback.
    const truncated = [
      ...(body.truncated ? (['renderedBody'] as const) : []),
      ...(outcome.attempts.at(-1)?.truncated?.includes('stringToSign') ? (['stringToSign'] as const) : []),
    ];
    const input: DeliveryRecordInput = {
      ...meta,
      id: how.id,
      ...(how.kind === undefined ? {} : { kind: how.kind }),
      spec,
      renderedBody: body.text,
      stringToSign: outcome.stringToSign,
      ...(truncated.length ? { truncated } : {}),
      attempts: outcome.attempts,
      ok: outcome.ok,
      latencyMs,
      createdAt: started,
      ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
    };
    if (input.resendOf === undefined) delete input.resendOf;
    const retryable =
      how.mayRetry === true &&
      !outcome.ok &&
      !body.truncated &&
      !FINAL_CAUSES.has(outcome.cause ?? 'connect') &&
      this.deps.retryPolicy !== undefined;
    const written = retryable
      ? this.recordWithRetry(input, meta, outcome, latencyMs)
      : this.record(input, meta, outcome, latencyMs);
    return { record: how.awaitRecord ? await written : undefined, outcome };
  }

  /** Looks up the bucket's retry policy, then records the failed delivery as pending (or done without one). */
  private recordWithRetry(
    input: DeliveryRecordInput,
    meta: Pick<DeliveryRecordInput, 'requestId' | 'bucket' | 'key' | 'resendOf'>,
    outcome: DeliveryOutcome,
    latencyMs: number,
  ): Promise<DeliveryRecord | undefined> {
    const lookup = (this.deps.retryPolicy?.(input.bucket) ?? Promise.resolve(undefined)).catch((err: unknown) => {
      this.deps.logger?.warn(
        { err: err instanceof Error ? err.message : String(err), bucket: input.bucket },
        'callback retry policy not read; not retried',
      );
      return undefined;
    });
    const written = lookup.then((policy) => {
      if (policy && policy.retries > 0) {
        input.state = 'pending';
        input.attempt = 1;
        input.retry = policy;
        input.nextAttemptAt = Date.now() + retryDelay(policy, 1);
      }
      const r = this.record(input, meta, outcome, latencyMs);
      if (input.state === 'pending') void r.then((rec) => rec && this.deps.onQueued?.(input.nextAttemptAt ?? 0));
      return r;
    });
    this.recording.add(written);
    void written.finally(() => this.recording.delete(written));
    return written;
  }

  /** Writes a delivery record in the background (tracked for flush), then logs the delivery. */
  private record(
    input: DeliveryRecordInput,
    meta: Pick<DeliveryRecordInput, 'requestId' | 'bucket' | 'key' | 'resendOf'>,
    outcome: DeliveryOutcome,
    latencyMs: number,
  ): Promise<DeliveryRecord | undefined> {
    const written = this.deps.deliveries.record(input).then(
      (record) => {
        this.log(record, meta, outcome, latencyMs);
        return record;
      },
      (err: unknown) => {
        this.deps.logger?.warn(
          { err: err instanceof Error ? err.message : String(err), requestId: meta.requestId },
          'callback delivery not recorded',
        );
        this.log(undefined, meta, outcome, latencyMs);
        return undefined;
      },
    );
    this.recording.add(written);
    void written.finally(() => this.recording.delete(written));
    return written;
  }

  private log(
    record: DeliveryRecord | undefined,
    meta: Pick<DeliveryRecordInput, 'requestId' | 'bucket' | 'key' | 'resendOf'>,
    outcome: DeliveryOutcome,
    latencyMs: number,
  ): void {
    const log = {
      deliveryId: record?.id,
      requestId: meta.requestId,
      bucket: meta.bucket,
      key: meta.key,
      ok: outcome.ok,
      cause: outcome.cause,
      latencyMs,
      attempts: outcome.attempts.map((a) => ({
        target: originOf(a.url),
        status: a.status,
        cause: a.cause,
        latencyMs: a.latencyMs,
      })),
      resendOf: meta.resendOf,
    };
    if (outcome.ok) this.deps.logger?.info(log, 'callback delivered');
    else this.deps.logger?.warn(log, 'callback failed');
  }
}
