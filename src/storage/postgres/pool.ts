/**
 * The connection pool every PostgreSQL store of one node shares, with the transaction helper and the
 * failure policy: an unreachable or stalled server fails each call quickly with
 * StorageError('unavailable') (the HTTP layer answers 503), and the pool reconnects by itself when the
 * server is back.
 *
 * Driver: node-postgres (`pg`). It is the most used and actively maintained PostgreSQL client for Node,
 * pools connections, hands `bytea` columns back as Buffers and takes Buffers as binary parameters (inline
 * object bytes travel unescaped), and is pure JavaScript, so ossd still installs without a native build
 * step for its database driver.
 */
import pg from 'pg';
import { StorageError } from '../errors.js';
import type { PostgresConnection } from './url.js';

export interface PoolOptions {
  /** Connections this node keeps at most (default 10). */
  max?: number;
  /** Give up connecting after this long (default 2000 ms). */
  connectionTimeoutMillis?: number;
  /** Server-side statement timeout and client-side read timeout (default 10000 ms). */
  statementTimeoutMillis?: number;
}

/** One statement's parameters. */
export type Params = unknown[];

/** A transaction in progress: statements run on its one connection. */
export interface Tx {
  q<R extends object>(sql: string, params?: Params): Promise<R[]>;
  /** Number of rows the statement changed. */
  run(sql: string, params?: Params): Promise<number>;
}

// int8 (bigint) columns hold byte counts and millisecond times, well inside 2^53: read them as numbers.
const types = new pg.TypeOverrides();
types.setTypeParser(20, (v: string) => Number(v));

/**
 * Whether a driver error means "the server cannot serve us now" rather than "this statement is wrong".
 * Only driver and socket errors qualify: errors thrown by a transaction's own callbacks (guards) pass
 * through unchanged.
 */
function isUnavailable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? '';
    // Connection exceptions; admin/crash shutdown, cannot connect now; too many connections; statement
    // timeout; insufficient resources; system error.
    return /^08/.test(code) || ['57P01', '57P02', '57P03', '53300', '57014', '53000', '58000'].includes(code);
  }
  if (!(err instanceof Error)) return false;
  // Socket errors: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ENOTFOUND, EPIPE…
  const code = (err as { code?: unknown }).code;
  if ('syscall' in err || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) return true;
  return (
    err.constructor === Error &&
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|timeout expired|not queryable/i.test(
      err.message,
    )
  );
}

/** Errors after which a transaction may simply be run again (nothing of it was committed). */
function isRetryable(err: unknown): boolean {
  return err instanceof pg.DatabaseError && (err.code === '40001' || err.code === '40P01');
}

export function unavailable(err: unknown): StorageError {
  const why = err instanceof Error ? err.message : String(err);
  return new StorageError('unavailable', `metadata store (PostgreSQL) unavailable: ${why}`, { cause: err });
}

/** Rethrows a driver error as StorageError('unavailable') when it means the server is out of reach. */
export function translate(err: unknown): unknown {
  return isUnavailable(err) ? unavailable(err) : err;
}

export class PgPool {
  readonly pool: pg.Pool;
  private readonly statementTimeout: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;
  private readonly gate: Gate;

  constructor(conn: PostgresConnection, options: PoolOptions = {}) {
    this.statementTimeout = options.statementTimeoutMillis ?? 10_000;
    this.gate = new Gate(options.max ?? 10, this.statementTimeout);
    this.pool = new pg.Pool({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
      ssl: conn.ssl === false ? false : conn.ssl,
      application_name: conn.applicationName ?? 'ossd',
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? conn.connectionTimeoutMillis ?? 2000,
      statement_timeout: this.statementTimeout,
      // A dead server or network does not answer at all: the client gives up shortly after the server would.
      query_timeout: this.statementTimeout + 2000,
      // A transaction left open by a stalled node does not hold its locks for long.
      idle_in_transaction_session_timeout: this.statementTimeout * 3,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      types,
    });
    // An idle connection the server closed (restart, failover): the pool drops it and opens a new one on
    // the next call. Without a listener the event would end the process.
    this.pool.on('error', () => {});
  }

  /** Tracks a call so close() waits for it. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  /** A single statement outside a transaction (reads and one-statement writes). Retried once on a stale connection. */
  query<R extends object>(sql: string, params: Params = [], timeoutMs?: number): Promise<R[]> {
    return this.track(this.queryOnce<R>(sql, params, timeoutMs));
  }

  private async queryOnce<R extends object>(sql: string, params: Params, timeoutMs?: number): Promise<R[]> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      try {
        const r = await client.query<R>({ text: sql, values: params, query_timeout: timeoutMs } as pg.QueryConfig);
        client.release();
        return r.rows;
      } catch (err) {
        client.release(err instanceof Error ? err : new Error(String(err)));
        // The first call after a server restart can meet a pooled connection the server already closed.
        if (attempt === 0 && isStaleConnection(err)) continue;
        throw translate(err);
      }
    }
  }

  /**
   * A connection checked out of the pool; release it with `release(err?)`. Callers wait their turn in a
   * queue (pg's own wait would count against the 2 s connect timeout and answer 503 under mere load); the
   * queue is failed at once when connecting fails, so an outage answers quickly instead of piling up.
   */
  async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw new StorageError('unavailable', 'metadata store closed');
    await this.gate.acquire();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.gate.release();
      const e = translate(err);
      if (e instanceof StorageError) this.gate.failWaiting(e);
      throw e;
    }
    // A connection lost while checked out (server stopped, network cut mid-query) makes the driver emit
    // 'error' on the client besides failing its query; the pool listens only while the client is idle, and
    // an event without a listener would end the process. The query's own error is what the caller handles.
    const ignore = () => {};
    client.on('error', ignore);
    const release = client.release.bind(client);
    let released = false;
    client.release = (e?: Error | boolean) => {
      client.removeListener('error', ignore);
      if (!released) {
        released = true;
        this.gate.release();
      }
      return release(e);
    };
    return client;
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED: every statement sees what was committed before it
   * started, so a statement after a lock sees the lock holder's commit). Serialization failures and
   * deadlocks are retried (fn may run more than once; it must only read and write through `tx`).
   */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.track(this.txLoop(fn));
  }

  private async txLoop<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      let began = false;
      try {
        await client.query('BEGIN');
        began = true;
        const tx: Tx = {
          q: async <R extends object>(sql: string, params: Params = []) =>
            (await client.query<R>({ text: sql, values: params })).rows,
          run: async (sql: string, params: Params = []) =>
            (await client.query({ text: sql, values: params })).rowCount ?? 0,
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (err) {
        let broken: unknown = err;
        if (began) {
          try {
            await client.query('ROLLBACK');
            broken = isUnavailable(err) ? err : undefined;
          } catch (rollbackErr) {
            broken = rollbackErr;
          }
        }
        // A connection that failed is destroyed, not returned to the pool.
        client.release(broken instanceof Error ? broken : broken === undefined ? undefined : new Error(String(broken)));
        if (!began && attempt === 0 && isStaleConnection(err)) continue;
        if (began && attempt < 3 && isRetryable(err)) continue;
        throw translate(err);
      }
    }
  }

  /** Waits for the calls in progress, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pool.end();
  }
}

/** A pooled connection that died while idle (server restarted): safe to retry on a new one. */
function isStaleConnection(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return err.code === '57P01';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    /Connection terminated unexpectedly|not queryable/.test(err.message) || code === 'ECONNRESET' || code === 'EPIPE'
  );
}

/**
 * At most `max` connections in use; the rest wait in order, each for at most `waitMs` (then 503), and all
 * of them are failed at once when a connection attempt fails (the database is down).
 */
class Gate {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly max: number,
    private readonly waitMs: number,
  ) {}

  acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(
            new StorageError('unavailable', `all ${this.max} metadata connections stayed busy for ${this.waitMs} ms`),
          );
        }, this.waitMs),
      };
      this.waiting.push(entry);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.active--;
      return;
    }
    clearTimeout(next.timer);
    next.resolve();
  }

  failWaiting(err: Error): void {
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}
