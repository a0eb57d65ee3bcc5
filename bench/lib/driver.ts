import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';

/** What one closed-loop run measured. Latencies are in milliseconds, one per successful operation. */
export interface LoadResult {
  ops: number;
  /** Payload bytes moved (request body for PUT, response body for GET). */
  bytes: number;
  elapsedMs: number;
  latencies: number[];
  errors: number;
  firstError?: string;
  /** True when the time cap stopped the run before `count` operations. */
  capped: boolean;
}

export interface ClosedLoopOptions {
  concurrency: number;
  /** Upper bound on measured operations. */
  count: number;
  /** Upper bound on measured wall time. */
  timeCapMs: number;
  /** Operations run (at the same concurrency) before measuring; not counted. */
  warmup?: number;
}

/**
 * Runs `op(i)` from `concurrency` workers until `count` operations or `timeCapMs` elapsed.
 * `op` resolves to the payload bytes it moved; a throw counts as an error (no latency recorded).
 */
export async function closedLoop(o: ClosedLoopOptions, op: (i: number) => Promise<number>): Promise<LoadResult> {
  let next = 0;
  const warmup = o.warmup ?? 0;
  if (warmup > 0) {
    await Promise.all(
      Array.from({ length: Math.min(o.concurrency, warmup) }, async () => {
        while (next < warmup) await op(next++);
      }),
    );
  }
  const first = next;
  const latencies: number[] = [];
  let bytes = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + o.timeCapMs;
  let capped = false;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next - first < o.count) {
        if (performance.now() >= deadline) {
          capped = true;
          return;
        }
        const i = next++;
        const t0 = performance.now();
        try {
          // Not `bytes += await op(i)`: that reads `bytes` before the await and loses concurrent updates.
          const moved = await op(i);
          latencies.push(performance.now() - t0);
          bytes += moved;
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  return { ops: latencies.length, bytes, elapsedMs, latencies, errors, firstError, capped };
}

export interface HttpSpec {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  /** Payload bytes to credit for a PUT (the body length); GETs credit what they receive. */
  sentBytes?: number;
  expectStatus?: number;
}

/** A keep-alive undici pool to one origin, with a helper that sends one request and drains the answer. */
export class HttpClient {
  readonly pool: Pool;

  constructor(origin: string, connections: number) {
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 120_000,
      bodyTimeout: 600_000,
    });
  }

  /** Sends the request; resolves to payload bytes (sent for bodies, else received). Throws on an unexpected status. */
  async send(spec: HttpSpec): Promise<number> {
    const res = await this.pool.request({
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      body: spec.body,
    });
    const expect = spec.expectStatus ?? 200;
    if (res.statusCode !== expect) {
      const text = (await res.body.text()).slice(0, 300);
      throw new Error(`${spec.method} ${spec.path} → ${res.statusCode} ${text}`);
    }
    let received = 0;
    for await (const chunk of res.body) received += (chunk as Buffer).length;
    return spec.sentBytes ?? received;
  }

  /** Like send, but returns status, headers and the body text (for control requests). */
  async call(spec: HttpSpec): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const res = await this.pool.request({
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      body: spec.body,
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v[0] : v;
    if (spec.expectStatus !== undefined && res.statusCode !== spec.expectStatus) {
      throw new Error(`${spec.method} ${spec.path} → ${res.statusCode} ${text.slice(0, 300)}`);
    }
    return { status: res.statusCode, headers, text };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Closed-loop HTTP load with a fresh pool of `concurrency` keep-alive connections. */
export async function httpLoad(
  origin: string,
  o: ClosedLoopOptions,
  spec: (i: number) => HttpSpec,
): Promise<LoadResult> {
  const client = new HttpClient(origin, o.concurrency);
  try {
    return await closedLoop(o, (i) => client.send(spec(i)));
  } finally {
    await client.close();
  }
}

/** Nearest-rank percentile of unsorted samples (ms). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

export const MiB = 1024 * 1024;

export function opsPerSec(r: LoadResult): number {
  return r.ops / (r.elapsedMs / 1000);
}

export function mibPerSec(r: LoadResult): number {
  return r.bytes / MiB / (r.elapsedMs / 1000);
}
