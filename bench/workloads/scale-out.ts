/**
 * `npm run bench -- --backend pg+rgw`: ossd nodes on PostgreSQL + a Ceph RGW, measured in one run against
 * (a) the same driver talking straight to RGW (large PUT/GET) and (b) one node vs three nodes on the same
 * stores (small PUT/GET), with PostgreSQL transactions per upload read from pg_stat_database.
 * Services: a throwaway PostgreSQL cluster (as the tests start it) and the RGW from RGW_ENDPOINT/… or one
 * started by scripts/ceph-rgw-up.sh.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Cluster, startPostgres } from '../../test/helpers/postgres.js';
import { freshBucket, rgwClient, rgwOrSkip } from '../../test/helpers/rgw.js';
import { closedLoop, HttpClient, type LoadResult, MiB, mibPerSec, opsPerSec } from '../lib/driver.js';
import type { Plan } from '../lib/plan.js';
import {
  BUCKET,
  createBenchBucket,
  ROOT_ID,
  ROOT_SECRET,
  type ServerProc,
  spawnServer,
  tempDir,
} from '../lib/procs.js';
import { loadRow, type Report, ratio } from '../lib/report.js';

async function startNode(
  metadata: string,
  blobs: string,
  rgw: { endpoint: string; accessKey: string; secretKey: string },
) {
  const dataDir = tempDir('node');
  return spawnServer(
    'ossd',
    ['--max-semi-space-size=8', '--import', 'tsx'],
    (port) => [
      'src/cli/main.ts',
      'serve',
      '--address',
      `127.0.0.1:${port}`,
      '--data',
      dataDir,
      '--metadata',
      metadata,
      '--blobs',
      blobs,
      '--blobs-endpoint',
      rgw.endpoint,
      '--console-address',
      'off',
      '--log-level',
      'warn',
    ],
    {
      env: {
        OSSD_ROOT_ACCESS_KEY_ID: ROOT_ID,
        OSSD_ROOT_ACCESS_KEY_SECRET: ROOT_SECRET,
        OSSD_BLOBS_ACCESS_KEY_ID: rgw.accessKey,
        OSSD_BLOBS_SECRET_ACCESS_KEY: rgw.secretKey,
      },
      dataDir,
    },
  );
}

/** Transactions committed or rolled back in the database so far (statistics lag up to a second: wait first). */
async function transactions(url: string): Promise<number> {
  await new Promise((r) => setTimeout(r, 1500));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}

export async function scaleOut(plan: Plan, report: Report): Promise<void> {
  // A gateway started here gets room for the large objects (RGW's memstore blocks writes when 95 % full).
  process.env.CEPH_OSD_BYTES ??= String(6 * 1024 ** 3);
  const gateway = await rgwOrSkip();
  if (!gateway.rgw) {
    report.notes.push(`scale-out workload skipped: ${gateway.skip}`);
    return;
  }
  const rgw = gateway.rgw;
  let cluster: Cluster | undefined;
  const server = await startPostgres().catch(async () => {
    cluster = await Cluster.create();
    return { url: cluster.url, newDatabase: async () => cluster!.url };
  });
  const metadata = await server.newDatabase();
  const admin = rgwClient(rgw);
  const s3Bucket = await freshBucket(admin);
  // The straight-to-RGW path uses the same anonymous driver: a public-read-write bucket.
  await (
    await admin.send({
      method: 'PUT',
      bucket: s3Bucket,
      query: { acl: '' },
      headers: { 'x-amz-acl': 'public-read-write' },
    })
  ).body.dump();
  const nodes: ServerProc[] = [];
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startNode(metadata, `s3://${s3Bucket}/ossd`, rgw));
    await createBenchBucket(nodes[0].port);

    // 1. Large objects: ossd (one node) vs the same driver straight to RGW.
    const large = report.section(
      '9. Scale-out: large PUT/GET through ossd on PostgreSQL + RGW vs straight to RGW',
      undefined,
      'Same undici driver, same object sizes; "vs baseline" = ossd ÷ straight to RGW.',
    );
    const body = randomBytes(plan.large.size);
    const targets = [
      // Objects written anonymously to RGW are readable anonymously only with a public-read object ACL.
      {
        name: 'RGW direct',
        origin: rgw.endpoint,
        path: (i: number) => `/${s3Bucket}/direct/k${i % plan.large.keys}`,
        putHeaders: { 'x-amz-acl': 'public-read' } as Record<string, string>,
      },
      {
        name: 'ossd (pg+rgw)',
        origin: nodes[0].origin,
        path: (i: number) => `/${BUCKET}/k${i % plan.large.keys}`,
        putHeaders: {} as Record<string, string>,
      },
    ];
    const largeRatio: Record<string, number> = {};
    for (const op of ['PUT', 'GET'] as const) {
      for (const c of [1, 4] as const) {
        const results: LoadResult[] = [];
        for (const t of targets) {
          const http = new HttpClient(t.origin, c);
          const n = op === 'PUT' ? plan.large.put[c] : plan.large.get[c];
          const r = await closedLoop({ concurrency: c, count: n, timeCapMs: plan.capMs, warmup: c }, (i) =>
            http.send(
              op === 'PUT'
                ? {
                    method: 'PUT',
                    path: t.path(i),
                    body,
                    sentBytes: body.length,
                    headers: { 'content-length': String(body.length), ...t.putHeaders },
                  }
                : { method: 'GET', path: t.path(i) },
            ),
          );
          await http.pool.close();
          results.push(r);
          large.rows.push(
            loadRow(
              t.name,
              `${op} ${plan.large.size / MiB} MiB`,
              c,
              r,
              results.length === 2 ? mibPerSec(r) / mibPerSec(results[0]) : undefined,
            ),
          );
        }
        largeRatio[`${op} c${c}`] = mibPerSec(results[1]) / mibPerSec(results[0]);
      }
    }
    for (const [k, v] of Object.entries(largeRatio))
      report.check(`pg+rgw large ${k} ≥ 0.8× straight to RGW`, ratio(v), v >= 0.8);

    // 2. Small objects: one node vs three (requests spread round robin), same stores.
    const small = report.section(
      '10. Scale-out: small 4 KiB PUT/GET on one node vs three nodes (same PostgreSQL + RGW)',
      undefined,
      '"vs baseline" = three nodes ÷ one node. Objects of 4 KiB are kept inline in PostgreSQL (bytea).',
    );
    const payload = randomBytes(plan.small.size);
    for (const c of [16, 64] as const) {
      for (const op of ['PUT', 'GET'] as const) {
        const results: LoadResult[] = [];
        for (const count of [1, 3]) {
          const clients = nodes.slice(0, count).map((n) => new HttpClient(n.origin, Math.ceil(c / count)));
          const before = op === 'PUT' ? await transactions(metadata) : 0;
          const n = op === 'PUT' ? plan.small.put[c] : plan.small.get[c];
          const r = await closedLoop({ concurrency: c, count: n, timeCapMs: plan.capMs, warmup: c }, (i) =>
            clients[i % count].send(
              op === 'PUT'
                ? { method: 'PUT', path: `/${BUCKET}/s${c}-${i}`, body: payload, sentBytes: payload.length }
                : { method: 'GET', path: `/${BUCKET}/s${c}-${i % 1000}` },
            ),
          );
          if (op === 'PUT') {
            const perUpload = (await transactions(metadata)) - before;
            const uploads = r.ops + Math.min(c, n);
            small.notes.push(
              `PUT c${c} on ${count} node(s): ${(perUpload / uploads).toFixed(2)} PostgreSQL transactions per upload (pg_stat_database: every statement outside a transaction counts as one, so the bucket lookup of each request counts too; warm-up and health probes included)`,
            );
            if (count === 1 && c === 16)
              report.check(
                'PostgreSQL transactions per small upload (one write transaction + the reads of the request)',
                (perUpload / uploads).toFixed(2),
                undefined,
              );
          }
          for (const cl of clients) await cl.pool.close();
          results.push(r);
          small.rows.push(
            loadRow(
              `ossd × ${count}`,
              `${op} 4 KiB`,
              c,
              r,
              count === 3 ? opsPerSec(r) / opsPerSec(results[0]) : undefined,
            ),
          );
        }
        report.check(
          `pg+rgw small ${op} c${c}: 3 nodes vs 1 (measured, no target on 2 cores)`,
          ratio(opsPerSec(results[1]) / opsPerSec(results[0])),
          undefined,
        );
      }
    }
  } finally {
    for (const n of nodes) await n.stop();
    await admin.close();
    cluster?.destroy();
  }
}
