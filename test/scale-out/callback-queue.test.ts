/**
 * The callback retry queue on 2 nodes sharing one PostgreSQL database and one S3 bucket: failed upload
 * callbacks and event notifications queued by either node are retried by whichever node claims them,
 * and every attempt of every delivery reaches the application exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import type { DeliveryRecord } from '../../src/callback/delivery-store.js';
import { admin, eventually } from '../helpers/admin-api.js';
import { putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, type ReceivedRequest, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { type Cluster, sharedStores, startCluster } from '../helpers/cluster.js';
import { type Spawned, spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'queueKeyId0001';
const SECRET = 'queueSecret0000000000000001';
const BUCKET = 'queued';
const N = 20;

const stores = await sharedStores();
const skip = typeof stores === 'string' ? stores : undefined;

function attemptsById(requests: ReceivedRequest[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const r of requests) {
    const id = String(r.headers['x-ossd-delivery-id']);
    by.set(id, [...(by.get(id) ?? []), String(r.headers['x-ossd-attempt'])]);
  }
  return by;
}

describe('callback retries and notifications claimed exactly once on 2 nodes', { skip }, () => {
  let cluster: Cluster;
  let nodes: OSS[];
  let app: CallbackReceiver;
  let hook: CallbackReceiver;
  const endpoint = (i: number) => `http://127.0.0.1:${cluster.nodes[i].port}`;
  const creds = { id: ID, secret: SECRET };

  before(async () => {
    if (typeof stores === 'string') return;
    cluster = await startCluster(stores, 2, (c) => {
      c.rootAccessKeyId = ID;
      c.rootAccessKeySecret = SECRET;
      c.callback.queuePollMs = 50; // both nodes poll often: they race for every due delivery
      c.callback.timeoutMs = 2000;
    });
    nodes = cluster.nodes.map((n) =>
      ossClient({
        endpoint: `http://localhost:${n.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: BUCKET,
      }),
    );
    await nodes[0].putBucket(BUCKET);
    app = await startCallbackReceiver({ kind: 'status', status: 503 });
    hook = await startCallbackReceiver({ kind: 'status', status: 503 });
  });
  after(async () => {
    await app?.close();
    await hook?.close();
    await cluster?.close();
  });

  it('retries every failed callback and notification once per attempt, whichever node queued it', async () => {
    const policy = await admin(
      endpoint(0),
      'PUT',
      `/callbacks/policy/${BUCKET}`,
      {
        retries: 8,
        baseDelayMs: 100,
        maxDelayMs: 300,
      },
      creds,
    );
    assert.equal(policy.status, 200);
    assert.equal(
      (
        await admin(
          endpoint(1),
          'POST',
          `/notifications/${BUCKET}`,
          { events: ['ObjectCreated:*'], targets: [`${hook.url}/n`] },
          creds,
        )
      ).status,
      200,
    );
    await new Promise((r) => setTimeout(r, 2100)); // node 0's cached (empty) rules expire
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        putWithCallback(nodes[i % 2], `obj-${i}.txt`, Buffer.from(`v${i}`), {
          url: `${app.url}/cb`,
          body: 'o=${object}',
        }).then(
          () => assert.fail('expected 203'),
          (e: { status: number }) => assert.equal(e.status, 203),
        ),
      ),
    );
    await app.waitForRequests(N * 2, 20_000); // every first try and at least some retries failed
    await hook.waitForRequests(N * 2, 20_000);
    app.setBehaviour({ kind: 'json' });
    hook.setBehaviour({ kind: 'status', status: 200 });
    await eventually(
      async () => {
        const r = await admin<{ deliveries: DeliveryRecord[] }>(
          endpoint(1),
          'GET',
          `/callbacks?bucket=${BUCKET}&state=pending`,
          undefined,
          creds,
        );
        return r.body.deliveries.length === 0 ? true : undefined;
      },
      30_000,
      'the queue to drain',
    );
    await new Promise((r) => setTimeout(r, 300));
    for (const [receiver, what] of [
      [app, 'callback'],
      [hook, 'notification'],
    ] as const) {
      const by = attemptsById(receiver.requests);
      assert.equal(by.size, N, `${what}s: one delivery id per object`);
      for (const [id, attempts] of by) {
        // Each attempt number exactly once, in order: no attempt was claimed by both nodes.
        assert.deepEqual(
          attempts,
          attempts.map((_, i) => String(i + 1)),
          `${what} ${id}: ${attempts.join(',')}`,
        );
      }
    }
    const log = await admin<{ deliveries: DeliveryRecord[] }>(
      endpoint(0),
      'GET',
      `/callbacks?bucket=${BUCKET}&limit=100`,
      undefined,
      creds,
    );
    assert.equal(log.body.deliveries.length, N * 2);
    assert.ok(log.body.deliveries.every((d) => d.state === 'done' && d.ok));
    assert.equal(log.body.deliveries.filter((d) => d.kind === 'notification').length, N);
  });
});

const processStores = await sharedStores();

describe('callback retries claimed exactly once by 2 ossd processes', {
  skip: typeof processStores === 'string' ? processStores : undefined,
}, () => {
  it('two `ossd serve` processes on one PostgreSQL + S3 store make every attempt once', async () => {
    if (typeof processStores === 'string') return;
    const s = processStores;
    const procs: (Spawned & { port: number })[] = [];
    const app = await startCallbackReceiver({ kind: 'status', status: 503 });
    try {
      for (let i = 0; i < 2; i++) {
        procs.push(
          await spawnOssd(
            {
              OSSD_ROOT_ACCESS_KEY_ID: ID,
              OSSD_ROOT_ACCESS_KEY_SECRET: SECRET,
              OSSD_BLOBS_ACCESS_KEY_ID: s.rgw.accessKey,
              OSSD_BLOBS_SECRET_ACCESS_KEY: s.rgw.secretKey,
            },
            [
              ...['--metadata', s.metadata, '--blobs', s.blobs, '--blobs-endpoint', s.rgw.endpoint],
              ...['--console-address', 'off', '--log-level', 'warn', '--callback-queue-poll-ms', '50'],
            ],
          ),
        );
      }
      const clients = procs.map((p) =>
        ossClient({
          endpoint: `http://localhost:${p.port}`,
          sldEnable: true,
          accessKeyId: ID,
          accessKeySecret: SECRET,
          bucket: BUCKET,
          timeout: 20_000,
        }),
      );
      await clients[0].putBucket(BUCKET);
      const ep = (i: number) => `http://127.0.0.1:${procs[i].port}`;
      await admin(
        ep(1),
        'PUT',
        `/callbacks/policy/${BUCKET}`,
        { retries: 8, baseDelayMs: 100, maxDelayMs: 300 },
        creds(),
      );
      const n = 10;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          putWithCallback(clients[i % 2], `p-${i}.txt`, Buffer.from(`p${i}`), {
            url: `${app.url}/cb`,
            body: 'o=${object}',
          }).then(
            () => assert.fail('expected 203'),
            (e: { status: number }) => assert.equal(e.status, 203),
          ),
        ),
      );
      await app.waitForRequests(n * 2, 20_000);
      app.setBehaviour({ kind: 'json' });
      await eventually(
        async () => {
          const r = await admin<{ deliveries: DeliveryRecord[] }>(
            ep(0),
            'GET',
            `/callbacks?bucket=${BUCKET}&state=pending`,
            undefined,
            creds(),
          );
          return r.body.deliveries.length === 0 ? true : undefined;
        },
        30_000,
        'the queue to drain',
      );
      await new Promise((r) => setTimeout(r, 300));
      const by = attemptsById(app.requests);
      assert.equal(by.size, n);
      for (const [id, attempts] of by) {
        assert.deepEqual(
          attempts,
          attempts.map((_, i) => String(i + 1)),
          `${id}: ${attempts.join(',')}`,
        );
      }
    } finally {
      await app.close();
      for (const p of procs) await p.stop();
      await s.drop();
    }
  });
});

function creds() {
  return { id: ID, secret: SECRET };
}
