/**
 * The retry queue worker (an ossd extension): claims due deliveries from the delivery log — failed
 * upload callbacks of buckets with a retry policy, and event notifications — one page at a time, sends
 * each again and writes its new state back. The queue lives in the metadata store, so it survives
 * restarts, and memory stays bounded by one page however long a target is down.
 */
import { randomBytes } from 'node:crypto';
import type { DeliveryRecord, DeliveryStore, DeliveryUpdate } from './delivery-store.js';

export interface QueueWorkerOptions {
  /** How often the queue is polled when idle (ms). Default 1000. */
  pollMs: number;
  /** Deliveries claimed per page (and in flight at most). Default 32. */
  pageSize: number;
  /** How long a claim lasts before another node may take the delivery over (ms). */
  claimMs: number;
  /** Pages per wake-up, at most (the next poll continues). Default 20. */
  maxPagesPerRun: number;
  /**
   * After a poke, wait this long (ms) before claiming, so that deliveries queued by concurrent requests
   * are claimed and completed together (fewer, larger transactions). Default 10.
   */
  coalesceMs: number;
}

export interface QueueLogger {
  warn(obj: object, msg?: string): void;
}

export class DeliveryQueueWorker {
  /** This process's claim owner (unique per process start). */
  readonly owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private running: Promise<void> | undefined;
  /** Until start(): a worker built for a CLI command never runs. */
  private stopped = true;
  private again = false;
  private readonly options: QueueWorkerOptions;
  /** Told of each attempt's result (metrics). */
  onResult?: (d: DeliveryRecord, update: DeliveryUpdate) => void;

  constructor(
    private readonly store: DeliveryStore,
    private readonly attempt: (d: DeliveryRecord) => Promise<DeliveryUpdate>,
    options: Partial<QueueWorkerOptions> = {},
    private readonly logger?: QueueLogger,
  ) {
    this.options = { pollMs: 1000, pageSize: 32, claimMs: 120_000, maxPagesPerRun: 20, coalesceMs: 10, ...options };
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.options.pollMs);
  }

  /** Runs the queue soon (something became due, e.g. a notification was just queued). */
  poke(dueAt: number = Date.now()): void {
    if (this.stopped) return;
    const wait = Math.max(0, dueAt - Date.now());
    if (wait >= this.options.pollMs) return; // the next poll comes first
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(Math.max(wait, this.options.coalesceMs));
  }

  /** Runs the queue in `ms`, unless a run is already due sooner (a later poke never delays it). */
  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running ??= this.runPages().finally(() => {
        this.running = undefined;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? this.options.coalesceMs : this.options.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  /** Claims and delivers pages until the queue has nothing due (bounded per run). */
  async runPages(): Promise<void> {
    for (let page = 0; page < this.options.maxPagesPerRun && !this.stopped; page++) {
      let claimed: DeliveryRecord[];
      try {
        const now = Date.now();
        claimed = await this.store.claimDue(this.owner, now, now + this.options.claimMs, this.options.pageSize);
      } catch (err) {
        this.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'delivery queue: claim failed');
        return;
      }
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((d) => this.one(d)));
      if (claimed.length < this.options.pageSize) {
        // Deliveries of the same key wait for the one before them: run again while this page freed some.
        if (!claimed.some((d) => d.kind === 'notification')) return;
      }
    }
  }

  private async one(d: DeliveryRecord): Promise<void> {
    try {
      const update = await this.attempt(d);
      this.onResult?.(d, update);
      const kept = await this.store.complete(d.id, this.owner, update);
      if (!kept) this.logger?.warn({ deliveryId: d.id }, 'delivery queue: claim lost before the result was written');
    } catch (err) {
      this.logger?.warn(
        { err: err instanceof Error ? err.message : String(err), deliveryId: d.id },
        'delivery queue: attempt not recorded',
      );
    }
  }

  /** Stops polling and waits for the deliveries in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
