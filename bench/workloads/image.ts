import sharp from 'sharp';
import { closedLoop, HttpClient, type LoadResult, opsPerSec } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { createBenchBucket, rssOf, sampleRss, startOssd, tempDir } from '../lib/procs.js';
import { fmt, loadRow, mb, type Report } from '../lib/report.js';

const WIDTH = 4000;
const HEIGHT = 3000;

/** A 12-megapixel JPEG with noise (so decoding is realistic), made once in the driver. */
async function twelveMegapixelJpeg(): Promise<Buffer> {
  const data = Buffer.alloc(WIDTH * HEIGHT * 3);
  let seed = 7;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    data[i] = ((i / 3) % WIDTH) / 16 + (seed % 48);
  }
  return sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** Two runs of the same operation as one (ops/s = all ops ÷ both elapsed times). */
function joinRuns(a: LoadResult, b: LoadResult): LoadResult {
  return {
    ops: a.ops + b.ops,
    bytes: a.bytes + b.bytes,
    elapsedMs: a.elapsedMs + b.elapsedMs,
    latencies: [...a.latencies, ...b.latencies],
    errors: a.errors + b.errors,
    firstError: a.firstError ?? b.firstError,
    capped: a.capped || b.capped,
  };
}

/**
 * Workload 8: `x-oss-process=image/resize,w_200` of a 12-MP JPEG through ossd (uncached: a distinct
 * process string per request; cached: one URL repeated) against sharp called directly in the driver
 * (same resize, same output), at c1 and c4; then ossd's peak RSS under 16 concurrent uncached requests.
 */
export async function imageProcessing(plan: Plan, report: Report): Promise<void> {
  const P = plan.image;
  const section = report.section(
    '8. Image processing: 12-MP JPEG → 200 px thumbnail',
    undefined,
    `Source ${WIDTH}x${HEIGHT} JPEG. "sharp direct" resizes the same bytes in the driver process (the floor ` +
      'for any server using libvips; same output bytes as ossd), measured right before and right after ' +
      'each ossd uncached run; ossd uncached decodes every request (distinct process strings), ' +
      'ossd cached serves the stored result from its disk cache. Ratio = ops/s ÷ sharp direct at the same c.',
  );
  const source = await twelveMegapixelJpeg();
  console.log(`  image: source ${mb(source.length)}`);
  // The same bytes ossd answers for resize,w_200 of this source (test/image/single-pass.test.ts): its
  // quality is the source's (85), 4:2:0, no metadata.
  const directRun = (c: 1 | 4) =>
    closedLoop({ concurrency: c, count: P.n[c], timeCapMs: plan.capMs, warmup: 1 }, async () => {
      const out = await sharp(source).resize(200).jpeg({ quality: 85 }).toBuffer();
      return out.length;
    });
  // On a shared host the load drifts within seconds: the baseline runs right before and right after
  // each ossd uncached run, and the ratio uses both.
  const direct = new Map<number, LoadResult>();
  const ossd = await startOssd(tempDir('ossd-img'), { cpuProfDir: plan.cpuProfDir });
  const client = new HttpClient(ossd.origin, 16);
  try {
    await createBenchBucket(ossd.port);
    await client.send({
      method: 'PUT',
      path: '/bench/12mp.jpg',
      body: source,
      headers: { 'content-type': 'image/jpeg' },
    });
    let unique = 0;
    for (const c of [1, 4] as const) {
      const before = await directRun(c);
      const uncached = await closedLoop({ concurrency: c, count: P.n[c], timeCapMs: plan.capMs, warmup: 1 }, () =>
        client.send({ method: 'GET', path: `/bench/12mp.jpg?x-oss-process=image/resize,w_200,h_${5000 + unique++}` }),
      );
      direct.set(c, joinRuns(before, await directRun(c)));
      section.rows.push(loadRow('sharp direct', 'resize w_200 (before + after)', c, direct.get(c)!));
      section.rows.push(
        loadRow('ossd uncached', 'resize w_200', c, uncached, opsPerSec(uncached) / opsPerSec(direct.get(c)!)),
      );
      const cached = await closedLoop({ concurrency: c, count: P.cachedN[c], timeCapMs: plan.capMs, warmup: 1 }, () =>
        client.send({ method: 'GET', path: '/bench/12mp.jpg?x-oss-process=image/resize,w_200' }),
      );
      section.rows.push(
        loadRow('ossd cached', 'resize w_200', c, cached, opsPerSec(cached) / opsPerSec(direct.get(c)!)),
      );
      console.log(
        `  image c${c}: direct ${fmt(opsPerSec(direct.get(c)!))}/s, uncached ${fmt(opsPerSec(uncached))}/s, cached ${fmt(opsPerSec(cached))}/s`,
      );
    }
    const idle = rssOf(ossd.pid).rss;
    const sampler = sampleRss(ossd.pid);
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, () =>
        client.send({ method: 'GET', path: `/bench/12mp.jpg?x-oss-process=image/resize,w_200,h_${5000 + unique++}` }),
      ),
    );
    const s = (Date.now() - t0) / 1000;
    const { peak, hwm } = sampler.stop();
    section.notes.push(
      `16 concurrent uncached 12-MP requests: RSS before ${mb(idle)}, sampled peak ${mb(peak)}, VmHWM ${mb(hwm)} ` +
        `(whole process life, including the runs above), ${fmt(s, 2)} s for all 16 (--image-concurrency 2).`,
    );
    console.log(`  image 16 concurrent: peak ${mb(peak)}, VmHWM ${mb(hwm)}, ${fmt(s, 2)} s`);
    report.check(
      'Peak RSS ≤ 400 MB: 16 concurrent 12-MP thumbnails',
      mb(Math.max(peak, hwm)),
      Math.max(peak, hwm) <= 400e6,
    );
  } finally {
    await client.close();
    await ossd.stop();
  }
}
