import type Database from 'better-sqlite3';

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Runs metadata writes queued in the same turn of the event loop in one SQLite transaction,
 * so many concurrent uploads share one WAL fsync (group commit). Each job is isolated by a
 * savepoint: one failing job does not roll back the others.
 */
export class GroupCommitter {
  private queue: Job[] = [];
  private scheduled = false;

  /**
   * `relaxed`: this committer's transactions run with `synchronous=NORMAL` (written to the WAL, not
   * fsynced by themselves), then the connection goes back to `restore`. For a log that may lose its last
   * entries on an OS crash but should not cost an fsync on the event loop.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly options: { relaxed?: boolean; restore?: 'FULL' | 'NORMAL' } = {},
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    const results: { ok: boolean; value: unknown }[] = [];
    const relax = this.options.relaxed === true && this.options.restore !== 'NORMAL';
    if (relax) this.db.pragma('synchronous = NORMAL');
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
    } finally {
      if (relax) this.db.pragma(`synchronous = ${this.options.restore ?? 'FULL'}`);
    }
    jobs.forEach((job, i) => {
      const r = results[i];
      if (r.ok) job.resolve(r.value);
      else job.reject(r.value);
    });
  }
}
