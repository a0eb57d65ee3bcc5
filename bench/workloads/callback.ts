import { randomBytes } from 'node:crypto';
import { httpLoad, type LoadResult, opsPerSec, percentile } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { createBenchBucket, type ServerProc, startCallbackApp, startOssd, tempDir } from '../lib/procs.js';
import { fmt, loadRow, type Report, ratio } from '../lib/report.js';

export function callbackHeader(port: number): string {
  return Buffer.from(
    JSON.stringify({
      callbackUrl: `http://127.0.0.1:${port}/cb`,
      callbackBody: 'bucket=${bucket}&object=${object}&size=${size}&etag=${etag}',
    }),
  ).toString('base64');
}

/** Workload 3: PutObject (4 KiB) with an upload callback to a trivial local app vs the same PUT without. */
export async function callbackOverhead(plan: Plan, report: Report): Promise<void> {
  const procs: ServerProc[] = [];
  try {
    const app = await startCallbackApp();
    procs.push(app);
    const ossd = await startOssd(tempDir('ossd-cb'), { cpuProfDir: plan.cpuProfDir });
    procs.push(ossd);
    await createBenchBucket(ossd.port);
    const section = report.section(
      '3. Callback overhead (4 KiB PutObject on ossd)',
      undefined,
      'The callback app is a node:http server in its own process answering `{"ok":true}` with Content-Length. "vs baseline" here = ops/s with callback ÷ ops/s without, same concurrency.',
    );
    const body = randomBytes(4096);
    const header = callbackHeader(app.port);
    const plainHeaders: Record<string, string> = { 'content-type': 'application/octet-stream' };
    for (const c of [1, 16] as const) {
      const run = (withCb: boolean): Promise<LoadResult> =>
        httpLoad(ossd.origin, { concurrency: c, count: plan.callback[c], timeCapMs: plan.capMs, warmup: c }, (i) => ({
          method: 'PUT',
          path: `/bench/cb-${withCb ? 'y' : 'n'}-c${c}-${i}`,
          body,
          sentBytes: body.length,
          headers: withCb ? { ...plainHeaders, 'x-oss-callback': header } : plainHeaders,
        }));
      const plain = await run(false);
      const cb = await run(true);
      const r = opsPerSec(cb) / opsPerSec(plain);
      const added = percentile(cb.latencies, 50) - percentile(plain.latencies, 50);
      section.rows.push(loadRow('ossd', 'PUT', c, plain));
      section.rows.push(loadRow('ossd', 'PUT + callback', c, cb, r));
      console.log(
        `  callback c${c}: plain ${fmt(opsPerSec(plain))} ops/s, callback ${fmt(opsPerSec(cb))} ops/s, +${fmt(added, 2)} ms p50`,
      );
      if (cb.errors) console.log(`    callback errors: ${cb.errors}, first: ${cb.firstError}`);
      if (c === 1) report.check('Callback added p50 at c1 ≤ 1 ms', `${fmt(added, 2)} ms`, added <= 1);
      else report.check('Callback throughput at c16 ≥ 0.8× without', ratio(r), r >= 0.8);
      section.notes.push(`c${c}: added p50 ${fmt(added, 2)} ms, throughput ratio ${ratio(r)}.`);
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}
