import type { Logger } from '../observability/logger.js';

export interface PeriodicJob {
  /** Runs the job now (after a run already in progress). */
  runNow(): Promise<number>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `job` every `everyMs` (the timer does not keep the process alive; runs never overlap) and logs what
 * it did (unless `quiet`: the job logs for itself). `everyMs <= 0` disables it. A job that fails is logged and tried again at the next tick.
 */
export function startPeriodic(
  name: string,
  everyMs: number,
  job: () => Promise<number>,
  logger: Logger,
  options: { quiet?: boolean } = {},
): PeriodicJob {
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const runNow = (): Promise<number> => {
    if (everyMs <= 0 || stopped) return running;
    running = running
      .catch(() => 0)
      .then(() => (stopped ? 0 : job()))
      .then((n) => {
        if (n && !options.quiet) logger.info({ job: name, count: n }, `${name}: collected ${n}`);
        return n;
      });
    return running;
  };
  const timer =
    everyMs > 0
      ? setInterval(() => {
          runNow().catch((err) => logger.warn({ err, job: name }, `${name} failed`));
        }, everyMs)
      : undefined;
  timer?.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running.catch(() => 0);
    },
  };
}
