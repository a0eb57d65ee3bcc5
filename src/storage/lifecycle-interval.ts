/** `--lifecycle-interval`: `24h`, `30m`, `15s`, `500ms`, `1d`, a bare number of seconds; `0`/`off` = never. */
export function parseInterval(raw: string): number {
  const v = raw.trim().toLowerCase();
  if (v === 'off' || v === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v);
  if (!m) throw new Error(`--lifecycle-interval must be a duration such as 24h, 30m, 15s or off, got ${raw}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}
