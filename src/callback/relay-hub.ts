/**
 * Local relay (an ossd extension, like `stripe listen --forward-to`): a developer's `ossd relay` holds an
 * outbound long poll to this server under a NAME; a callback whose URL host is `NAME.<relay domain>` is not
 * sent over the network but handed to that relay, which forwards it to the developer's local server and
 * posts the reply back. The reply is then judged exactly like a network reply (status 200, JSON, size).
 *
 * Bound to accounts: a relay belongs to the account of the key that polls it; a callback is handed only to
 * a relay of the account that owns the upload's bucket. Otherwise — and when no relay of that name is
 * connected — the callback fails as an unreachable address does. Relays live in this process's memory: a
 * callback reaches a relay only when the node sending it holds the relay's connection.
 */
import { randomBytes } from 'node:crypto';

/** A callback as handed to the relay client. */
export interface RelayDelivery {
  id: string;
  method: 'POST';
  /** Path and query of the callback URL. */
  path: string;
  headers: Record<string, string>;
  /** The signed body, base64. */
  body: string;
  bucket: string;
  key: string;
}

/** The local server's answer, as the relay client reports it. */
export interface RelayReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What the sender hands over for one attempt. */
export interface RelayRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  bucket: string;
  key: string;
}

/** No relay of that name, of the bucket owner's account, is connected (or it went away mid-delivery). */
export class RelayUnavailableError extends Error {
  constructor(message = 'relay not connected') {
    super(message);
    this.name = 'RelayUnavailableError';
  }
}

/** DNS-label relay names. */
export const RELAY_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A relay that has not polled for this long (and has no poll open) counts as disconnected. */
const STALE_MS = 5000;
const MAX_RELAYS = 1000;
const MAX_QUEUED = 1000;

interface Waiter {
  resolve(items: RelayDelivery[]): void;
}

interface Relay {
  name: string;
  accountId: string;
  queue: RelayDelivery[];
  waiter?: Waiter;
  seenAt: number;
  pending: Map<string, { resolve(r: RelayReply): void; reject(err: Error): void }>;
}

export class RelayHub {
  private readonly relays = new Map<string, Relay>();
  private closed = false;
  private readonly suffix: string;

  /**
   * `domain`: relay addresses are `NAME.<domain>` (empty: relaying off). `ownerOf`: the account owning a
   * bucket.
   */
  constructor(
    readonly domain: string,
    private readonly ownerOf: (bucket: string) => Promise<string | undefined>,
  ) {
    this.suffix = domain ? `.${domain.toLowerCase().replace(/^\.+|\.+$/g, '')}` : '';
  }

  /** NAME when `hostname` is a relay address, else undefined. */
  match(hostname: string): string | undefined {
    if (!this.suffix) return undefined;
    const h = hostname.toLowerCase().replace(/\.$/, '');
    if (!h.endsWith(this.suffix)) return undefined;
    const name = h.slice(0, -this.suffix.length);
    return RELAY_NAME.test(name) ? name : undefined;
  }

  private live(r: Relay, now = Date.now()): boolean {
    return r.waiter !== undefined || now - r.seenAt < STALE_MS;
  }

  /** Drops a relay: its queued and handed-out callbacks fail as unreachable. */
  private drop(r: Relay, reason: string): void {
    if (this.relays.get(r.name) === r) this.relays.delete(r.name);
    r.waiter?.resolve([]);
    r.waiter = undefined;
    r.queue = [];
    const err = new RelayUnavailableError(reason);
    for (const p of r.pending.values()) p.reject(err);
    r.pending.clear();
  }

  private sweep(now: number): void {
    for (const r of this.relays.values()) if (!this.live(r, now)) this.drop(r, 'relay went away');
  }

  /** Connected relays (for /-/health-style introspection and tests). */
  connected(): { name: string; accountId: string }[] {
    this.sweep(Date.now());
    return [...this.relays.values()].map((r) => ({ name: r.name, accountId: r.accountId }));
  }

  /**
   * A relay client's long poll: the callbacks waiting for it, else waits up to `waitMs` for one.
   * 'taken' when another account holds the name; 'closing' once the server shuts down. `gone` fires when
   * the client's connection closes early:
   * the relay is then dropped at once, so callbacks to it fail without waiting for their timeout.
   */
  async poll(
    name: string,
    accountId: string,
    waitMs: number,
    gone: AbortSignal,
  ): Promise<RelayDelivery[] | 'taken' | 'full' | 'closing'> {
    if (this.closed) return 'closing';
    const now = Date.now();
    this.sweep(now);
    let r = this.relays.get(name);
    if (r && r.accountId !== accountId) return 'taken';
    if (!r) {
      if (this.relays.size >= MAX_RELAYS) return 'full';
      r = { name, accountId, queue: [], seenAt: now, pending: new Map() };
      this.relays.set(name, r);
    }
    r.seenAt = now;
    // A second poll under the same name (a restarted client): the older poll answers empty.
    r.waiter?.resolve([]);
    r.waiter = undefined;
    if (r.queue.length) return r.queue.splice(0);
    const relay = r;
    return new Promise<RelayDelivery[]>((resolve) => {
      const done = (items: RelayDelivery[]) => {
        clearTimeout(timer);
        gone.removeEventListener('abort', onGone);
        if (relay.waiter === waiter) relay.waiter = undefined;
        relay.seenAt = Date.now();
        resolve(items);
      };
      const waiter: Waiter = { resolve: done };
      const timer = setTimeout(() => done([]), waitMs);
      const onGone = () => {
        done([]);
        this.drop(relay, 'relay disconnected');
      };
      relay.waiter = waiter;
      if (gone.aborted) onGone();
      else gone.addEventListener('abort', onGone, { once: true });
    });
  }

  /** A relay client stopping: callbacks to it fail at once from now on. False when it was not connected. */
  disconnect(name: string, accountId: string): boolean {
    const r = this.relays.get(name);
    if (!r || r.accountId !== accountId) return false;
    this.drop(r, 'relay disconnected');
    return true;
  }

  /** The relay client's answer to delivery `id`; false when no such delivery is waiting. */
  reply(name: string, accountId: string, id: string, reply: RelayReply | Error): boolean {
    const r = this.relays.get(name);
    if (!r || r.accountId !== accountId) return false;
    const p = r.pending.get(id);
    if (!p) return false;
    r.pending.delete(id);
    r.seenAt = Date.now();
    if (reply instanceof Error) p.reject(reply);
    else p.resolve(reply);
    return true;
  }

  /** Hands one callback attempt to relay `name`; resolves with the local server's reply. */
  async forward(name: string, req: RelayRequest, signal: AbortSignal): Promise<RelayReply> {
    this.sweep(Date.now());
    const r = this.relays.get(name);
    const owner = r ? await this.ownerOf(req.bucket) : undefined;
    // Same answer whether the name is unknown or another account's: nothing to learn about other accounts.
    if (!r || owner !== r.accountId || !this.live(r) || this.relays.get(name) !== r) {
      throw new RelayUnavailableError();
    }
    if (r.queue.length >= MAX_QUEUED) throw new RelayUnavailableError('relay queue full');
    const id = randomBytes(8).toString('hex');
    const delivery: RelayDelivery = {
      id,
      method: 'POST',
      path: req.path,
      headers: req.headers,
      body: req.body.toString('base64'),
      bucket: req.bucket,
      key: req.key,
    };
    return new Promise<RelayReply>((resolve, reject) => {
      const settle = () => {
        signal.removeEventListener('abort', onAbort);
        r.pending.delete(id);
        const i = r.queue.indexOf(delivery);
        if (i >= 0) r.queue.splice(i, 1);
      };
      const onAbort = () => {
        settle();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      r.pending.set(id, {
        resolve: (v) => {
          settle();
          resolve(v);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (r.waiter) r.waiter.resolve([delivery]);
      else r.queue.push(delivery);
    });
  }

  /** Shutdown: open polls answer empty, callbacks in relays fail. */
  close(): void {
    this.closed = true;
    for (const r of [...this.relays.values()]) this.drop(r, 'server closing');
  }
}
