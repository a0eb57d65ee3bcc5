import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type LoggingTarget, readLogging } from '../api/bucket/logging-config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { BlobStore, MetadataStore, ObjectRecord } from '../storage/types.js';

/** One finished request to a bucket, as the pipeline reports it (small: formatted only if the bucket logs). */
export interface AccessRecord {
  bucket: string;
  /** Wall-clock time the request arrived (ms). */
  time: number;
  remoteIp: string;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  sentBytes: number;
  /** Total request time, ms. */
  ms: number;
  referer?: string;
  userAgent?: string;
  host?: string;
  requestId: string;
  requester?: string;
  operation: string;
  key: string;
  objectSize?: number;
  errorCode?: string;
  requestLength: number;
  owner?: string;
  accessKeyId?: string;
}

export interface AccessLogOptions {
  /** Flush every this many ms (0 = only on a full buffer and at shutdown). */
  intervalMs: number;
  /** Buffered bytes that trigger an early flush; twice this and new lines are dropped (counted). */
  maxBufferBytes: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `[02/May/2012:00:00:04 +0000]` (UTC). */
function logTime(ms: number): string {
  const d = new Date(ms);
  return `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
}

/** A quoted field: `"-"` when empty; quotes, backslashes and control characters escaped. */
function q(v: string | undefined): string {
  if (v === undefined || v === '') return '"-"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return `"${v.replace(/[\\"\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

const num = (n: number | undefined) => (n === undefined ? '-' : String(n));

/**
 * One OSS access-log line: RemoteIP Reserved Reserved Time "RequestURL" HTTPStatus SentBytes RequestTime
 * "Referer" "UserAgent" "HostName" "RequestID" "LoggingFlag" "RequesterAliyunID" "Operation" "BucketName"
 * "ObjectName" ObjectSize ServerCostTime "ErrorCode" RequestLength "UserID" DeltaDataSize "SyncRequest"
 * "StorageClass" "TargetStorageClass" "TransmissionAccelerationAccessPoint" "AccessKeyID".
 */
export function formatAccessLine(r: AccessRecord): string {
  return [
    r.remoteIp || '-',
    '-',
    '-',
    logTime(r.time),
    q(`${r.method} ${r.url} HTTP/${r.httpVersion}`),
    String(r.status),
    String(r.sentBytes),
    String(r.ms),
    q(r.referer),
    q(r.userAgent),
    q(r.host),
    q(r.requestId),
    q('true'),
    q(r.requester),
    q(r.operation),
    q(r.bucket),
    q(r.key ? encodeURIComponent(r.key) : undefined),
    num(r.objectSize),
    String(r.ms),
    q(r.errorCode),
    String(r.requestLength),
    q(r.owner),
    '-',
    q(undefined),
    q(undefined),
    q(undefined),
    q(undefined),
    q(r.accessKeyId),
  ].join(' ');
}

/** `<prefix><bucket>YYYY-mm-DD-HH-MM-SS-<unique>` (UTC). */
export function logObjectKey(target: LoggingTarget, bucket: string, ms: number, unique: string): string {
  const d = new Date(ms);
  const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
  return `${target.targetPrefix}${bucket}${stamp}-${unique}`;
}

interface BucketState {
  /** null: logging is off. */
  target: LoggingTarget | null;
  checkedAt: number;
}

const MAX_STATES = 10_000;

/**
 * Bucket access logging: the request pipeline hands each finished request to `record` (synchronous, no I/O:
 * a bucket known not to log costs a map lookup); lines of logging buckets are buffered in memory, bounded,
 * and written as objects into each bucket's target bucket every interval, when the buffer fills, and at
 * shutdown. Log objects are written straight to the stores (not through HTTP), so writing them is never
 * itself logged.
 */
export class AccessLog {
  private readonly states = new Map<string, BucketState>();
  private readonly refreshing = new Set<string>();
  private buffer = new Map<string, string[]>();
  private bufferedBytes = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer?: NodeJS.Timeout;
  private seq = 0;
  private readonly node = randomBytes(2).toString('hex').toUpperCase();
  private closed = false;
  /** An early write (full buffer) is queued or running: one at a time. */
  private earlyFlush = false;
  /** How long a bucket's logging setting is trusted before it is read again (other nodes may change it). */
  private readonly ttlMs: number;

  constructor(
    private readonly meta: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private options: AccessLogOptions,
  ) {
    this.ttlMs = Math.max(200, Math.min(5000, options.intervalMs || 5000));
    // A buffer too small to hold a line would drop everything.
    this.options = { ...options, maxBufferBytes: Math.max(4096, options.maxBufferBytes) };
    if (options.intervalMs > 0) {
      this.timer = setInterval(() => {
        this.flush().catch(() => {});
      }, options.intervalMs);
      this.timer.unref();
    }
  }

  /** Drops what is known about a bucket's setting (after Put/DeleteBucketLogging on this node). */
  forget(bucket: string): void {
    this.states.delete(bucket);
  }

  record(r: AccessRecord): void {
    if (this.closed) return;
    const now = Date.now();
    const st = this.states.get(r.bucket);
    if (!st || now - st.checkedAt > this.ttlMs) this.refresh(r.bucket);
    // Known off, and recently checked: nothing kept. Unknown or stale: kept, settled at flush (a stale
    // setting is being read again; for the few milliseconds that takes, lines are formatted and buffered).
    if (st && st.target === null && now - st.checkedAt <= this.ttlMs) return;
    if (this.bufferedBytes >= 2 * this.options.maxBufferBytes) {
      this.metrics.accessLogDropped.inc();
      return;
    }
    const line = `${formatAccessLine(r)}\n`;
    let lines = this.buffer.get(r.bucket);
    if (!lines) {
      lines = [];
      this.buffer.set(r.bucket, lines);
    }
    lines.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes >= this.options.maxBufferBytes && !this.earlyFlush) {
      this.earlyFlush = true;
      this.flush()
        .catch(() => {})
        .finally(() => {
          this.earlyFlush = false;
        });
    }
  }

  private refresh(bucket: string): void {
    if (this.refreshing.has(bucket)) return;
    this.refreshing.add(bucket);
    readLogging(this.meta, bucket)
      .then((target) => {
        if (this.states.size >= MAX_STATES) this.states.clear();
        this.states.set(bucket, { target: target ?? null, checkedAt: Date.now() });
      })
      .catch(() => {})
      .finally(() => this.refreshing.delete(bucket));
  }

  /** Writes everything buffered (runs after a flush already in progress). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    if (this.buffer.size === 0) return;
    const batch = this.buffer;
    this.buffer = new Map();
    this.bufferedBytes = 0;
    const now = Date.now();
    for (const [bucket, lines] of batch) {
      try {
        const target = await readLogging(this.meta, bucket);
        this.states.set(bucket, { target: target ?? null, checkedAt: Date.now() });
        if (!target) continue;
        const dest = await this.meta.getBucket(target.targetBucket);
        if (!dest) {
          this.metrics.accessLogDropped.inc(lines.length);
          this.logger.warn({ bucket, target: target.targetBucket }, 'access log: target bucket is gone; lines dropped');
          continue;
        }
        this.seq = (this.seq + 1) % 0x10000;
        const unique = `${this.node}${this.seq.toString(16).toUpperCase().padStart(4, '0')}`;
        await this.writeObject(dest.name, logObjectKey(target, bucket, now, unique), Buffer.from(lines.join('')));
        this.metrics.accessLogWritten.inc({ outcome: 'ok' });
      } catch (err) {
        this.metrics.accessLogWritten.inc({ outcome: 'failed' });
        this.metrics.accessLogDropped.inc(lines.length);
        this.logger.warn({ err, bucket }, 'access log: writing the log object failed; lines dropped');
      }
    }
  }

  /** The object-put storage path: a blob, then its record (the replaced version's blobs released). */
  private async writeObject(bucket: string, key: string, data: Buffer): Promise<void> {
    const stored = await this.blobs.write(Readable.from([data]), { maxBytes: data.length + 1 });
    const object: ObjectRecord = {
      bucket,
      key,
      type: 'Normal',
      size: stored.size,
      etag: stored.md5.toString('hex').toUpperCase(),
      crc64: stored.crc64,
      contentMd5: stored.md5.toString('base64'),
      lastModified: Date.now(),
      acl: 'default',
      storageClass: 'Standard',
      contentType: 'application/octet-stream',
      meta: {},
      tags: {},
      segments: [{ blob: stored.blob, size: stored.size, crc64: stored.crc64 }],
    };
    try {
      const { released } = await this.meta.putObject(object);
      await this.blobs.delete(released);
    } catch (err) {
      await this.blobs.delete([stored.blob]).catch(() => {});
      throw err;
    }
  }

  /** Stops the timer and writes what is buffered (shutdown drain). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => {});
  }
}
