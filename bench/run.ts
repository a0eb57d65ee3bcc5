/**
 * ossd benchmark suite. `npm run bench` (full) or `npm run bench -- --quick` (< 2 min).
 * Options: --quick, --only=io,callback,relay,multipart,listing,memory,alioss,image, --out=FILE, --cpu-prof[=DIR].
 * `--only=versions` (by hand, not in the default set): listing a versioned bucket with as many old versions.
 * See bench/README.md.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePlan } from './lib/plan.js';
import { machine, REPO, stopAll } from './lib/procs.js';
import { Report, writeResults } from './lib/report.js';
import { aliOss } from './workloads/ali-oss.js';
import { callbackOverhead } from './workloads/callback.js';
import { imageProcessing } from './workloads/image.js';
import { listing } from './workloads/listing.js';
import { memory } from './workloads/memory.js';
import { multipart } from './workloads/multipart.js';
import { notifications } from './workloads/notifications.js';
import { type OssdResults, objectIo } from './workloads/object-io.js';
import { relayOverhead } from './workloads/relay.js';
import { scaleOut } from './workloads/scale-out.js';
import { versionedListing } from './workloads/versioned-listing.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
/** `--name=value` or `--name value`. */
const value = (name: string) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  if (args[i].includes('=')) return args[i].split('=').slice(1).join('=');
  const next = args[i + 1];
  return next === undefined || next.startsWith('--') ? '' : next;
};
const quick = Boolean(flag('quick'));
const ALL = [
  'io',
  'callback',
  'relay',
  'multipart',
  'listing',
  'memory',
  'alioss',
  'image',
  'notify',
  'scale-out',
  'versions',
];
/** Run only when named with --only. */
const BY_HAND = ['scale-out', 'versions'];
// `--backend pg+rgw` runs the scale-out workload (ossd nodes on PostgreSQL + a Ceph RGW).
const backend = value('backend');
if (backend !== undefined && backend !== 'pg+rgw') {
  console.error(`unknown --backend ${backend}; known: pg+rgw`);
  process.exit(2);
}
const only = value('only')?.split(',') ?? (backend ? ['scale-out'] : ALL.filter((w) => !BY_HAND.includes(w)));
const unknown = only.filter((w) => !ALL.includes(w));
if (unknown.length) {
  console.error(`unknown workload(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  process.exit(2);
}
const out =
  value('out') ??
  (quick || only.length < ALL.length - BY_HAND.length
    ? path.join(os.tmpdir(), 'ossd-bench-results.md')
    : path.join(REPO, 'bench/RESULTS.md'));

const plan = makePlan(quick);
if (flag('cpu-prof')) {
  plan.cpuProfDir = value('cpu-prof') || path.join(os.tmpdir(), `ossd-bench-prof-${Date.now()}`);
  mkdirSync(plan.cpuProfDir, { recursive: true });
}

function s3rverInstalled(): boolean {
  try {
    import.meta.resolve('s3rver');
    return true;
  } catch {
    return false;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping servers and removing their data directories`);
    void stopAll().finally(() => process.exit(130));
  });
}

const report = new Report();
const started = new Date();
const loadStart = os.loadavg();
const t0 = Date.now();
const s3rverOk = s3rverInstalled();
if (!s3rverOk) report.notes.push('s3rver is not installed (npm install): the peer workload (7) was skipped.');
console.log(`ossd bench (${quick ? 'quick' : 'full'}): ${only.join(', ')} → ${out}`);

let undici: OssdResults = new Map();
const steps: [string, () => Promise<void>][] = [
  [
    'io',
    async () => {
      undici = await objectIo(plan, report, s3rverOk);
    },
  ],
  ['callback', () => callbackOverhead(plan, report)],
  ['relay', () => relayOverhead(plan, report)],
  ['multipart', () => multipart(plan, report)],
  ['listing', () => listing(plan, report)],
  ['versions', () => versionedListing(plan, report)],
  ['memory', () => memory(plan, report)],
  ['alioss', () => aliOss(plan, report, undici)],
  ['image', () => imageProcessing(plan, report)],
  ['notify', () => notifications(plan, report)],
  ['scale-out', () => scaleOut(plan, report)],
];
for (const [name, step] of steps) {
  if (!only.includes(name)) continue;
  const s = Date.now();
  console.log(`[${name}]`);
  try {
    await step();
  } catch (err) {
    console.error(`  ${name} failed:`, err);
    report.notes.push(`Workload "${name}" failed: ${(err as Error).message.split('\n')[0]}`);
  }
  console.log(`  (${((Date.now() - s) / 1000).toFixed(1)} s)`);
}

const loadEnd = os.loadavg();
const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
const markdown = report.markdown({
  title: `ossd benchmark results (${quick ? 'quick' : 'full'} run)`,
  machine: machine(),
  run: {
    Date: started.toISOString(),
    Mode: `${quick ? '--quick' : 'full'}; workloads: ${only.join(', ')}`,
    'Load average (1/5/15 min) at start': la(loadStart),
    'Load average at end': la(loadEnd),
    Duration: `${((Date.now() - t0) / 1000).toFixed(0)} s`,
    'ossd CPU profiles': plan.cpuProfDir ?? 'off',
  },
});
writeResults(out, markdown);
console.log(`\nwrote ${out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
