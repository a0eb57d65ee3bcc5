import { randomBytes } from 'node:crypto';
import { httpLoad, type LoadResult, opsPerSec } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import {
  BUCKET,
  createBenchBucket,
  ROOT_ID,
  ROOT_SECRET,
  rssOf,
  type ServerProc,
  spawnServer,
  startOssd,
  tempDir,
} from '../lib/procs.js';
import { fmt, loadRow, mb, type Report, ratio } from '../lib/report.js';

const auth = `Basic ${Buffer.from(`${ROOT_ID}:${ROOT_SECRET}`).toString('base64')}`;

async function adminCall(origin: string, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${origin}/-/admin${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

async function count(appPort: number): Promise<{ ok: number; failed: number }> {
  return (await (await fetch(`http://127.0.0.1:${appPort}/count`)).json()) as { ok: number; failed: number };
}

/** Waits until the app has answered `n` notifications 200; returns when (ms since the epoch), or NaN on timeout. */
async function until(appPort: number, n: number, timeoutMs: number, sample?: () => void): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    sample?.();
    if ((await count(appPort)).ok >= n) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  return Number.NaN;
}

/**
 * Workload "notify": event notifications (an ossd extension). 4 KiB PUTs at c16 with a bucket rule
 * sending ObjectCreated:PutObject to a local app vs the same PUTs without a rule; end-to-end delivery
 * rate (PUT start → the app has every notification); then a backlog: the app answers 503 while N PUTs
 * run, comes back, and the queue drains (ossd RSS sampled throughout).
 */
export async function notifications(plan: Plan, report: Report): Promise<void> {
  const procs: ServerProc[] = [];
  const n = plan.callback[16];
  try {
    const app = await spawnServer('notification-app', ['--import', 'tsx'], (port) => [
      'bench/servers/notification-app.ts',
      String(port),
    ]);
    procs.push(app);
    const ossd = await startOssd(tempDir('ossd-notify'), { cpuProfDir: plan.cpuProfDir });
    procs.push(ossd);
    await createBenchBucket(ossd.port);
    const section = report.section(
      '9. Event notifications (4 KiB PutObject at c16, ossd extension)',
      undefined,
      'A bucket rule sends every ObjectCreated:PutObject to a node:http app in its own process (200, empty body). "vs baseline" = PUT ops/s with the rule ÷ without. Delivered/s = notifications ÷ (first PUT → last notification received).',
    );
    const body = randomBytes(4096);
    const put = (tag: string, count: number): Promise<LoadResult> =>
      httpLoad(ossd.origin, { concurrency: 16, count, timeCapMs: plan.capMs, warmup: 16 }, (i) => ({
        method: 'PUT',
        path: `/${BUCKET}/${tag}-${i}`,
        body,
        sentBytes: body.length,
        headers: { 'content-type': 'application/octet-stream' },
      }));
    const plain = await put('plain', n);
    section.rows.push(loadRow('ossd', 'PUT', 16, plain));
    await adminCall(ossd.origin, 'POST', `/notifications/${BUCKET}`, {
      events: ['ObjectCreated:PutObject'],
      targets: [`http://127.0.0.1:${app.port}/events`],
    });
    await adminCall(ossd.origin, 'PUT', `/callbacks/policy/${BUCKET}`, {
      retries: 50,
      baseDelayMs: 200,
      maxDelayMs: 1000,
    });
    // Live: the app is up.
    const before = (await count(app.port)).ok;
    const t0 = Date.now();
    const live = await put('live', n);
    const sent = live.ops + 16; // warm-up requests notify too
    const doneAt = await until(app.port, before + sent, 120_000);
    const r = opsPerSec(live) / opsPerSec(plain);
    section.rows.push(loadRow('ossd', 'PUT + notification', 16, live, r));
    const rate = sent / ((doneAt - t0) / 1000);
    const lag = doneAt - (t0 + live.elapsedMs);
    section.notes.push(
      `Live: ${sent} notifications delivered at ${fmt(rate)}/s end to end; the last arrived ${fmt(lag, 0)} ms after the last PUT answered; PUT throughput ${ratio(r)} of without a rule.`,
    );
    console.log(`  notify live: ${fmt(rate)} delivered/s, PUT ratio ${ratio(r)}, tail ${fmt(lag, 0)} ms`);
    report.check('PUT throughput with a notification rule at c16 ≥ 0.7× without', ratio(r), r >= 0.7);
    // Backlog: the app fails while the PUTs run, then comes back.
    await fetch(`http://127.0.0.1:${app.port}/fail?on=1`, { method: 'POST' });
    const okBefore = (await count(app.port)).ok;
    let peak = rssOf(ossd.pid).rss;
    const sample = () => {
      peak = Math.max(peak, rssOf(ossd.pid).rss);
    };
    const down = await put('down', n);
    sample();
    await new Promise((res) => setTimeout(res, 1000));
    await fetch(`http://127.0.0.1:${app.port}/fail?on=0`, { method: 'POST' });
    const t1 = Date.now();
    const queued = down.ops + 16;
    const drainedAt = await until(app.port, okBefore + queued, 180_000, sample);
    const drain = queued / ((drainedAt - t1) / 1000);
    section.rows.push(loadRow('ossd', 'PUT, target down', 16, down, opsPerSec(down) / opsPerSec(plain)));
    section.notes.push(
      `Backlog: ${queued} notifications queued while the target answered 503 (${(await count(app.port)).failed} failed attempts in all); after it came back the queue drained in ${fmt((drainedAt - t1) / 1000, 1)} s (${fmt(drain)}/s, including up to 1 s of backoff). ossd peak RSS ${mb(peak)}.`,
    );
    console.log(`  notify backlog: drained ${queued} in ${fmt((drainedAt - t1) / 1000, 1)} s, peak RSS ${mb(peak)}`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}
