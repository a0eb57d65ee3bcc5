/**
 * PostgreSQL stopped and started again under load, on 3 nodes (a private PostgreSQL cluster the test can stop,
 * an S3 bucket in a Ceph RGW): while it is down every request answers within seconds with 503
 * ServiceUnavailable (never a hang, never 500) and /-/health answers 503 on every node; once it is back the
 * nodes serve again by themselves, and no acknowledged write is lost. And a COMMIT whose answer is lost on the
 * way back (the connection cut after the server committed): the node answers 503, and the object is then
 * wholly there — its bytes were not deleted on the assumption that the commit failed.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { type Cluster, type SharedStores, startCluster } from '../helpers/cluster.js';
import { type CommitCutter, startCommitCutter } from '../helpers/pg-commit-cutter.js';
import { type PostgresServer, postgresUnavailable, startPrivateCluster } from '../helpers/postgres.js';
import { dropBucket, freshBucket, rgwClient, rgwOrSkip } from '../helpers/rgw.js';
import { blobAccounting } from '../helpers/shared-blobs.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'pgOutageKeyId001';
const SECRET = 'pgOutageSecret00000000000001';
const BUCKET = 'outage';

const gateway = await rgwOrSkip();
const pgWhy = postgresUnavailable();
if (pgWhy && process.env.CI) throw new Error(pgWhy);
const skip = gateway.skip ?? pgWhy;

type OssErr = { status?: number; code?: string; name?: string; message?: string };
interface Outcome {
  op: string;
  node: number;
  start: number;
  end: number;
  error?: OssErr;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clientsFor(cluster: Cluster): OSS[] {
  return cluster.nodes.map((n) =>
    ossClient({
      endpoint: `http://localhost:${n.port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      bucket: BUCKET,
      timeout: 30_000,
    }),
  );
}

async function healthStatus(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/-/health`, { signal: AbortSignal.timeout(10_000) });
  await r.arrayBuffer();
  return r.status;
}

describe('PostgreSQL outage under load on 3 nodes', { skip }, () => {
  let pg: PostgresServer & { cluster: NonNullable<PostgresServer['cluster']> };
  let stores: SharedStores;
  let cluster: Cluster;
  let nodes: OSS[];
  const admin = gateway.rgw && rgwClient(gateway.rgw);

  before(async () => {
    if (!gateway.rgw || !admin) return;
    pg = await startPrivateCluster();
    const bucket = await freshBucket(admin);
    stores = {
      metadata: await pg.newDatabase(),
      blobs: `s3://${bucket}/ossd`,
      rgw: gateway.rgw,
      drop: () => dropBucket(admin, bucket),
    };
    cluster = await startCluster(stores, 3, (c) => {
      c.rootAccessKeyId = ID;
      c.rootAccessKeySecret = SECRET;
    });
    nodes = clientsFor(cluster);
    await nodes[0].putBucket(BUCKET);
  });
  after(async () => {
    await cluster?.close();
    await admin?.close();
    pg?.cluster.destroy();
  });

  it('answers 503 quickly while PostgreSQL is down, recovers by itself, loses no acknowledged write', {
    timeout: 100_000,
  }, async () => {
    const acked = new Map<string, Buffer>();
    const outcomes: Outcome[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let n = 0; !stop && n < 2000; n++) {
        const node = (w + n) % 3;
        const client = nodes[node];
        const dice = Math.random();
        const known = [...acked.keys()];
        let op = 'put';
        const start = Date.now();
        try {
          if (dice < 0.3 && known.length) {
            op = 'get';
            const key = known[Math.floor(Math.random() * known.length)];
            const got = await client.get(key);
            assert.ok((got.content as Buffer).equals(acked.get(key) as Buffer), `${key}: GET returns its bytes`);
          } else if (dice < 0.45) {
            op = 'list';
            await client.list({ prefix: `w${w}/`, 'max-keys': 20 }, {});
          } else {
            const key = `w${w}/${n}`;
            const body = randomBytes(Math.random() < 0.3 ? 70_000 + Math.floor(Math.random() * 50_000) : 2000);
            await client.put(key, body);
            acked.set(key, body);
          }
          outcomes.push({ op, node, start, end: Date.now() });
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          outcomes.push({ op, node, start, end: Date.now(), error: e as OssErr });
          await sleep(50);
        }
      }
    };
    const workers = Array.from({ length: 4 }, (_, w) => worker(w));
    try {
      await sleep(1500);
      await pg.cluster.stop();
      const downAt = Date.now();
      // Every node tells its load balancer it cannot serve.
      for (const n of cluster.nodes) assert.equal(await healthStatus(n.port), 503, `node ${n.port}: health 503`);
      await sleep(4000);
      const upAt = Date.now();
      await pg.cluster.start();
      // The nodes recover without a restart: health 200 on each within seconds.
      const deadline = Date.now() + 20_000;
      for (const n of cluster.nodes) {
        while ((await healthStatus(n.port)) !== 200) {
          assert.ok(Date.now() < deadline, `node ${n.port} recovered within 20 s`);
          await sleep(200);
        }
      }
      const recoveredAt = Date.now();
      await sleep(2000);
      stop = true;
      await Promise.all(workers);

      const show = (o: Outcome) =>
        `${o.op} on node ${o.node}: ${o.error ? `${o.error.status} ${o.error.code ?? o.error.name} ${o.error.message}` : 'ok'} in ${o.end - o.start} ms`;
      for (const o of outcomes) {
        if (o.error) {
          assert.equal(o.error.status, 503, `only 503 while PostgreSQL is away: ${show(o)}`);
          assert.equal(o.error.code, 'ServiceUnavailable', show(o));
        }
        assert.ok(o.end - o.start < 15_000, `answered within seconds, never hung: ${show(o)}`);
      }
      const during = outcomes.filter((o) => o.start >= downAt && o.end <= upAt);
      assert.ok(during.length >= 6, `requests were made during the outage (${during.length})`);
      for (const o of during) {
        assert.ok(o.error, `nothing is served without PostgreSQL: ${show(o)}`);
        assert.ok(o.end - o.start < 8000, `failed fast: ${show(o)}`);
      }
      const afterRecovery = outcomes.filter((o) => o.start >= recoveredAt);
      assert.ok(afterRecovery.length >= 6, `requests were made after the recovery (${afterRecovery.length})`);
      for (const o of afterRecovery) assert.equal(o.error, undefined, `served again: ${show(o)}`);
    } finally {
      stop = true;
      await Promise.allSettled(workers);
    }

    // No acknowledged write was lost: each is readable, with its bytes, on every node.
    assert.ok(acked.size > 20, `enough acknowledged writes (${acked.size})`);
    let i = 0;
    for (const [key, body] of acked) {
      const got = await nodes[i++ % 3].get(key);
      assert.equal(md5(got.content as Buffer), md5(body), `${key} kept`);
    }
    const acct = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
    assert.deepEqual(acct.missing, [], 'every referenced blob is in the bucket');
  });

  describe('a COMMIT whose answer is lost', () => {
    let cutter: CommitCutter;
    let cut: Cluster;
    let viaCutter: OSS;
    // A lost connection must not become an uncaught exception (it would end a node's process).
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    before(async () => {
      if (!pg) return;
      process.on('uncaughtException', onUncaught);
      cutter = await startCommitCutter(Number(new URL(pg.url).port));
      const url = new URL(stores.metadata);
      url.port = String(cutter.port);
      cut = await startCluster({ ...stores, drop: async () => {} }, 1, (c) => {
        c.rootAccessKeyId = ID;
        c.rootAccessKeySecret = SECRET;
        c.metadata = url.toString();
      });
      [viaCutter] = clientsFor(cut);
    });
    after(async () => {
      process.off('uncaughtException', onUncaught);
      await cut?.close();
      await cutter?.close();
    });

    /** Runs `write` with the next COMMIT's answer lost: it must fail with 503 (the outcome is unknown). */
    async function lostCommit(write: () => Promise<unknown>): Promise<void> {
      cutter.armNextCommit();
      const before = cutter.cut();
      await assert.rejects(write(), (e: OssErr) => {
        assert.equal(e.status, 503, `${e.code}: ${e.message}`);
        return true;
      });
      assert.equal(cutter.cut(), before + 1, 'the COMMIT was cut');
    }

    it('leaves the committed object whole (its bytes are not deleted)', { timeout: 60_000 }, async () => {
      const body = randomBytes(100_000);
      await lostCommit(() => viaCutter.put('lost/put', body));
      // The server committed: every node serves the object, with its bytes.
      for (const n of nodes) assert.equal(md5((await n.get('lost/put')).content as Buffer), md5(body));

      const chunk = randomBytes(90_000);
      await lostCommit(() => viaCutter.append('lost/append', chunk, { position: '0' } as OSS.AppendObjectOptions));
      for (const n of nodes) assert.equal(md5((await n.get('lost/append')).content as Buffer), md5(chunk));

      await lostCommit(() => viaCutter.copy('lost/copy', 'lost/put'));
      for (const n of nodes) assert.equal(md5((await n.get('lost/copy')).content as Buffer), md5(body));

      const init = await nodes[0].initMultipartUpload('lost/mp');
      const part = randomBytes(100 * 1024);
      await lostCommit(() => viaCutter.uploadPart('lost/mp', init.uploadId, 1, part, 0, part.length));
      // ali-oss gives a single <Part> as an object, several as an array.
      const listed = (await nodes[1].listParts('lost/mp', init.uploadId, {} as OSS.ListPartsQuery)).parts as unknown;
      const parts = ([] as { PartNumber: string; ETag: string }[]).concat(
        listed as { PartNumber: string; ETag: string },
      );
      assert.deepEqual(
        parts.map((p) => p.PartNumber),
        ['1'],
        'the part was recorded',
      );
      await nodes[2].completeMultipartUpload('lost/mp', init.uploadId, [{ number: 1, etag: parts[0].ETag }]);
      for (const n of nodes) assert.equal(md5((await n.get('lost/mp')).content as Buffer), md5(part));

      const acct = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
      assert.deepEqual(acct.missing, [], 'no referenced blob was deleted');
      assert.deepEqual(uncaught.map(String), [], 'the cut connections raised no uncaught exception');
      // The node behind the cutter still serves.
      assert.equal(md5((await viaCutter.get('lost/mp')).content as Buffer), md5(part));
    });
  });
});
