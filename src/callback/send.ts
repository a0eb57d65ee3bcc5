/**
 * Delivery of one callback (callback.md sections 5–7): resolve once under the address policy, connect to
 * the checked address, POST the signed body, judge the reply. URLs are tried in order until one succeeds.
 */
import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client, Dispatcher } from 'undici';
import { type AddressPolicy, CallbackAddressError, type LookupAll, resolveChecked } from './address-policy.js';
import type { CallbackConnectionPool, Lease } from './connection-pool.js';
import type { CallbackBodyType, CallbackTarget } from './parse.js';
import { pinnedConnector } from './pinned-connect.js';
import { flatHeaders, isValidJson, readCapped } from './read-reply.js';
import { capBuffer, capText, MAX_RECORDED_BODY_BYTES } from './record-caps.js';
import type { RelayReply, RelayRequest } from './relay-hub.js';
import { callbackStringToSign, signStringToSign, signV2 } from './sign.js';
import { loadUndici } from './undici.js';

export type FailureCause =
  | 'connect'
  | 'timeout'
  | 'status'
  | 'not-json'
  | 'too-large'
  | 'policy'
  | 'overloaded'
  /** The rendered body passed MAX_RENDERED_BODY_BYTES: nothing was sent. */
  | 'body-too-large';

export interface AttemptRecord {
  url: string;
  /** The checked address connected to. */
  address?: string;
  requestHeaders: Record<string, string>;
  status?: number;
  responseHeaders?: Record<string, string>;
  /** Capped copy (MAX_RECORDED_BODY_BYTES), ending with the truncation marker when cut. */
  responseBody?: Buffer;
  latencyMs: number;
  ok: boolean;
  cause?: FailureCause;
  /** The exact 203 message of callback.md section 6. */
  message?: string;
  /** What was signed for this URL (UTF-8; the body is the rendered template); capped like responseBody. */
  stringToSign?: string;
  /** Which of `stringToSign` and `responseBody` were cut to MAX_RECORDED_BODY_BYTES. */
  truncated?: ('stringToSign' | 'responseBody')[];
}

export interface DeliveryOutcome {
  ok: boolean;
  /** The application's reply, byte for byte, on success. */
  body?: Buffer;
  /** The last failure's message. */
  message?: string;
  cause?: FailureCause;
  attempts: AttemptRecord[];
  /** Of the last attempt. */
  stringToSign: string;
  renderedBody: string;
}

export interface SendOptions {
  host?: string;
  bodyType: CallbackBodyType;
  additionalHeaders: Record<string, string>;
  sni: boolean;
  privateKey: KeyObject;
  /** Advertised in `x-oss-pub-key-url` (base64). */
  publicKeyUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  policy: AddressPolicy;
  /** The signature for the first target, computed ahead (CallbackService.prepare); the same bytes are signed. */
  firstSignature?: Promise<string>;
  /** Keep-alive connections to reuse (default: a new connection per attempt, closed after it). */
  pool?: CallbackConnectionPool;
  userAgent?: string;
  /** Extra trusted CA certificates for https callbacks (certificate verification is always on). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name resolution (default: the system resolver); resolved once per attempt. */
  lookup?: LookupAll;
  /**
   * ossd's extension headers (OSS sends none of them): `x-ossd-delivery-id` and `x-ossd-attempt`, and
   * with `signatureV2` also `x-ossd-timestamp` and `x-ossd-signature` (see signV2).
   */
  delivery?: { id: string; attempt: number; signatureV2: boolean };
  /** Event notifications: any 2xx reply succeeds, whatever its body (callbacks need 200 and JSON). */
  anySuccess?: boolean;
  /** Local relay (relay-hub.ts): targets it matches are handed to a connected relay, not sent. */
  relay?: RelayRoute;
}

/** How one delivery reaches relays: `forward` knows the upload (bucket, key) it belongs to. */
export interface RelayRoute {
  match(hostname: string): string | undefined;
  forward(name: string, req: Omit<RelayRequest, 'bucket' | 'key'>, signal: AbortSignal): Promise<RelayReply>;
}

/** What the real service sends (from its documented callback request). */
export const DEFAULT_CALLBACK_USER_AGENT = 'ehttp-client/0.0.1';
export { MAX_RECORDED_BODY_BYTES } from './record-caps.js';

export const MESSAGES = {
  connect: 'Error status : -1. OSS can not connect to your callbackUrl, please check it.',
  timeout: (hostPort: string, costMs: number, timeoutMs: number) =>
    `Error status : -1 ${hostPort} reply timeout, cost:${costMs} ms, timeout:${timeoutMs} ms`,
  status: (status: number) => `Error status : ${status}.`,
  notJson: 'Response body is not valid json format.',
  tooLarge: 'Error Status : 400.User server return too long content-length value',
  overloaded: 'Too many callback requests',
} as const;

function hostHeader(target: CallbackTarget, host: string | undefined): string {
  if (host !== undefined) return host;
  const name = target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname;
  const defaultPort = target.protocol === 'https:' ? 443 : 80;
  return target.port === defaultPort ? name : `${name}:${target.port}`;
}

/** The name TLS verifies (and sends as SNI when enabled): callbackHost without port, else the URL host. */
function tlsName(target: CallbackTarget, host: string | undefined): string {
  if (host === undefined) return target.hostname;
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Errors of a connection closed under a request (not a refusal, not a timeout). */
function isStaleConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

/** One POST to one URL. Never throws. */
async function attempt(
  target: CallbackTarget,
  body: Buffer,
  opts: SendOptions,
  signature?: Promise<string>,
): Promise<{ record: AttemptRecord; reply?: Buffer }> {
  // Before the clock starts: the first callback of a process loads the HTTP client.
  const { Client } = await loadUndici();
  const started = performance.now();
  const stringToSign = callbackStringToSign(target.pathAndQuery, body);
  const requestHeaders: Record<string, string> = {
    host: hostHeader(target, opts.host),
    'content-length': String(body.length),
    'content-type': opts.bodyType,
    'user-agent': opts.userAgent ?? DEFAULT_CALLBACK_USER_AGENT,
    authorization: await (signature ?? signStringToSign(opts.privateKey, stringToSign)),
    'x-oss-pub-key-url': Buffer.from(opts.publicKeyUrl, 'utf8').toString('base64'),
  };
  for (const [name, value] of Object.entries(opts.additionalHeaders)) {
    delete requestHeaders[name.toLowerCase()]; // e.g. a User-Agent of the application's choosing replaces ours
    requestHeaders[name] = value;
  }
  if (opts.delivery) {
    requestHeaders['x-ossd-delivery-id'] = opts.delivery.id;
    requestHeaders['x-ossd-attempt'] = String(opts.delivery.attempt);
    if (opts.delivery.signatureV2) {
      const timestamp = String(Date.now());
      requestHeaders['x-ossd-timestamp'] = timestamp;
      requestHeaders['x-ossd-signature'] = await signV2(opts.privateKey, timestamp, opts.delivery.id, stringToSign);
    }
  }
  const signed = capText(stringToSign.toString('utf8'));
  const record: AttemptRecord = {
    url: target.url,
    requestHeaders,
    latencyMs: 0,
    ok: false,
    stringToSign: signed.text,
  };
  if (signed.truncated) record.truncated = ['stringToSign'];
  const keepReply = (data: Buffer, more: boolean): Buffer => {
    const kept = capBuffer(data, more);
    if (kept.truncated) record.truncated = [...(record.truncated ?? []), 'responseBody'];
    return kept.data;
  };
  const finish = (fields: Partial<AttemptRecord>) => {
    Object.assign(record, fields);
    record.latencyMs = Math.round(performance.now() - started);
    return { record };
  };

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('callback timeout')), opts.timeoutMs);
  const timedOut = () => controller.signal.aborted;
  const timeoutResult = () => {
    const cost = Math.round(performance.now() - started);
    const addr = record.address ?? target.hostname;
    const hostPort = `${addr.includes(':') ? `[${addr}]` : addr}:${target.port}`;
    return finish({ cause: 'timeout', message: MESSAGES.timeout(hostPort, cost, opts.timeoutMs) });
  };
  let client: Client | undefined;
  let lease: Lease | undefined;
  let reusable = false;
  try {
    const relayName = opts.relay?.match(target.hostname);
    if (opts.relay && relayName !== undefined) {
      const reply = await opts.relay.forward(
        relayName,
        { path: target.pathAndQuery, headers: requestHeaders, body },
        controller.signal,
      );
      record.address = `relay:${relayName}`;
      return judgeRelayReply(reply, opts, finish, keepReply);
    }
    let resolved: { address: string; family: 4 | 6 };
    try {
      resolved = await Promise.race([
        resolveChecked(target.hostname, opts.policy, opts.lookup),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () => reject(new Error('callback timeout')), { once: true }),
        ),
      ]);
    } catch (err) {
      if (err instanceof CallbackAddressError)
        return finish({ cause: err.kind === 'policy' ? 'policy' : 'connect', message: MESSAGES.connect });
      return timeoutResult();
    }
    record.address = resolved.address;
    const origin = `${target.protocol}//${target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname}:${target.port}`;
    const connect = {
      address: resolved.address,
      port: target.port,
      https: target.protocol === 'https:',
      tlsName: tlsName(target, opts.host),
      sni: opts.sni,
      ca: opts.ca,
    };
    const fresh = () => {
      client = new Client(origin, {
        connect: pinnedConnector({ ...connect, signal: controller.signal }),
        headersTimeout: opts.timeoutMs + 1000,
        bodyTimeout: opts.timeoutMs + 1000,
      });
      client.on('connectionError', () => {});
      return client;
    };
    const post = (dispatcher: Dispatcher) =>
      dispatcher.request({
        path: target.pathAndQuery,
        method: 'POST',
        headers: requestHeaders,
        body,
        signal: controller.signal,
      });
    lease = opts.pool && opts.ca === undefined ? opts.pool.acquire(origin, connect, opts) : undefined;
    let res: Dispatcher.ResponseData;
    if (lease) {
      try {
        res = await post(lease.client);
      } catch (err) {
        // A kept-alive connection the application closed just as we reused it: the request never reached
        // it. Once, on a new connection (refusals and timeouts are answers, not retried).
        if (!lease.reused || timedOut() || !isStaleConnectionError(err)) throw err;
        lease.release(false);
        lease = undefined;
        res = await post(fresh());
      }
    } else {
      res = await post(fresh());
    }
    res.body.on('error', () => {}); // destroyed on purpose below when too large; errors surface via iteration
    const responseHeaders = flatHeaders(res.headers);
    Object.assign(record, { status: res.statusCode, responseHeaders });
    if (opts.anySuccess && res.statusCode >= 200 && res.statusCode < 300) {
      // A 2xx status is the answer: a reply body cut short or malformed (e.g. a 204 declaring a length)
      // does not undo it; the connection is just not reused then.
      let data: Buffer = Buffer.alloc(0);
      let over = false;
      try {
        ({ data, over } = await readCapped(res.body, MAX_RECORDED_BODY_BYTES));
        reusable = !over;
      } catch {
        reusable = false;
      }
      if (over) res.body.destroy();
      return { ...finish({ responseBody: keepReply(data, over), ok: true }), reply: data };
    }
    if (res.statusCode !== 200) {
      const { data, over } = await readCapped(res.body, MAX_RECORDED_BODY_BYTES);
      return finish({ responseBody: keepReply(data, over), cause: 'status', message: MESSAGES.status(res.statusCode) });
    }
    const declared = responseHeaders['content-length'];
    if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) > opts.maxResponseBytes) {
      res.body.destroy();
      return finish({ cause: 'too-large', message: MESSAGES.tooLarge });
    }
    const { data, over } = await readCapped(res.body, opts.maxResponseBytes);
    const responseBody = keepReply(data, over);
    if (over) return finish({ responseBody, cause: 'too-large', message: MESSAGES.tooLarge });
    if (!isValidJson(data)) return finish({ responseBody, cause: 'not-json', message: MESSAGES.notJson });
    reusable = true; // a complete, successful exchange: the connection may serve the next callback
    return { ...finish({ responseBody, ok: true }), reply: data };
  } catch {
    if (timedOut()) return timeoutResult();
    return finish({ cause: 'connect', message: MESSAGES.connect });
  } finally {
    clearTimeout(timer);
    lease?.release(reusable);
    client?.destroy().catch(() => {});
  }
}

/** A relayed reply judged as attempt() judges a network one (status, Content-Length, size, JSON). */
function judgeRelayReply(
  reply: RelayReply,
  opts: SendOptions,
  finish: (fields: Partial<AttemptRecord>) => { record: AttemptRecord },
  keepReply: (data: Buffer, more: boolean) => Buffer,
): { record: AttemptRecord; reply?: Buffer } {
  const { status, headers, body } = reply;
  if (status !== 200) {
    const over = body.length > MAX_RECORDED_BODY_BYTES;
    return finish({
      status,
      responseHeaders: headers,
      responseBody: keepReply(body.subarray(0, MAX_RECORDED_BODY_BYTES), over),
      cause: 'status',
      message: MESSAGES.status(status),
    });
  }
  const declared = headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) > opts.maxResponseBytes) {
    return finish({ status, responseHeaders: headers, cause: 'too-large', message: MESSAGES.tooLarge });
  }
  const responseBody = keepReply(body, false);
  if (body.length > opts.maxResponseBytes) {
    return finish({ status, responseHeaders: headers, responseBody, cause: 'too-large', message: MESSAGES.tooLarge });
  }
  if (!isValidJson(body)) {
    return finish({ status, responseHeaders: headers, responseBody, cause: 'not-json', message: MESSAGES.notJson });
  }
  return { ...finish({ status, responseHeaders: headers, responseBody, ok: true }), reply: body };
}

/** POSTs `body` to each target in order until one succeeds. Never throws. */
export async function deliverCallback(
  targets: readonly CallbackTarget[],
  body: string,
  opts: SendOptions,
): Promise<DeliveryOutcome> {
  const bytes = Buffer.from(body, 'utf8');
  const attempts: AttemptRecord[] = [];
  for (const [i, target] of targets.entries()) {
    const { record, reply } = await attempt(target, bytes, opts, i === 0 ? opts.firstSignature : undefined);
    attempts.push(record);
    if (record.ok) {
      return { ok: true, body: reply, attempts, stringToSign: record.stringToSign ?? '', renderedBody: body };
    }
  }
  const last = attempts[attempts.length - 1];
  return {
    ok: false,
    message: last?.message ?? MESSAGES.connect,
    cause: last?.cause ?? 'connect',
    attempts,
    stringToSign: last?.stringToSign ?? '',
    renderedBody: body,
  };
}
