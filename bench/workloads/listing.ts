import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { HttpClient, percentile } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import { BUCKET, cpuOf, createBenchBucket, startOssd, tempDir } from '../lib/procs.js';
import { fmt, type Report } from '../lib/report.js';

/**
 * Inserts `keys` object rows straight into ossd's SQLite (ossd stopped): keys `dNN/objNNNNNNN`, `dirs`
 * directories. Rows are empty objects with no blob (listing never reads blobs); the schema is
 * src/storage/local/schema.ts. Uploading 1M objects through HTTP would take many minutes.
 */
function populate(dataDir: string, keys: number, dirs: number): void {
  const db = new Database(path.join(dataDir, 'meta.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    const insert = db.prepare(
      `INSERT INTO objects (bucket, key, type, size, etag, crc64, content_md5, last_modified, acl, storage_class, headers, meta, tags, segments, symlink_target)
       VALUES (?, ?, 'Normal', 0, 'D41D8CD98F00B204E9800998ECF8427E', '0', '1B2M2Y8AsgTpgAmY7PhCfg==', ?, 'default', 'Standard', '{"contentType":"application/octet-stream"}', '{}', '{}', '[]', NULL)`,
    );
    const perDir = Math.ceil(keys / dirs);
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < keys; i++) {
        const d = Math.floor(i / perDir);
        insert.run(BUCKET, `d${String(d).padStart(2, '0')}/obj${String(i).padStart(7, '0')}`, now);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Workload 5: ListObjectsV2 pages of 1000 with a delimiter over a bucket of `keys` keys. */
export async function listing(plan: Plan, report: Report): Promise<void> {
  const P = plan.listing;
  const dataDir = tempDir('ossd-list');
  let ossd = await startOssd(dataDir);
  await createBenchBucket(ossd.port);
  await ossd.stop(true);
  const t0 = performance.now();
  populate(dataDir, P.keys, P.dirs);
  const populateS = (performance.now() - t0) / 1000;
  ossd = await startOssd(dataDir, { cpuProfDir: plan.cpuProfDir });
  const client = new HttpClient(ossd.origin, 1);
  try {
    const list = async (params: Record<string, string>) => {
      const q = new URLSearchParams({ 'list-type': '2', 'max-keys': '1000', delimiter: '/', ...params });
      const s = performance.now();
      const res = await client.call({ method: 'GET', path: `/${BUCKET}/?${q}`, expectStatus: 200 });
      const ms = performance.now() - s;
      const count = Number(/<KeyCount>(\d+)<\/KeyCount>/.exec(res.text)?.[1] ?? 0);
      const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(res.text)?.[1];
      return { ms, count, token };
    };
    await list({ prefix: 'd00/' }); // warm-up
    const pageMs: number[] = [];
    let keysSeen = 0;
    const cpuBefore = cpuOf(ossd.pid);
    const step = Math.max(1, Math.floor(P.dirs / P.walkDirs));
    for (let d = 0; d < P.dirs; d += step) {
      let token: string | undefined;
      do {
        const page = await list({
          prefix: `d${String(d).padStart(2, '0')}/`,
          ...(token ? { 'continuation-token': token } : {}),
        });
        pageMs.push(page.ms);
        keysSeen += page.count;
        token = page.token;
      } while (token);
    }
    const cpuPerPageMs = ((cpuOf(ossd.pid) - cpuBefore) * 1000) / pageMs.length;
    const rootMs: number[] = [];
    let prefixes = 0;
    for (let r = 0; r < P.rootReps; r++) {
      const page = await list({});
      rootMs.push(page.ms);
      prefixes = page.count;
    }
    const section = report.section(
      `5. Listing: ListObjectsV2, max-keys 1000, delimiter "/", bucket of ${P.keys.toLocaleString('en-US')} keys`,
      ['Listing', 'pages', 'entries/page', 'p50 ms', 'p99 ms', 'max ms'],
      `Keys \`dNN/objNNNNNNN\` in ${P.dirs} directories, inserted straight into ossd's SQLite while it was stopped (${fmt(populateS, 1)} s; rows have no blobs — listing never reads them), then ossd restarted. Timed from the driver: request, SQLite query, XML, response.`,
    );
    section.rows.push([
      `walk ${Math.ceil(P.dirs / step)} directories (prefix dNN/), continuation tokens`,
      String(pageMs.length),
      fmt(keysSeen / pageMs.length, 0),
      fmt(percentile(pageMs, 50), 2),
      fmt(percentile(pageMs, 99), 2),
      fmt(Math.max(...pageMs), 2),
    ]);
    section.rows.push([
      `bucket root (${prefixes} common prefixes)`,
      String(rootMs.length),
      String(prefixes),
      fmt(percentile(rootMs, 50), 2),
      fmt(percentile(rootMs, 99), 2),
      fmt(Math.max(...rootMs), 2),
    ]);
    const p50 = percentile(pageMs, 50);
    section.notes.push(
      `ossd CPU per page of the walk: ${fmt(cpuPerPageMs, 2)} ms (/proc/PID/stat; the rest of the latency is the driver, the loopback and waiting).`,
    );
    console.log(
      `  listing: page p50 ${fmt(p50, 2)} ms (ossd CPU ${fmt(cpuPerPageMs, 2)} ms/page), root p50 ${fmt(percentile(rootMs, 50), 2)} ms`,
    );
    report.check(`Listing page p50 ≤ 10 ms at ${P.keys.toLocaleString('en-US')} keys`, `${fmt(p50, 2)} ms`, p50 <= 10);
  } finally {
    await client.close();
    await ossd.stop();
  }
}
