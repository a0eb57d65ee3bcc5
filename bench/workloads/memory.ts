import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpClient, MiB } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { createBenchBucket, rssOf, sampleRss, startOssd, tempDir } from '../lib/procs.js';
import { fmt, mb, type Report } from '../lib/report.js';

/** A body of `size` bytes streamed from one reused 1 MiB buffer (the driver never holds it all). */
function streamedBody(size: number): Readable {
  const chunk = randomBytes(MiB);
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= MiB) yield left >= MiB ? chunk : chunk.subarray(0, left);
    })(),
  );
}

/** Workload 6: ossd's peak RSS for one huge PUT and for many concurrent large PUTs (fresh process each). */
export async function memory(plan: Plan, report: Report): Promise<void> {
  const M = plan.memory;
  const section = report.section(
    '6. Memory: peak RSS of the ossd process',
    ['Run', 'idle RSS', 'peak RSS (sampled 25 ms)', 'VmHWM', 'time s', 'MiB/s'],
    'Each run uses a fresh ossd process so VmHWM (the kernel’s peak RSS) belongs to that run alone.',
  );
  const run = async (label: string, fn: (client: HttpClient) => Promise<number>, conns: number) => {
    const ossd = await startOssd(tempDir('ossd-mem'));
    const client = new HttpClient(ossd.origin, conns);
    try {
      await createBenchBucket(ossd.port);
      const idle = rssOf(ossd.pid).rss;
      const sampler = sampleRss(ossd.pid);
      const t0 = Date.now();
      const bytes = await fn(client);
      const s = (Date.now() - t0) / 1000;
      const { peak, hwm } = sampler.stop();
      section.rows.push([label, mb(idle), mb(peak), mb(hwm), fmt(s, 2), fmt(bytes / MiB / s)]);
      console.log(`  memory ${label}: idle ${mb(idle)}, peak ${mb(peak)}, VmHWM ${mb(hwm)}`);
      report.check(`Peak RSS ≤ 200 MB: ${label}`, mb(Math.max(peak, hwm)), Math.max(peak, hwm) <= 200e6);
    } finally {
      await client.close();
      await ossd.stop();
    }
  };
  if (M.bigPut) {
    const size = M.bigPut;
    await run(
      `one ${size / MiB / 1024} GiB PUT`,
      async (client) => {
        await client.send({
          method: 'PUT',
          path: '/bench/huge',
          body: streamedBody(size),
          headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
        });
        return size;
      },
      1,
    );
  } else {
    report.check('Peak RSS ≤ 200 MB: one 2 GiB PUT', 'skipped (--quick)', undefined);
  }
  const body = randomBytes(M.concurrentSize);
  await run(
    `${M.concurrent} concurrent ${M.concurrentSize / MiB} MiB PUTs`,
    async (client) => {
      await Promise.all(
        Array.from({ length: M.concurrent }, (_, i) =>
          client.send({
            method: 'PUT',
            path: `/bench/c-${i}`,
            body,
            headers: { 'content-type': 'application/octet-stream' },
          }),
        ),
      );
      return M.concurrent * M.concurrentSize;
    },
    M.concurrent,
  );
}
