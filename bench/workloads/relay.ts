import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { httpLoad, type LoadResult, opsPerSec, percentile } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import {
  createBenchBucket,
  REPO,
  ROOT_ID,
  ROOT_SECRET,
  type ServerProc,
  startCallbackApp,
  startOssd,
  tempDir,
} from '../lib/procs.js';
import { fmt, loadRow, type Report, ratio } from '../lib/report.js';

function callbackHeader(url: string): string {
  return Buffer.from(
    JSON.stringify({ callbackUrl: url, callbackBody: 'bucket=${bucket}&object=${object}&size=${size}&etag=${etag}' }),
  ).toString('base64');
}

/** `ossd relay` (the compiled build, its own process) forwarding to `to`; resolves once it is registered. */
async function startRelay(endpoint: string, to: string, name: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'relay', '--endpoint', endpoint, '--to', to, '--name', name],
    {
      cwd: REPO,
      env: { ...process.env, OSSD_ACCESS_KEY_ID: ROOT_ID, OSSD_ACCESS_KEY_SECRET: ROOT_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  // The relay prints a line per delivery: keep only the head (its start-up line) and drain the rest.
  child.stdout?.on('data', (c: Buffer) => {
    if (out.length < 4096) out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    if (out.length < 4096) out += c.toString();
  });
  const deadline = Date.now() + 20_000;
  while (!out.includes('relaying callbacks')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ossd relay did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Relayed vs direct callbacks: 4 KiB PutObject whose callback goes straight to a local app, and the same
 * with the callback addressed to `http://bench.relay.ossd.local/cb`, carried by `ossd relay` (its own
 * process, long poll over loopback) to the same app. Same ossd, same app, same run.
 */
export async function relayOverhead(plan: Plan, report: Report): Promise<void> {
  const procs: ServerProc[] = [];
  let relay: { stop(): Promise<void> } | undefined;
  try {
    const app = await startCallbackApp();
    procs.push(app);
    const ossd = await startOssd(tempDir('ossd-relay'), { cpuProfDir: plan.cpuProfDir });
    procs.push(ossd);
    await createBenchBucket(ossd.port);
    relay = await startRelay(ossd.origin, app.origin, 'bench');
    const section = report.section(
      '3b. Relayed callbacks (4 KiB PutObject on ossd, callback via `ossd relay` vs direct)',
      undefined,
      'Both runs call the same node:http app; "relayed" goes ossd → relay long poll → relay process → app → relay → ossd. "vs baseline" = relayed ops/s ÷ direct ops/s, same concurrency.',
    );
    const body = randomBytes(4096);
    const direct = callbackHeader(`http://127.0.0.1:${app.port}/cb`);
    const relayed = callbackHeader('http://bench.relay.ossd.local/cb');
    for (const c of [1, 16] as const) {
      const run = (header: string, tag: string): Promise<LoadResult> =>
        httpLoad(ossd.origin, { concurrency: c, count: plan.callback[c], timeCapMs: plan.capMs, warmup: c }, (i) => ({
          method: 'PUT',
          path: `/bench/relay-${tag}-c${c}-${i}`,
          body,
          sentBytes: body.length,
          headers: { 'content-type': 'application/octet-stream', 'x-oss-callback': header },
        }));
      const d = await run(direct, 'd');
      const r = await run(relayed, 'r');
      const added = percentile(r.latencies, 50) - percentile(d.latencies, 50);
      const addedP99 = percentile(r.latencies, 99) - percentile(d.latencies, 99);
      section.rows.push(loadRow('ossd', 'PUT + direct callback', c, d));
      section.rows.push(loadRow('ossd', 'PUT + relayed callback', c, r, opsPerSec(r) / opsPerSec(d)));
      console.log(
        `  relay c${c}: direct ${fmt(opsPerSec(d))} ops/s, relayed ${fmt(opsPerSec(r))} ops/s, +${fmt(added, 2)} ms p50, +${fmt(addedP99, 2)} ms p99`,
      );
      for (const [what, x] of [
        ['direct', d],
        ['relayed', r],
      ] as const) {
        if (x.errors) console.log(`    ${what} errors: ${x.errors}, first: ${x.firstError}`);
      }
      section.notes.push(
        `c${c}: a relayed callback adds ${fmt(added, 2)} ms at p50 (${fmt(addedP99, 2)} ms at p99); throughput ratio ${ratio(opsPerSec(r) / opsPerSec(d))}.`,
      );
    }
  } finally {
    await relay?.stop();
    for (const p of procs.reverse()) await p.stop();
  }
}
