import { randomBytes } from 'node:crypto';
import { httpLoad, type LoadResult, opsPerSec, percentile } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { cpuOf, createBenchBucket, type ServerProc, startCallbackApp, startOssd, tempDir } from '../lib/procs.js';
import { fmt, loadRow, type Report, ratio } from '../lib/report.js';

export function callbackHeader(port: number): string {
  return Buffer.from(
    JSON.stringify({
      callbackUrl: `http://127.0.0.1:${port}/cb`,
      callbackBody: 'bucket=${bucket}&object=${object}&size=${size}&etag=${etag}',
    }),
  ).toString('base64');
}

const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Workload 3: PutObject (4 KiB) with an upload callback to a trivial local app vs the same PUT without.
 * Cost is ossd's own CPU per upload (/proc/PID/stat before and after, background work after the last answer
 * included), so neither the application's nor the load driver's CPU counts.
 */
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
      'The callback app is a node:http server in its own process answering `{"ok":true}` with Content-Length. "vs baseline" here = ops/s with callback ÷ ops/s without, same concurrency. CPU per upload = ossd process user+system CPU over the run (after a 300 ms settle, so the delivery log written in the background counts) ÷ uploads, warm-up included.',
    );
    const body = randomBytes(4096);
    const header = callbackHeader(app.port);
    const plainHeaders: Record<string, string> = { 'content-type': 'application/octet-stream' };
    for (const c of [1, 16] as const) {
      const cpu = new Map<boolean, number>();
      const run = async (withCb: boolean): Promise<LoadResult> => {
        await settle();
        const before = cpuOf(ossd.pid);
        const r = await httpLoad(
          ossd.origin,
          { concurrency: c, count: plan.callback[c], timeCapMs: plan.capMs, warmup: c },
          (i) => ({
            method: 'PUT',
            path: `/bench/cb-${withCb ? 'y' : 'n'}-c${c}-${i}`,
            body,
            sentBytes: body.length,
            headers: withCb ? { ...plainHeaders, 'x-oss-callback': header } : plainHeaders,
          }),
        );
        await settle();
        cpu.set(withCb, ((cpuOf(ossd.pid) - before) * 1e6) / (r.ops + r.errors + c));
        return r;
      };
      const plain = await run(false);
      const cb = await run(true);
      const cpuRatio = cpu.get(true)! / cpu.get(false)!;
      const r = opsPerSec(cb) / opsPerSec(plain);
      const added = percentile(cb.latencies, 50) - percentile(plain.latencies, 50);
      section.rows.push(loadRow('ossd', 'PUT', c, plain));
      section.rows.push(loadRow('ossd', 'PUT + callback', c, cb, r));
      const us = (v: number) => `${fmt(v, 0)} µs`;
      console.log(
        `  callback c${c}: plain ${fmt(opsPerSec(plain))} ops/s ${us(cpu.get(false)!)} CPU, callback ${fmt(opsPerSec(cb))} ops/s ${us(cpu.get(true)!)} CPU, +${fmt(added, 2)} ms p50`,
      );
      if (cb.errors) console.log(`    callback errors: ${cb.errors}, first: ${cb.firstError}`);
      if (c === 1) report.check('Callback added p50 at c1 ≤ 1 ms', `${fmt(added, 2)} ms`, added <= 1);
      else
        report.check(
          'Callback upload ossd CPU ≤ 1.5× a plain upload (c16)',
          `${ratio(cpuRatio)} (${us(cpu.get(true)!)} vs ${us(cpu.get(false)!)})`,
          cpuRatio <= 1.5,
        );
      section.notes.push(
        `c${c}: added p50 ${fmt(added, 2)} ms, throughput ratio ${ratio(r)}; ossd CPU per upload ${us(cpu.get(false)!)} plain, ${us(cpu.get(true)!)} with callback (${ratio(cpuRatio)}).`,
      );
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}
