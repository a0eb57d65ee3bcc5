import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { HttpClient, percentile } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { BUCKET, createBenchBucket, ossClient, startOssd, tempDir } from '../lib/procs.js';
import { fmt, type Report } from '../lib/report.js';

const OBJECT_COLUMNS =
  'bucket, key, type, size, etag, crc64, content_md5, last_modified, acl, storage_class, headers, meta, tags, segments, symlink_target, version_id';
const VALUES = `?, ?, 'Normal', 0, 'D41D8CD98F00B204E9800998ECF8427E', '0', '1B2M2Y8AsgTpgAmY7PhCfg==', ?, 'default', 'Standard', '{"contentType":"application/octet-stream"}', '{}', '{}', '[]', NULL, ?`;

const versionId = () => `CAEQ${randomBytes(24).toString('base64url')}`;

/**
 * Inserts `keys` current objects (each with a version id) and `noncurrent` older versions of each key
 * straight into ossd's SQLite (ossd stopped), as the listing workload does for an unversioned bucket.
 */
function populate(dataDir: string, keys: number, dirs: number, noncurrent: number): void {
  const db = new Database(path.join(dataDir, 'meta.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    const current = db.prepare(`INSERT INTO objects (${OBJECT_COLUMNS}) VALUES (${VALUES})`);
    const old = db.prepare(
      `INSERT INTO object_versions (${OBJECT_COLUMNS}, is_delete_marker, noncurrent_since) VALUES (${VALUES}, 0, ?)`,
    );
    const perDir = Math.ceil(keys / dirs);
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < keys; i++) {
        const d = Math.floor(i / perDir);
        const key = `d${String(d).padStart(2, '0')}/obj${String(i).padStart(7, '0')}`;
        for (let v = 0; v < noncurrent; v++) old.run(BUCKET, key, now - 1000 * (noncurrent - v), versionId(), now);
        current.run(BUCKET, key, now, versionId());
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * Workload "versions": the listing workload's walk (ListObjectsV2, pages of 1000, delimiter) over a
 * versioned bucket holding `keys` current objects and as many noncurrent versions again, to show that
 * old versions do not slow the listing of current objects; then ListObjectVersions pages over the same keys.
 */
export async function versionedListing(plan: Plan, report: Report): Promise<void> {
  const P = plan.listing;
  const noncurrent = 1;
  const dataDir = tempDir('ossd-versions');
  let ossd = await startOssd(dataDir);
  await createBenchBucket(ossd.port);
  await (
    ossClient(ossd.port) as unknown as { putBucketVersioning(b: string, s: string): Promise<unknown> }
  ).putBucketVersioning(BUCKET, 'Enabled');
  await ossd.stop(true);
  const t0 = performance.now();
  populate(dataDir, P.keys, P.dirs, noncurrent);
  const populateS = (performance.now() - t0) / 1000;
  ossd = await startOssd(dataDir, { cpuProfDir: plan.cpuProfDir });
  const client = new HttpClient(ossd.origin, 1);
  try {
    const call = async (query: string) => {
      const s = performance.now();
      const res = await client.call({ method: 'GET', path: `/${BUCKET}/?${query}`, expectStatus: 200 });
      return { ms: performance.now() - s, text: res.text };
    };
    const list = async (params: Record<string, string>) => {
      const q = new URLSearchParams({ 'list-type': '2', 'max-keys': '1000', delimiter: '/', ...params });
      const { ms, text } = await call(q.toString());
      const count = Number(/<KeyCount>(\d+)<\/KeyCount>/.exec(text)?.[1] ?? 0);
      const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(text)?.[1];
      return { ms, count, token };
    };
    const listVersions = async (prefix: string, keyMarker?: string, versionIdMarker?: string) => {
      const q = new URLSearchParams({ 'max-keys': '1000', prefix });
      if (keyMarker) q.set('key-marker', keyMarker);
      if (versionIdMarker) q.set('version-id-marker', versionIdMarker);
      const { ms, text } = await call(`versions&${q}`);
      const count = (text.match(/<Version>/g) ?? []).length;
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(text);
      const nextKey = /<NextKeyMarker>([^<]*)<\/NextKeyMarker>/.exec(text)?.[1];
      const nextId = /<NextVersionIdMarker>([^<]*)<\/NextVersionIdMarker>/.exec(text)?.[1];
      return { ms, count, next: truncated ? { nextKey, nextId } : undefined };
    };
    await list({ prefix: 'd00/' }); // warm-up
    const pageMs: number[] = [];
    let keysSeen = 0;
    const versionMs: number[] = [];
    let versionsSeen = 0;
    const step = Math.max(1, Math.floor(P.dirs / P.walkDirs));
    for (let d = 0; d < P.dirs; d += step) {
      const prefix = `d${String(d).padStart(2, '0')}/`;
      let token: string | undefined;
      do {
        const page = await list({ prefix, ...(token ? { 'continuation-token': token } : {}) });
        pageMs.push(page.ms);
        keysSeen += page.count;
        token = page.token;
      } while (token);
      let next: { nextKey?: string; nextId?: string } | undefined = {};
      for (let i = 0; next && i < 100_000; i++) {
        const page = await listVersions(prefix, next.nextKey, next.nextId);
        versionMs.push(page.ms);
        versionsSeen += page.count;
        next = page.next;
      }
    }
    const section = report.section(
      `Versioned listing: ${P.keys.toLocaleString('en-US')} current objects + ${(P.keys * noncurrent).toLocaleString('en-US')} noncurrent versions`,
      ['Listing', 'pages', 'entries/page', 'p50 ms', 'p99 ms', 'max ms'],
      `A versioned bucket, rows inserted straight into ossd's SQLite while it was stopped (${fmt(populateS, 1)} s), then ossd restarted. Current objects stay in \`objects\`; noncurrent versions are in \`object_versions\`, so ListObjects reads only current rows. Compare with the unversioned listing workload.`,
    );
    section.rows.push([
      `ListObjectsV2: walk ${Math.ceil(P.dirs / step)} directories, continuation tokens`,
      String(pageMs.length),
      fmt(keysSeen / pageMs.length, 0),
      fmt(percentile(pageMs, 50), 2),
      fmt(percentile(pageMs, 99), 2),
      fmt(Math.max(...pageMs), 2),
    ]);
    section.rows.push([
      'ListObjectVersions: the same directories, pages of 1000 versions',
      String(versionMs.length),
      fmt(versionsSeen / versionMs.length, 0),
      fmt(percentile(versionMs, 50), 2),
      fmt(percentile(versionMs, 99), 2),
      fmt(Math.max(...versionMs), 2),
    ]);
    const p50 = percentile(pageMs, 50);
    console.log(
      `  versioned listing: page p50 ${fmt(p50, 2)} ms, versions page p50 ${fmt(percentile(versionMs, 50), 2)} ms`,
    );
    report.check(
      `Listing page p50 ≤ 20 ms at ${P.keys.toLocaleString('en-US')} current keys with as many old versions`,
      `${fmt(p50, 2)} ms`,
      p50 <= 20,
    );
  } finally {
    await client.close();
    await ossd.stop();
  }
}
