import { lifecycleExpiryHook } from '../api/object/notify.js';
import { openStorage } from '../backends.js';
import { loadNotificationRules, Notifier } from '../callback/notifier.js';
import { DEFAULT_NOTIFICATION_RETRY, loadRetryPolicy } from '../callback/retry-policy.js';
import type { Config } from '../config/config.js';
import { applyLifecycle, describeAction } from '../storage/lifecycle.js';

type Flags = Record<string, unknown>;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

const USAGE = 'usage: ossd lifecycle run [--bucket B] [--now ISO-DATE] [--dry-run]';

/**
 * `ossd lifecycle run [--bucket B] [--now ISO-DATE] [--dry-run]`: applies the lifecycle rules once, as if
 * the time were --now, printing one line per action and a total. Refuses (exit 1) while another node
 * sharing the store is applying them. Expirations queue the buckets' `ObjectRemoved:Expire` event
 * notifications for a running server to deliver.
 */
export async function runLifecycleCommand(
  args: string[],
  flags: Flags,
  config: Config,
  print: (line: string) => void = out,
): Promise<number> {
  if (args[0] !== 'run' || args.length > 1) {
    print(USAGE);
    return 2;
  }
  let now = Date.now();
  if (typeof flags.now === 'string') {
    now = Date.parse(flags.now);
    if (Number.isNaN(now)) {
      print(`--now must be an ISO date such as 2030-01-01 or 2030-01-01T12:00:00Z, got ${flags.now}`);
      return 2;
    }
  }
  const dryRun = flags['dry-run'] === true;
  const bucket = typeof flags.bucket === 'string' ? flags.bucket : undefined;
  const storage = await openStorage(config);
  try {
    if (bucket !== undefined && !(await storage.meta.getBucket(bucket))) {
      print(`no such bucket ${bucket}`);
      return 1;
    }
    // Expirations queue their ObjectRemoved:Expire notifications in the delivery log (this process sends
    // nothing): a running server's queue worker delivers them.
    const notifier = new Notifier({
      deliveries: storage.deliveries,
      rules: (b) => loadNotificationRules(storage.meta, b),
      retryPolicy: async (b) => (await loadRetryPolicy(storage.meta, b)) ?? DEFAULT_NOTIFICATION_RETRY,
      region: config.region,
      logger: { warn: (_obj, msg) => print(`warning: ${msg ?? 'event notification not queued'}`) },
    });
    const run = () =>
      applyLifecycle(storage.meta, storage.blobs, {
        now,
        bucket,
        dryRun,
        onExpired: lifecycleExpiryHook(storage.meta, notifier),
        onAction: (a) => print(describeAction(a, dryRun)),
      });
    // A dry run changes nothing, so it need not wait for the lock.
    const report = dryRun ? await run() : await storage.meta.runExclusive('lifecycle', run);
    if (!report) {
      print('another node is applying the lifecycle rules now; try again later');
      return 1;
    }
    for (const f of report.failed) print(`bucket ${f.bucket} failed: ${f.error.message}`);
    const verbs = dryRun ? ['would expire', 'would transition', 'would abort'] : ['expired', 'transitioned', 'aborted'];
    print(
      `${report.expired} ${verbs[0]}, ${report.transitioned} ${verbs[1]}, ${report.aborted} ${verbs[2]} ` +
        `(as of ${new Date(now).toISOString()})`,
    );
    return report.failed.length ? 1 : 0;
  } finally {
    await storage.close();
  }
}
