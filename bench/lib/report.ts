import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type LoadResult, MiB, mibPerSec, opsPerSec, percentile } from './driver.js';

export interface Section {
  title: string;
  intro?: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

export interface Check {
  target: string;
  measured: string;
  /** undefined = not measured in this run. */
  met?: boolean;
  note?: string;
}

export const LOAD_HEADER = ['Server', 'Operation', 'c', 'n', 'ops/s', 'MiB/s', 'p50 ms', 'p99 ms', 'vs baseline'];

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function ratio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}×` : '–';
}

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

/** One table row for a closed-loop result. */
export function loadRow(server: string, op: string, conc: number, r: LoadResult, vs?: number): string[] {
  const errs = r.errors ? ` (${r.errors} errors)` : '';
  const cap = r.capped ? ' (time cap)' : '';
  return [
    server,
    op,
    String(conc),
    `${r.ops}${errs}${cap}`,
    fmt(opsPerSec(r)),
    fmt(mibPerSec(r)),
    fmt(percentile(r.latencies, 50), 2),
    fmt(percentile(r.latencies, 99), 2),
    vs === undefined ? '' : ratio(vs),
  ];
}

export class Report {
  readonly sections: Section[] = [];
  readonly checks: Check[] = [];
  readonly notes: string[] = [];

  section(title: string, header: string[] = LOAD_HEADER, intro?: string): Section {
    const s: Section = { title, header, rows: [], notes: [], intro };
    this.sections.push(s);
    return s;
  }

  check(target: string, measured: string, met: boolean | undefined, note?: string): void {
    this.checks.push({ target, measured, met, note });
    const mark = met === undefined ? '·' : met ? '✓' : '✗';
    console.log(`  ${mark} ${target}: ${measured}${note ? ` — ${note}` : ''}`);
  }

  markdown(meta: { title: string; machine: Record<string, string>; run: Record<string, string> }): string {
    const out: string[] = [`# ${meta.title}`, ''];
    out.push('## Machine and run', '');
    for (const [k, v] of [...Object.entries(meta.machine), ...Object.entries(meta.run)]) out.push(`- **${k}**: ${v}`);
    out.push('', '## Targets', '', '| Target | Measured | Met |', '|---|---|---|');
    for (const c of this.checks) {
      const met = c.met === undefined ? 'not run' : c.met ? 'met' : '**missed**';
      out.push(`| ${c.target} | ${c.measured}${c.note ? ` (${c.note})` : ''} | ${met} |`);
    }
    out.push('');
    for (const s of this.sections) {
      out.push(`## ${s.title}`, '');
      if (s.intro) out.push(s.intro, '');
      out.push(`| ${s.header.join(' | ')} |`, `|${s.header.map(() => '---').join('|')}|`);
      for (const r of s.rows) out.push(`| ${r.join(' | ')} |`);
      out.push('');
      for (const n of s.notes) out.push(`- ${n}`);
      if (s.notes.length) out.push('');
    }
    if (this.notes.length) {
      out.push('## Run notes', '');
      for (const n of this.notes) out.push(`- ${n}`);
      out.push('');
    }
    return out.join('\n');
  }
}

const START = '<!-- analysis:start -->';
const END = '<!-- analysis:end -->';

/** Writes `body` to `file`, keeping a hand-written analysis block (between the markers) from the old file. */
export function writeResults(file: string, body: string): void {
  let analysis = `${START}\n## Analysis\n\n(Hand-written analysis goes here; the runner keeps this block.)\n${END}`;
  if (existsSync(file)) {
    const old = readFileSync(file, 'utf8');
    const a = old.indexOf(START);
    const b = old.indexOf(END);
    if (a >= 0 && b > a) analysis = old.slice(a, b + END.length);
  }
  writeFileSync(file, `${body}\n${analysis}\n`);
}

export { MiB };
