/**
 * Keep-alive connections to application servers, so a callback does not pay a TCP (and TLS) handshake
 * each time. Connections are undici Clients (one socket each) kept idle per checked address + port + TLS
 * identity — never per host name: the address policy checks each attempt's resolution, and a kept
 * connection only ever goes to the address it was made for.
 *
 * A connection goes back to the idle list only after a complete, successful exchange; after any failure
 * (timeout, bad status, reset) it is destroyed, so a hanging application cannot pile up sockets.
 * Idle connections close after a few seconds (undici's keep-alive timeout), idle lists after a while,
 * and each list and the number of lists are capped.
 */
import type { Client } from 'undici';
import { type PinnedConnectOptions, pinnedConnector } from './pinned-connect.js';
import { undici } from './undici.js';

export interface PoolSettings {
  /** Connect timeout and response timeouts are derived from the attempt timeout. */
  timeoutMs: number;
}

export interface Lease {
  client: Client;
  /** Whether this connection served an earlier callback (it may have been closed by the other side since). */
  reused: boolean;
  /** Returns the connection for reuse (`reusable`) or destroys it. Call exactly once. */
  release(reusable: boolean): void;
}

interface Entry {
  idle: Client[];
  lastUsed: number;
}

export class CallbackConnectionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly maxIdleMs = 30_000,
    private readonly maxKeys = 64,
    private readonly maxIdlePerKey = 32,
  ) {
    this.sweeper = setInterval(() => this.sweep(Date.now() - this.maxIdleMs), Math.min(maxIdleMs, 10_000));
    this.sweeper.unref();
  }

  acquire(origin: string, connect: Omit<PinnedConnectOptions, 'signal'>, settings: PoolSettings): Lease {
    const key = JSON.stringify([
      origin,
      connect.address,
      connect.port,
      connect.https,
      connect.tlsName,
      connect.sni,
      settings.timeoutMs,
    ]);
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key); // re-inserted below: the map's order is least recently used first
    entry ??= { idle: [], lastUsed: 0 };
    entry.lastUsed = Date.now();
    this.entries.set(key, entry);
    this.evict();

    let client = entry.idle.pop();
    const reused = client !== undefined;
    if (!client) {
      client = new (undici().Client)(origin, {
        connect: pinnedConnector({ ...connect, connectTimeoutMs: settings.timeoutMs }),
        headersTimeout: settings.timeoutMs + 1000,
        bodyTimeout: settings.timeoutMs + 1000,
        keepAliveTimeout: 4000,
      });
      client.on('connectionError', () => {});
    }
    const leased = client;
    const owner = entry;
    let released = false;
    return {
      client: leased,
      reused,
      release: (reusable) => {
        if (released) return;
        released = true;
        if (reusable && !this.closed && owner.idle.length < this.maxIdlePerKey && this.entries.get(key) === owner) {
          owner.idle.push(leased);
        } else {
          leased.destroy().catch(() => {});
        }
      },
    };
  }

  private evict(): void {
    while (this.entries.size > this.maxKeys) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldest);
      for (const c of entry.idle) c.destroy().catch(() => {});
    }
  }

  private sweep(cutoff: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.lastUsed >= cutoff) break;
      this.entries.delete(key);
      for (const c of entry.idle) c.destroy().catch(() => {});
    }
  }

  /** Closes the idle connections; connections in use are destroyed when released. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const idle = [...this.entries.values()].flatMap((e) => e.idle);
    this.entries.clear();
    await Promise.all(idle.map((c) => c.close().catch(() => {})));
  }
}
