/**
 * The S3 store out of reach of 3 nodes under load: the nodes reach the Ceph RGW through a TCP relay the test
 * cuts and later restores on the same port. While it is cut, requests that move object bytes (uploads and
 * GETs of objects past the inline threshold) answer 503 ServiceUnavailable within seconds; requests that
 * need only metadata (HEAD, LIST, GetObjectMeta, ACL, tagging, small inline objects, DeleteObject) keep
 * working; /-/health says `degraded` (HTTP 200) on every node. Once the relay is back everything works,
 * nothing acknowledged is lost, and the blobs released during the outage are collected as orphans.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { collectOrphanBlobs } from '../../src/storage/gc.js';
import { type Cluster, sharedStores, startCluster } from '../helpers/cluster.js';
import { type RoundRobin, startRoundRobin } from '../helpers/round-robin.js';
import { blobAccounting } from '../helpers/shared-blobs.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 's3OutageKeyId001';
const SECRET = 's3OutageSecret00000000000001';
const BUCKET = 'bytes';
const LARGE = 70_000; // past the 64 KiB inline threshold: the bytes live in the S3 store

const stores = await sharedStores();
const skip = typeof stores === 'string' ? stores : undefined;

type OssErr = { status?: number; code?: string; name?: string; message?: string };
interface Outcome {
  op: string;
  /** Whether the operation moves object bytes to or from the S3 store. */
  bytes: boolean;
  start: number;
  end: number;
  error?: OssErr;
}

/** Calls ali-oss has at runtime that @types/ali-oss does not declare. */
interface Untyped {
  getObjectMeta(name: string): Promise<{ res: { headers: unknown } }>;
  putObjectTagging(name: string, tag: Record<string, string>): Promise<unknown>;
  getObjectTagging(name: string): Promise<{ tag: Record<string, string> }>;
}
const untyped = (c: OSS) => c as unknown as Untyped;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(port: number): Promise<{ code: number; status: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/-/health`, { signal: AbortSignal.timeout(10_000) });
  return { code: r.status, status: ((await r.json()) as { status: string }).status };
}

describe('S3 store outage under load on 3 nodes', { skip }, () => {
  let cluster: Cluster;
  let relay: RoundRobin;
  let nodes: OSS[];
  let rgwPort = 0;

  before(async () => {
    if (typeof stores === 'string') return;
    rgwPort = Number(new URL(stores.rgw.endpoint).port);
    relay = await startRoundRobin([rgwPort]);
    cluster = await startCluster(stores, 3, (c) => {
      c.rootAccessKeyId = ID;
      c.rootAccessKeySecret = SECRET;
      c.blobsEndpoint = `http://127.0.0.1:${relay.port}`;
    });
    nodes = cluster.nodes.map((n) =>
      ossClient({
        endpoint: `http://localhost:${n.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: BUCKET,
        timeout: 30_000,
      }),
    );
    await nodes[0].putBucket(BUCKET);
  });
  after(async () => {
    await cluster?.close();
    await relay?.close();
  });

  it('answers 503 for bytes, keeps metadata-only requests working, recovers when the store is back', {
    timeout: 100_000,
  }, async () => {
    // Each worker owns its keys, so it knows what a read must return.
    const model = new Map<string, Buffer | undefined>();
    const outcomes: Outcome[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let n = 0; !stop && n < 3000; n++) {
        const client = nodes[(w + n) % 3];
        const key = `w${w}/${n % 5}`;
        const current = model.get(key);
        const large = current !== undefined && current.length > LARGE - 1;
        const ops: [string, boolean, () => Promise<void>][] = [
          [
            'put-large',
            true,
            async () => {
              const body = randomBytes(LARGE + Math.floor(Math.random() * 50_000));
              await client.put(key, body);
              model.set(key, body);
            },
          ],
          [
            'put-small',
            false,
            async () => {
              const body = randomBytes(Math.floor(Math.random() * 4000));
              await client.put(key, body);
              model.set(key, body);
            },
          ],
          [
            'list',
            false,
            async () => {
              const listed = (await client.list({ prefix: `w${w}/`, 'max-keys': 10 }, {})).objects ?? [];
              const want = [...model].filter(([k, b]) => k.startsWith(`w${w}/`) && b).map(([k]) => k);
              assert.deepEqual(listed.map((o) => o.name).sort(), want.sort(), 'LIST agrees with the writes');
            },
          ],
        ];
        if (current) {
          ops.push(
            [
              large ? 'get-large' : 'get-small',
              large,
              async () => {
                const got = await client.get(key);
                assert.equal(md5(got.content as Buffer), md5(current), `${key}: GET returns its bytes`);
              },
            ],
            [
              'head',
              false,
              async () => {
                const h = (await client.head(key)).res.headers as Record<string, string>;
                assert.equal(h.etag, `"${md5(current).toUpperCase()}"`);
              },
            ],
            [
              'get-object-meta',
              false,
              async () => {
                const r = await untyped(client).getObjectMeta(key);
                assert.equal(Number((r.res.headers as Record<string, string>)['content-length']), current.length);
              },
            ],
            [
              'acl',
              false,
              async () => {
                await client.putACL(key, 'public-read');
                assert.equal((await client.getACL(key)).acl, 'public-read');
              },
            ],
            [
              'tagging',
              false,
              async () => {
                await untyped(client).putObjectTagging(key, { n: String(n) });
                assert.deepEqual((await untyped(client).getObjectTagging(key)).tag, { n: String(n) });
              },
            ],
            [
              'delete',
              false,
              async () => {
                await client.delete(key);
                model.set(key, undefined);
              },
            ],
          );
        }
        const [op, bytes, run] = ops[Math.floor(Math.random() * ops.length)];
        const start = Date.now();
        try {
          await run();
          outcomes.push({ op, bytes, start, end: Date.now() });
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          outcomes.push({ op, bytes, start, end: Date.now(), error: e as OssErr });
          await sleep(30);
        }
      }
    };
    const workers = Array.from({ length: 4 }, (_, w) => worker(w));
    let cutAt = 0;
    let restoreAt = 0;
    let recoveredAt = 0;
    try {
      await sleep(1500);
      await relay.close();
      cutAt = Date.now();
      for (const n of cluster.nodes) {
        const h = await health(n.port);
        assert.deepEqual(h, { code: 200, status: 'degraded' }, `node ${n.port}: degraded, still in the pool`);
      }
      await sleep(5000);
      restoreAt = Date.now();
      relay = await startRoundRobin([rgwPort], relay.port);
      const deadline = Date.now() + 20_000;
      for (const n of cluster.nodes) {
        while ((await health(n.port)).status !== 'ok') {
          assert.ok(Date.now() < deadline, `node ${n.port} healthy again within 20 s`);
          await sleep(200);
        }
      }
      recoveredAt = Date.now();
      await sleep(2000);
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    const show = (o: Outcome) =>
      `${o.op}: ${o.error ? `${o.error.status} ${o.error.code ?? o.error.name} ${o.error.message}` : 'ok'} in ${o.end - o.start} ms`;
    for (const o of outcomes) {
      if (o.error) {
        assert.ok(o.bytes, `only requests that move bytes may fail: ${show(o)}`);
        assert.equal(o.error.status, 503, show(o));
        assert.equal(o.error.code, 'ServiceUnavailable', show(o));
      }
      assert.ok(o.end - o.start < 15_000, `answered within seconds: ${show(o)}`);
    }
    const during = outcomes.filter((o) => o.start >= cutAt && o.end <= restoreAt);
    const byteOps = during.filter((o) => o.bytes);
    const metaOps = during.filter((o) => !o.bytes);
    assert.ok(byteOps.length >= 3, `byte requests during the outage: ${byteOps.length}`);
    assert.ok(metaOps.length >= 10, `metadata requests during the outage: ${metaOps.length}`);
    for (const o of byteOps) {
      assert.ok(o.error, `no bytes move without the store: ${show(o)}`);
      assert.ok(o.end - o.start < 8000, `refused quickly: ${show(o)}`);
    }
    const kinds = new Set(metaOps.map((o) => o.op));
    for (const op of ['list', 'head', 'put-small']) assert.ok(kinds.has(op), `${op} ran during the outage`);
    const afterRecovery = outcomes.filter((o) => o.start >= recoveredAt);
    assert.ok(afterRecovery.length >= 10);
    for (const o of afterRecovery) assert.equal(o.error, undefined, `served again: ${show(o)}`);

    // Nothing acknowledged was lost; every node reads it.
    for (const [key, body] of model) {
      for (const client of nodes) {
        if (body) assert.equal(md5((await client.get(key)).content as Buffer), md5(body), key);
        else await assert.rejects(client.head(key), (e: OssErr) => e.status === 404);
      }
    }
    // Blobs released while the store was away (deletes, overwrites) were left behind as orphans; collection
    // removes exactly those, and every referenced blob is still there.
    if (typeof stores === 'string') return;
    const before = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
    assert.deepEqual(before.missing, []);
    const { meta, blobs } = cluster.nodes[0].services;
    assert.equal(await collectOrphanBlobs(meta, blobs, { graceMs: 0 }), before.unreferenced.length);
    const afterGc = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
    assert.deepEqual(afterGc.missing, []);
    assert.deepEqual(afterGc.unreferenced, []);
    console.log(
      `# object-store-outage: ${outcomes.length} requests, ${byteOps.length} byte and ${metaOps.length} metadata ` +
        `requests during the outage, ${before.unreferenced.length} orphan(s) collected`,
    );
  });
});
