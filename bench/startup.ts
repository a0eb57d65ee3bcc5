/**
 * Start-up and CLI cost of ossd: time from spawn to a healthy /-/health, the wall time of `ossd keys list`,
 * and the idle RSS of a started server (2 s after healthy, and 15 s after, once V8's memory reducer has
 * given back the young generation start-up grew), for the compiled build (dist/, what `npm start` and the `ossd`
 * command run) and, for comparison, the TypeScript sources through tsx.
 * Usage: npm run build && node --import tsx bench/startup.ts [runs=5] [compiled|tsx]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, REPO } from '../test/helpers/spawn-ossd.js';
import { cpuOf } from './lib/procs.js';

const RUNS = Number(process.argv[2] ?? 5);
const MODES: Record<string, string[]> = {
  compiled: ['--max-semi-space-size=8', 'dist/cli/main.js'],
  tsx: ['--max-semi-space-size=8', '--import', 'tsx', 'src/cli/main.ts'],
};
const env = {
  ...process.env,
  OSSD_ROOT_ACCESS_KEY_ID: 'benchStartupId01',
  OSSD_ROOT_ACCESS_KEY_SECRET: 'benchStartupSecret0000000001',
};

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function startToHealthy(
  args: string[],
  data: string,
): Promise<{ ms: number; cpu: number; rss: number; settled: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, 'serve', '--address', `127.0.0.1:${port}`, '--data', data], {
    cwd: REPO,
    env: { ...env, OSSD_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('not healthy within 60 s');
      const ok = await fetch(`http://127.0.0.1:${port}/-/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - t0;
    const cpu = cpuOf(child.pid ?? 0) * 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const rss = rssMiB(child.pid ?? 0);
    await new Promise((r) => setTimeout(r, 13_000));
    return { ms, cpu, rss, settled: rssMiB(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Wall and CPU (user + system) milliseconds of one `ossd keys list`, through /usr/bin/time. */
function cliCall(args: string[], data: string): { ms: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args, 'keys', 'list', '--data', data], {
    cwd: REPO,
    env,
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`keys list exited ${r.status}: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  return { ms, cpu: (user + sys) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${os.cpus().length} CPUs`,
);
const only = process.argv[3];
for (const [mode, args] of Object.entries(MODES)) {
  if (only && mode !== only) continue;
  const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-startup-'));
  try {
    const starts: number[] = [];
    const startCpu: number[] = [];
    const rss: number[] = [];
    const settled: number[] = [];
    const cli: number[] = [];
    const cliCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await startToHealthy(args, data);
      starts.push(s.ms);
      startCpu.push(s.cpu);
      rss.push(s.rss);
      settled.push(s.settled);
      const c = cliCall(args, data);
      cli.push(c.ms);
      cliCpu.push(c.cpu);
    }
    const f = (xs: number[]) => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)})`;
    console.log(
      `${mode.padEnd(9)} start→healthy wall ${f(starts)}, CPU ${f(startCpu)} | keys list wall ${f(cli)},` +
        ` CPU ${f(cliCpu)} | idle RSS median ${median(rss).toFixed(1)} MiB at 2 s, ${median(settled).toFixed(1)} MiB at 15 s`,
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
console.log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
