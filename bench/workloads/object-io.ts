import { randomBytes } from 'node:crypto';
import { httpLoad, type LoadResult, mibPerSec, opsPerSec, percentile } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import {
  createBenchBucket,
  type ServerProc,
  startBaseline,
  startCeiling,
  startOssd,
  startS3rver,
  tempDir,
} from '../lib/procs.js';
import { fmt, loadRow, type Report, ratio } from '../lib/report.js';

interface Target {
  name: 'baseline' | 'ossd' | 's3rver' | 'ceiling';
  proc: ServerProc;
  path(kind: 'large' | 'small', key: string): string;
}

/** Results kept for the ali-oss comparison: `large|small ${op}/${conc}` → ossd's result. */
export type OssdResults = Map<string, LoadResult>;

/**
 * Workloads 1 (large PUT/GET), 2 (small durable PUT/GET, with the node:http ceiling) and 7 (the s3rver
 * peer on both).
 */
export async function objectIo(plan: Plan, report: Report, s3rverOk: boolean): Promise<OssdResults> {
  const kept: OssdResults = new Map();
  const procs: ServerProc[] = [];
  try {
    const base = await startBaseline();
    procs.push(base);
    const ossd = await startOssd(tempDir('ossd'), { cpuProfDir: plan.cpuProfDir });
    procs.push(ossd);
    await createBenchBucket(ossd.port);
    const targets: Target[] = [
      { name: 'baseline', proc: base, path: (kind, key) => `/${kind}/${key}` },
      { name: 'ossd', proc: ossd, path: (_kind, key) => `/bench/${key}` },
    ];
    if (s3rverOk) {
      const peer = await startS3rver();
      procs.push(peer);
      targets.push({ name: 's3rver', proc: peer, path: (_kind, key) => `/bench/${key}` });
    }

    const ceilingProc = await startCeiling(plan.small.size);
    procs.push(ceilingProc);
    const ceiling: Target = { name: 'ceiling', proc: ceilingProc, path: (_kind, key) => `/${key}` };

    const L = plan.large;
    const large = report.section(
      `1. Large objects (${L.size / 2 ** 20} MiB) PUT / GET`,
      undefined,
      'Bodies from one in-memory buffer; GETs read back objects just written (page cache). Ratio = MiB/s ÷ baseline MiB/s.',
    );
    const largeBody = randomBytes(L.size);
    const largeKeys = new Map<string, number>();
    const compare = async (
      section: typeof large,
      op: string,
      conc: number,
      run: (t: Target) => Promise<LoadResult>,
      metric: (r: LoadResult) => number,
      among: Target[] = targets,
    ) => {
      const res = new Map<string, LoadResult>();
      for (const t of among) {
        const r = await run(t);
        res.set(t.name, r);
        if (r.errors) console.log(`    ${t.name} ${op} c${conc}: ${r.errors} errors, first: ${r.firstError}`);
      }
      const b = metric(res.get('baseline')!);
      for (const t of among) {
        const r = res.get(t.name)!;
        section.rows.push(loadRow(t.name, op, conc, r, t.name === 'baseline' ? undefined : metric(r) / b));
      }
      console.log(
        `  ${op} c${conc}: ${among.map((t) => `${t.name} ${fmt(metric(res.get(t.name)!))}`).join(', ')} (p50 ms ${among.map((t) => fmt(percentile(res.get(t.name)!.latencies, 50), 2)).join('/')})`,
      );
      kept.set(`${section === large ? 'large' : 'small'} ${op}/${conc}`, res.get('ossd')!);
      return res;
    };

    const largePut: Record<number, Map<string, LoadResult>> = {};
    for (const c of [1, 4] as const) {
      largePut[c] = await compare(
        large,
        'PUT',
        c,
        async (t) => {
          const r = await httpLoad(
            t.proc.origin,
            { concurrency: c, count: L.put[c], timeCapMs: plan.capMs, warmup: c },
            (i) => ({
              method: 'PUT',
              path: t.path('large', `large-${i % L.keys}`),
              body: largeBody,
              sentBytes: largeBody.length,
              headers: { 'content-type': 'application/octet-stream' },
            }),
          );
          largeKeys.set(t.name, Math.max(largeKeys.get(t.name) ?? 0, Math.min(L.keys, r.ops + c)));
          return r;
        },
        mibPerSec,
      );
    }
    const largeGet: Record<number, Map<string, LoadResult>> = {};
    for (const c of [1, 4] as const) {
      largeGet[c] = await compare(
        large,
        'GET',
        c,
        (t) =>
          httpLoad(t.proc.origin, { concurrency: c, count: L.get[c], timeCapMs: plan.capMs, warmup: c }, (i) => ({
            method: 'GET',
            path: t.path('large', `large-${i % (largeKeys.get(t.name) ?? 1)}`),
          })),
        mibPerSec,
      );
    }

    const S = plan.small;
    const small = report.section(
      `2. Small objects (${S.size / 1024} KiB) durable PUT / GET`,
      undefined,
      'Every PUT is acknowledged only once durable (ossd: a 4 KiB body is stored inline in SQLite and acknowledged after the WAL commit, grouped with concurrent uploads — `--inline-max-bytes`; baseline: write + fdatasync + rename + directory fsync; s3rver: no fsync at all). The ceiling is node:http alone: it discards PUT bodies (nothing stored, no fsync) and answers GETs from one buffer in memory — no server that stores anything can beat it. Ratio = ops/s ÷ baseline ops/s.',
    );
    const smallTargets = [...targets, ceiling];
    const smallBody = randomBytes(S.size);
    const smallPut: Record<number, Map<string, LoadResult>> = {};
    const written = new Map<string, number>();
    for (const c of [1, 16, 64] as const) {
      smallPut[c] = await compare(
        small,
        'PUT',
        c,
        async (t) => {
          const r = await httpLoad(
            t.proc.origin,
            { concurrency: c, count: S.put[c], timeCapMs: plan.capMs, warmup: c },
            (i) => ({
              method: 'PUT',
              path: t.path('small', `small-c${c}-${i}`),
              body: smallBody,
              sentBytes: smallBody.length,
              headers: { 'content-type': 'application/octet-stream' },
            }),
          );
          if (c === 64) written.set(t.name, Math.min(1000, r.ops));
          return r;
        },
        opsPerSec,
        smallTargets,
      );
    }
    const smallGet: Record<number, Map<string, LoadResult>> = {};
    for (const c of [1, 16, 64] as const) {
      smallGet[c] = await compare(
        small,
        'GET',
        c,
        (t) =>
          httpLoad(t.proc.origin, { concurrency: c, count: S.get[c], timeCapMs: plan.capMs, warmup: c }, (i) => ({
            method: 'GET',
            path: t.path('small', `small-c64-${i % (written.get(t.name) ?? 1)}`),
          })),
        opsPerSec,
        smallTargets,
      );
    }

    // Targets.
    const vs = (m: Map<string, LoadResult>, a: string, b: string, f: (r: LoadResult) => number) =>
      f(m.get(a)!) / f(m.get(b)!);
    for (const c of [1, 4]) {
      const r = vs(largePut[c], 'ossd', 'baseline', mibPerSec);
      report.check(`Large PUT c${c} ≥ 0.9× baseline`, ratio(r), r >= 0.9);
    }
    for (const c of [1, 4]) {
      const r = vs(largeGet[c], 'ossd', 'baseline', mibPerSec);
      report.check(`Large GET c${c} ≥ 0.8× baseline`, ratio(r), r >= 0.8);
    }
    const sp = vs(smallPut[64], 'ossd', 'baseline', opsPerSec);
    report.check('Small durable PUT c64 ≥ 2.0× baseline', ratio(sp), sp >= 2.0);
    for (const c of [1, 16]) {
      const r = vs(smallGet[c], 'ossd', 'baseline', opsPerSec);
      report.check(`Small GET c${c} ≥ 0.8× baseline`, ratio(r), r >= 0.8);
    }
    const sg = vs(smallGet[64], 'ossd', 'baseline', opsPerSec);
    report.check('Small GET c64 ≥ 1.0× baseline', ratio(sg), sg >= 1.0);
    for (const [op, m] of [
      ['PUT', smallPut],
      ['GET', smallGet],
    ] as const) {
      const parts = [1, 16, 64].map((c) => `c${c} ${ratio(vs(m[c], 'ossd', 'ceiling', opsPerSec))}`);
      small.notes.push(`ossd ÷ ceiling, small ${op}: ${parts.join(', ')}.`);
    }
    if (s3rverOk) {
      const peer = report.section('7. Peer: ossd ÷ s3rver (same driver, same run)', [
        'Workload',
        'c',
        'ossd',
        's3rver',
        'ossd ÷ s3rver',
      ]);
      const add = (
        label: string,
        c: number,
        m: Map<string, LoadResult>,
        f: (r: LoadResult) => number,
        unit: string,
      ) => {
        const o = f(m.get('ossd')!);
        const s = f(m.get('s3rver')!);
        peer.rows.push([label, String(c), `${fmt(o)} ${unit}`, `${fmt(s)} ${unit}`, ratio(o / s)]);
        return o / s;
      };
      for (const c of [1, 4]) {
        const r = add('Large PUT', c, largePut[c], mibPerSec, 'MiB/s');
        report.check(`Large PUT c${c} ≥ 1.3× s3rver`, ratio(r), r >= 1.3);
      }
      for (const c of [1, 4]) add('Large GET', c, largeGet[c], mibPerSec, 'MiB/s');
      for (const c of [1, 16, 64]) {
        const r = add('Small PUT', c, smallPut[c], opsPerSec, 'ops/s');
        report.check(`Small PUT c${c} ≥ 5× s3rver`, ratio(r), r >= 5);
      }
      for (const c of [1, 16, 64]) add('Small GET', c, smallGet[c], opsPerSec, 'ops/s');
      peer.notes.push('s3rver never fsyncs: its PUTs are acknowledged from the page cache, ossd’s only once durable.');
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
  return kept;
}
