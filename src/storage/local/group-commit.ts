import { type FileHandle, open } from 'node:fs/promises';
import type Database from 'better-sqlite3';

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A committed batch whose callers wait for the WAL to reach the disk. */
interface Unsynced {
  jobs: Job[];
  results: { ok: boolean; value: unknown }[];
}

/**
 * Runs metadata writes queued in the same turn of the event loop in one SQLite transaction,
 * so many concurrent uploads share one WAL fsync (group commit). Each job is isolated by a
 * savepoint: one failing job does not roll back the others.
 *
 * With `walFile`, the connection runs `synchronous=NORMAL` (a commit writes the WAL without fsyncing it)
 * and this committer makes each batch durable itself: it fdatasyncs the WAL file on libuv's thread pool
 * and only then resolves the batch's callers. The event loop never waits for the disk, and batches
 * committed while one fdatasync is in flight share the next (at most one in flight). SQLite still fsyncs
 * the WAL before a checkpoint copies it and the database before the WAL is reused, so what an fdatasync
 * made durable stays durable. A commit is visible to reads on this connection slightly before it is
 * durable; its writer is answered only after.
 */
export class GroupCommitter {
  private queue: Job[] = [];
  private scheduled = false;
  private unsynced: Unsynced[] = [];
  private syncing?: Promise<void>;
  private wal?: FileHandle;
  private closed = false;

  /** `walFile`: the connection's WAL, fdatasynced after each batch (see above); without, no fsync. */
  constructor(
    private readonly db: Database.Database,
    private readonly options: { walFile?: string } = {},
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the metadata store is closed'));
        return;
      }
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Waits for every queued write to commit and reach the disk, then releases the WAL file handle. */
  async close(): Promise<void> {
    while (this.scheduled || this.syncing || this.unsynced.length > 0) {
      await (this.syncing ?? new Promise((r) => setImmediate(r)));
    }
    this.closed = true;
    const wal = this.wal;
    this.wal = undefined;
    await wal?.close();
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            results.push({ ok: true, value: this.db.transaction(job.fn)() });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      })();
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    if (this.options.walFile === undefined) {
      settle({ jobs, results });
      return;
    }
    this.unsynced.push({ jobs, results });
    this.startSync();
  }

  /** One fdatasync of the WAL for every batch committed so far; the next starts when it ends. */
  private startSync(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    const batches = this.unsynced;
    this.unsynced = [];
    this.syncing = this.syncWal().then(
      () => {
        for (const b of batches) settle(b);
      },
      (err: unknown) => {
        // Committed but not known to be on the disk: no caller may take it as durable.
        for (const b of batches) for (const job of b.jobs) job.reject(err);
      },
    );
    void this.syncing.finally(() => {
      this.syncing = undefined;
      this.startSync();
    });
  }

  private async syncWal(): Promise<void> {
    this.wal ??= await open(this.options.walFile!, 'r');
    await this.wal.datasync();
  }
}

function settle(b: Unsynced): void {
  b.jobs.forEach((job, i) => {
    const r = b.results[i];
    if (r.ok) job.resolve(r.value);
    else job.reject(r.value);
  });
}
