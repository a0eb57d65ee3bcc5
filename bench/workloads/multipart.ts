import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HttpClient, MiB } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { createBenchBucket, startOssd, tempDir } from '../lib/procs.js';
import { fmt, type Report } from '../lib/report.js';

interface Upload {
  totalMs: number;
  completeMs: number;
}

/** One multipart upload with `parallel` parts in flight; the object is deleted afterwards to free disk. */
async function multipartUpload(
  client: HttpClient,
  key: string,
  sizes: number[],
  body: Buffer,
  parallel: number,
): Promise<Upload> {
  const t0 = performance.now();
  const init = await client.call({ method: 'POST', path: `/bench/${key}?uploads`, expectStatus: 200 });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1];
  if (!uploadId) throw new Error(`no UploadId in ${init.text}`);
  const etags: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < sizes.length) {
        const n = next++;
        const res = await client.call({
          method: 'PUT',
          path: `/bench/${key}?partNumber=${n + 1}&uploadId=${encodeURIComponent(uploadId)}`,
          body: body.subarray(0, sizes[n]),
          expectStatus: 200,
        });
        etags[n] = res.headers.etag;
      }
    }),
  );
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const c0 = performance.now();
  await client.call({
    method: 'POST',
    path: `/bench/${key}?uploadId=${encodeURIComponent(uploadId)}`,
    headers: { 'content-type': 'application/xml' },
    body: xml,
    expectStatus: 200,
  });
  const t1 = performance.now();
  await client.call({ method: 'DELETE', path: `/bench/${key}`, expectStatus: 204 });
  return { totalMs: t1 - t0, completeMs: t1 - c0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Workload 4: a big object in 8 MiB parts, 4 in parallel; Complete latency vs object size. */
export async function multipart(plan: Plan, report: Report): Promise<void> {
  const M = plan.multipart;
  const ossd = await startOssd(tempDir('ossd-mp'), { cpuProfDir: plan.cpuProfDir });
  const client = new HttpClient(ossd.origin, 4);
  try {
    await createBenchBucket(ossd.port);
    const body = randomBytes(M.partSize);
    const nParts = Math.ceil(M.size / M.partSize);
    const cases: { label: string; sizes: number[]; reps: number }[] = [
      { label: '10 MB in 2 parts (8 MiB + rest)', sizes: [M.partSize, 10_000_000 - M.partSize], reps: M.smallReps },
      {
        label: `${fmt((nParts * 100 * 1024) / MiB)} MiB in ${nParts} parts of 100 KiB`,
        sizes: Array(nParts).fill(100 * 1024),
        reps: M.smallReps,
      },
      { label: `${M.size / MiB} MiB in ${nParts} parts of 8 MiB`, sizes: Array(nParts).fill(M.partSize), reps: M.reps },
    ];
    const section = report.section(
      '4. Multipart upload (parts PUT 4 in parallel, then Complete)',
      ['Object', 'reps', 'total s (median)', 'MiB/s', 'Complete ms (median)', 'Complete ms (all)'],
      'Complete writes a manifest (no byte copying), so its latency should depend on the number of parts at most, never on bytes. The middle row has the same part count as the last one at ~1% of the size, separating the two.',
    );
    const completes: number[] = [];
    let i = 0;
    for (const c of cases) {
      const runs: Upload[] = [];
      for (let r = 0; r < c.reps; r++) runs.push(await multipartUpload(client, `mp-${i++}`, c.sizes, body, 4));
      const bytes = c.sizes.reduce((a, b) => a + b, 0);
      const total = median(runs.map((u) => u.totalMs));
      const complete = median(runs.map((u) => u.completeMs));
      completes.push(complete);
      section.rows.push([
        c.label,
        String(c.reps),
        fmt(total / 1000, 2),
        fmt(bytes / MiB / (total / 1000)),
        fmt(complete, 2),
        runs.map((u) => fmt(u.completeMs, 1)).join(', '),
      ]);
      console.log(`  multipart ${c.label}: total ${fmt(total / 1000, 2)} s, Complete ${fmt(complete, 2)} ms`);
    }
    const [small, sameParts, big] = completes;
    const flat = big <= 2 * sameParts + 2 && big <= 2 * small + 10;
    report.check(
      `Complete latency flat from 10 MB to ${M.size / MiB} MiB`,
      `${fmt(small, 1)} ms (10 MB) / ${fmt(sameParts, 1)} ms (${nParts}×100 KiB) / ${fmt(big, 1)} ms (${M.size / MiB} MiB)`,
      flat,
      'met = big ≤ 2× same-part-count + 2 ms and ≤ 2× 10 MB + 10 ms',
    );
  } finally {
    await client.close();
    await ossd.stop();
  }
}
