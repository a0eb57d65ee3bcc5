import { randomBytes } from 'node:crypto';
import { closedLoop, type LoadResult, mibPerSec, opsPerSec } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { createBenchBucket, ossClient, type ServerProc, startCallbackApp, startOssd, tempDir } from '../lib/procs.js';
import { loadRow, type Report } from '../lib/report.js';
import type { OssdResults } from './object-io.js';

/** Workloads 1–3 once more through the real ali-oss client (signed V1 requests), as an application sees ossd. */
export async function aliOss(plan: Plan, report: Report, undici: OssdResults): Promise<void> {
  const procs: ServerProc[] = [];
  try {
    const app = await startCallbackApp();
    procs.push(app);
    const ossd = await startOssd(tempDir('ossd-ali'));
    procs.push(ossd);
    await createBenchBucket(ossd.port);
    const client = ossClient(ossd.port);
    const section = report.section(
      'ali-oss client (workloads 1–3 as an application sees them)',
      ['Server', 'Operation', 'c', 'n', 'ops/s', 'MiB/s', 'p50 ms', 'p99 ms', 'vs raw undici'],
      'The same operations through `ali-oss` 6.x (signature V1 per request, its own keep-alive agent). "vs raw undici" = this ÷ the anonymous undici driver’s result on ossd earlier in the run.',
    );
    const A = plan.aliOss;
    const opts = (c: number, n: number) => ({ concurrency: c, count: n, timeCapMs: plan.capMs, warmup: c });
    const row = (op: string, c: number, r: LoadResult, key: string, f: (r: LoadResult) => number) => {
      const ref = undici.get(key);
      section.rows.push(loadRow('ossd (ali-oss)', op, c, r, ref ? f(r) / f(ref) : undefined));
      if (r.errors) console.log(`    ali-oss ${op} c${c}: ${r.errors} errors, first: ${r.firstError}`);
    };
    const large = randomBytes(plan.large.size);
    const lp = await closedLoop(opts(1, A.largeN), async (i) => {
      await client.put(`large-${i % 2}`, large);
      return large.length;
    });
    row('PUT large', 1, lp, 'large PUT/1', mibPerSec);
    const lg = await closedLoop(opts(1, A.largeN), async (i) => {
      const res = await client.get(`large-${i % 2}`);
      return (res.content as Buffer).length;
    });
    row('GET large', 1, lg, 'large GET/1', mibPerSec);
    const small = randomBytes(plan.small.size);
    for (const c of [1, 16] as const) {
      const sp = await closedLoop(opts(c, A.smallN[c]), async (i) => {
        await client.put(`small-c${c}-${i}`, small);
        return small.length;
      });
      row('PUT 4 KiB', c, sp, `small PUT/${c}`, opsPerSec);
      const n = sp.ops + c;
      const sg = await closedLoop(opts(c, A.smallN[c]), async (i) => {
        const res = await client.get(`small-c${c}-${i % n}`);
        return (res.content as Buffer).length;
      });
      row('GET 4 KiB', c, sg, `small GET/${c}`, opsPerSec);
      const cb = await closedLoop(opts(c, A.callbackN[c]), async (i) => {
        await client.put(`cb-c${c}-${i}`, small, {
          callback: { url: `http://127.0.0.1:${app.port}/cb`, body: 'bucket=${bucket}&object=${object}&size=${size}' },
        });
        return small.length;
      });
      row('PUT 4 KiB + callback', c, cb, '', opsPerSec);
    }
    section.notes.push('Large objects through ali-oss at c1 only (its GET buffers the whole object in the client).');
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}
