/**
 * SIGKILL of one node of three under load loses no acknowledged write. The nodes are `ossd serve` child
 * processes on one PostgreSQL database and one S3 bucket; the real ali-oss client, one per node, drives
 * concurrent PUT / overwrite / DELETE / multipart (parts on two nodes, Complete on a third) / append traffic
 * on a small key set, spread over the nodes. Each round a random node is killed mid-traffic and restarted.
 * After each round, on every node: each acknowledged write reads back with its bytes, MD5 ETag and CRC-64;
 * an unacknowledged one is wholly there or wholly absent; listings agree with GETs; every blob the metadata
 * references is in the bucket. At the end, with every node stopped, orphan collection (grace 0) deletes
 * exactly the unreferenced blobs.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { openStorage } from '../../src/backends.js';
import { defaultConfig } from '../../src/config/config.js';
import { crc64 } from '../../src/storage/crc64.js';
import { collectOrphanBlobs } from '../../src/storage/gc.js';
import { S3Client } from '../../src/storage/s3/client.js';
import { type SharedStores, sharedStores } from '../helpers/cluster.js';
import { rgwClient } from '../helpers/rgw.js';
import { blobAccounting, s3Location } from '../helpers/shared-blobs.js';
import { type Spawned, spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'nodeCrashKeyId01';
const SECRET = 'nodeCrashSecret0000000000001';
const BUCKET = 'crash';
const ROUNDS = Number(process.env.OSSD_NODE_KILLS ?? 5);
const KEYS = 12;
const APPEND_KEYS = 4;
const WORKERS = 6;

const stores = await sharedStores();
const skip = typeof stores === 'string' ? stores : undefined;

type State = { kind: 'absent' } | { kind: 'present'; md5: string; size: number; content?: Buffer };
interface KeyModel {
  acked: State;
  /** Unacknowledged writes (cut off by a kill): each may or may not have happened. */
  pending: State[];
}
type Node = Spawned & { port: number; dataDir: string; client: OSS };

const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();
const state = (b: Buffer, keep = false): State => ({
  kind: 'present',
  md5: md5hex(b),
  size: b.length,
  ...(keep ? { content: b } : {}),
});
const same = (a: State, b: State) =>
  a.kind === b.kind && (a.kind === 'absent' || (b.kind === 'present' && a.md5 === b.md5 && a.size === b.size));
const show = (x: State) => (x.kind === 'absent' ? 'absent' : `${x.md5}/${x.size}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startNode(s: SharedStores): Promise<Node> {
  const node = await spawnOssd(
    {
      OSSD_ROOT_ACCESS_KEY_ID: ID,
      OSSD_ROOT_ACCESS_KEY_SECRET: SECRET,
      OSSD_BLOBS_ACCESS_KEY_ID: s.rgw.accessKey,
      OSSD_BLOBS_SECRET_ACCESS_KEY: s.rgw.secretKey,
    },
    [
      '--metadata',
      s.metadata,
      '--blobs',
      s.blobs,
      '--blobs-endpoint',
      s.rgw.endpoint,
      '--console-address',
      'off',
      '--log-level',
      'warn',
    ],
  );
  const client = ossClient({
    endpoint: `http://localhost:${node.port}`,
    sldEnable: true,
    accessKeyId: ID,
    accessKeySecret: SECRET,
    bucket: BUCKET,
    timeout: 20_000,
  });
  return { ...node, client };
}

function exited(node: Node): Promise<void> {
  return new Promise((r) =>
    node.child.exitCode !== null || node.child.signalCode !== null ? r() : node.child.once('exit', () => r()),
  );
}

describe('SIGKILL of one node of three under load', { skip }, () => {
  const nodes: Node[] = [];
  after(async () => {
    for (const n of nodes) await n.stop();
    if (typeof stores !== 'string') await stores.drop();
  });

  it(`keeps every acknowledged write across ${ROUNDS} kills`, { timeout: 110_000 }, async () => {
    if (typeof stores === 'string') return;
    nodes.push(...(await Promise.all([0, 1, 2].map(() => startNode(stores)))));
    await nodes[0].client.putBucket(BUCKET);

    const model = new Map<string, KeyModel>();
    for (let i = 0; i < KEYS; i++) model.set(`k/${i}`, { acked: { kind: 'absent' }, pending: [] });
    for (let i = 0; i < APPEND_KEYS; i++) model.set(`a/${i}`, { acked: { kind: 'absent' }, pending: [] });
    const ackedKinds = new Map<string, number>();
    let unacknowledged = 0;
    let turn = 0;
    // Once killed, a node gets no new requests (a load balancer's health check would take it out); the
    // requests it was serving are the ones cut off.
    let dead: Node | undefined;
    const nextNode = () => {
      const live = nodes.filter((n) => n !== dead);
      return live[turn++ % live.length];
    };

    /** One write on `key`; throws when a node it used was killed. */
    async function write(key: string, m: KeyModel): Promise<{ kind: string; result: State }> {
      const dice = Math.random();
      const client = nextNode().client;
      if (dice < 0.12) {
        m.pending.push({ kind: 'absent' });
        await client.delete(key);
        return { kind: 'delete', result: { kind: 'absent' } };
      }
      if (key.startsWith('a/')) {
        const before = m.acked.kind === 'present' ? (m.acked.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
        const chunk = randomBytes(1 + Math.floor(Math.random() * 90_000));
        const result = state(Buffer.concat([before, chunk]), true);
        m.pending.push(result);
        await client.append(key, chunk, { position: String(before.length) } as OSS.AppendObjectOptions);
        return { kind: 'append', result };
      }
      if (dice < 0.3) {
        // Multipart: initiated on one node, one part on each of the next two, completed on a third.
        const [p1, p2] = [randomBytes(100 * 1024), randomBytes(1 + Math.floor(Math.random() * 80_000))];
        const result = state(Buffer.concat([p1, p2]));
        m.pending.push(result);
        const init = await client.initMultipartUpload(key);
        const r1 = await nextNode().client.uploadPart(key, init.uploadId, 1, p1, 0, p1.length);
        const r2 = await nextNode().client.uploadPart(key, init.uploadId, 2, p2, 0, p2.length);
        await nextNode().client.completeMultipartUpload(key, init.uploadId, [
          { number: 1, etag: r1.etag },
          { number: 2, etag: r2.etag },
        ]);
        return { kind: 'multipart', result };
      }
      const r = Math.random();
      const body = randomBytes(
        r < 0.1 ? 0 : r < 0.55 ? Math.floor(Math.random() * 4096) : 65_537 + Math.floor(Math.random() * 200_000),
      );
      const result = state(body);
      m.pending.push(result);
      await client.put(key, body);
      return { kind: 'put', result };
    }

    for (let round = 0; round < ROUNDS; round++) {
      let stop = false;
      const busy = new Set<string>();
      const worker = async () => {
        for (let n = 0; !stop && n < 500; n++) {
          // Keys with an unacknowledged write wait for the verification that settles them.
          const free = [...model].filter(([k, m]) => !busy.has(k) && m.pending.length === 0).map(([k]) => k);
          if (free.length === 0) {
            await sleep(20);
            continue;
          }
          const key = free[Math.floor(Math.random() * free.length)];
          const m = model.get(key) as KeyModel;
          busy.add(key);
          try {
            const { kind, result } = await write(key, m);
            m.acked = result;
            m.pending = [];
            ackedKinds.set(kind, (ackedKinds.get(kind) ?? 0) + 1);
          } catch (e) {
            if (process.env.OSSD_CRASH_DEBUG) console.error(key, (e as Error).name, (e as Error).message);
            unacknowledged++;
          } finally {
            busy.delete(key);
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      await sleep(400 + Math.random() * 1200);
      const victim = Math.floor(Math.random() * nodes.length);
      const killed = nodes[victim];
      dead = killed;
      killed.child.kill('SIGKILL');
      await exited(killed);
      await killed.stop();
      // The other two keep serving for a moment; then the traffic stops while the victim restarts (its
      // start-up would otherwise compete with the load for this machine's two cores).
      await sleep(500);
      stop = true;
      await Promise.all(workers);
      nodes[victim] = await startNode(stores);
      dead = undefined;
      await verify(nodes, model, stores);
    }

    assert.ok([...ackedKinds.values()].reduce((a, b) => a + b, 0) > ROUNDS * 5, JSON.stringify([...ackedKinds]));
    for (const kind of ['put', 'delete', 'append', 'multipart'])
      assert.ok((ackedKinds.get(kind) ?? 0) > 0, `${kind} traffic ran: ${JSON.stringify([...ackedKinds])}`);
    assert.ok(unacknowledged > 0, 'some writes were cut off by a kill');

    // Every node stopped; orphan collection through a store opened here.
    for (const n of nodes.splice(0)) await n.stop();
    const { bucket, prefix } = s3Location(stores.blobs);
    // An orphan as a node killed between its S3 write and its commit leaves one (kills may or may not have).
    const planted = randomBytes(16).toString('hex');
    const admin = rgwClient(stores.rgw);
    const body = Buffer.from('orphan');
    await (
      await admin.send({
        method: 'PUT',
        bucket,
        key: `${prefix}/${planted.slice(0, 2)}/${planted}`,
        body,
        headers: S3Client.md5Header(body),
      })
    ).body.dump();
    await admin.close();
    const beforeGc = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
    assert.deepEqual(beforeGc.missing, []);
    assert.ok(beforeGc.unreferenced.includes(planted));
    const c = defaultConfig();
    c.metadata = stores.metadata;
    c.blobs = stores.blobs;
    c.blobsEndpoint = stores.rgw.endpoint;
    c.blobsAccessKeyId = stores.rgw.accessKey;
    c.blobsSecretAccessKey = stores.rgw.secretKey;
    const storage = await openStorage(c);
    let removed: number;
    try {
      removed = await collectOrphanBlobs(storage.meta, storage.blobs, { graceMs: 0 });
    } finally {
      await storage.close();
    }
    const afterGc = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
    assert.deepEqual(afterGc.missing, [], 'collection deleted nothing referenced');
    assert.deepEqual(afterGc.unreferenced, [], 'collection left nothing unreferenced');
    assert.equal(removed, beforeGc.unreferenced.length);
    assert.equal(afterGc.referenced, beforeGc.referenced);
    console.log(
      `# node-crash: ${JSON.stringify(Object.fromEntries(ackedKinds))} acknowledged, ${unacknowledged} cut off, ` +
        `${beforeGc.unreferenced.length - 1} orphan blob(s) left by kills, ${afterGc.referenced} referenced`,
    );
  });
});

/** Checks every key on every node and the blob accounting; settles each key's state to what was found. */
async function verify(nodes: Node[], model: Map<string, KeyModel>, stores: SharedStores): Promise<void> {
  const found = new Map<string, State>();
  for (const [i, node] of nodes.entries()) {
    const client = node.client;
    const listed = new Map<string, number>();
    let marker: string | undefined;
    for (;;) {
      const page = await client.list({ 'max-keys': 1000, marker, prefix: '' }, {});
      for (const o of page.objects ?? []) listed.set(o.name, o.size);
      if (!page.isTruncated) break;
      marker = page.nextMarker;
    }
    for (const [key, m] of model) {
      const allowed = [m.acked, ...m.pending];
      let actual: State;
      try {
        const r = await client.get(key);
        const body = r.content as Buffer;
        const h = r.res.headers as Record<string, string>;
        if (h['x-oss-object-type'] === 'Normal') assert.equal(h.etag, `"${md5hex(body)}"`, `${key}: MD5 ETag`);
        if (h['x-oss-object-type'] === 'Multipart') assert.match(h.etag, /^"[0-9A-F]{32}-2"$/, `${key}: ETag`);
        assert.equal(h['x-oss-hash-crc64ecma'], crc64(body), `${key}: CRC-64 matches the bytes`);
        actual = state(body, key.startsWith('a/'));
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        if ((e as { status?: number }).status !== 404) throw e;
        actual = { kind: 'absent' };
      }
      assert.ok(
        allowed.some((x) => same(x, actual)),
        `${key} on node ${i}: found ${show(actual)}, allowed ${allowed.map(show).join(' or ')}`,
      );
      const first = found.get(key);
      if (first) assert.ok(same(first, actual), `${key}: every node reads the same state`);
      else found.set(key, actual);
      assert.equal(listed.has(key), actual.kind === 'present', `${key} on node ${i}: listing agrees with GET`);
      if (actual.kind === 'present') assert.equal(listed.get(key), actual.size);
    }
    assert.equal(listed.size, [...found.values()].filter((s) => s.kind === 'present').length, 'no extra keys');
  }
  for (const [key, m] of model) {
    m.acked = found.get(key) as State;
    m.pending = [];
  }
  const acct = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
  assert.deepEqual(acct.missing, [], 'every blob the metadata references is in the bucket');
}
