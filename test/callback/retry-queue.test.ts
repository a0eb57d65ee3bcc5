import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import type { DeliveryRecord } from '../../src/callback/delivery-store.js';
import { defaultConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { admin, eventually } from '../helpers/admin-api.js';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import {
  ONE_NODE_ONLY,
  ROOT_ID,
  ROOT_SECRET,
  startTestServer,
  type TestServer,
  withBucket,
} from '../helpers/start-server.js';

async function expect203(p: Promise<unknown>): Promise<OssErrorLike> {
  const err = (await p.then(
    () => assert.fail('expected 203 CallbackFailed'),
    (e: OssErrorLike) => e,
  )) as OssErrorLike;
  assert.equal(err.status, 203);
  return err;
}

async function deliveriesOf(endpoint: string, bucket: string, key: string): Promise<DeliveryRecord[]> {
  const r = await admin<{ deliveries: DeliveryRecord[] }>(
    endpoint,
    'GET',
    `/callbacks?bucket=${bucket}&key=${encodeURIComponent(key)}`,
  );
  return r.body.deliveries;
}

describe('callback retries (ossd extension), end to end with ali-oss and a real application server', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.timeoutMs = 1000;
      c.callback.queuePollMs = 100;
    });
    client = await withBucket(server, 'retrybucket');
    await withBucket(server, 'onceonly');
    app = await startCallbackReceiver();
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('sets, shows and removes a bucket retry policy through the admin API, validating it', async () => {
    const put = await admin(server.endpoint, 'PUT', '/callbacks/policy/retrybucket', {
      retries: 4,
      baseDelayMs: 150,
      maxDelayMs: 300,
    });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.policy, { retries: 4, baseDelayMs: 150, maxDelayMs: 300 });
    assert.deepEqual((await admin(server.endpoint, 'GET', '/callbacks/policy/retrybucket')).body.policy, {
      retries: 4,
      baseDelayMs: 150,
      maxDelayMs: 300,
    });
    const bad = await admin(server.endpoint, 'PUT', '/callbacks/policy/retrybucket', {
      retries: 3,
      baseDelayMs: 500,
      maxDelayMs: 100,
    });
    assert.equal(bad.status, 400);
    assert.equal((await admin(server.endpoint, 'GET', '/callbacks/policy/nosuchbucket')).status, 404);
  });

  it('without a policy a failed callback is not retried (OSS behaviour) but carries the delivery headers', async () => {
    app.setBehaviour({ kind: 'status', status: 500 });
    const once = server.client({ bucket: 'onceonly' });
    const before = app.requests.length;
    await expect203(putWithCallback(once, 'once.txt', Buffer.from('x'), { url: `${app.url}/cb`, body: 'o=${object}' }));
    await new Promise((r) => setTimeout(r, 600));
    const got = app.requests.slice(before);
    assert.equal(got.length, 1);
    assert.match(String(got[0].headers['x-ossd-delivery-id']), /^[0-9a-f]{16}$/);
    assert.equal(got[0].headers['x-ossd-attempt'], '1');
    assert.equal(got[0].headers['x-ossd-signature'], undefined);
    const [d] = await deliveriesOf(server.endpoint, 'onceonly', 'once.txt');
    assert.equal(d.id, got[0].headers['x-ossd-delivery-id']);
    assert.equal(d.state, 'done');
    assert.equal(d.ok, false);
  });

  it('retries a failed upload callback with backoff after the 203, until the application answers', async () => {
    app.setBehaviour({ kind: 'status', status: 503 });
    const before = app.requests.length;
    const err = await expect203(
      putWithCallback(client, 'retry.txt', Buffer.from('kept'), { url: `${app.url}/cb?x=1`, body: 'o=${object}' }),
    );
    assert.equal(err.code, 'CallbackFailed');
    // The object is kept, as OSS does.
    assert.equal((await client.get('retry.txt')).content.toString(), 'kept');
    const first = await eventually(async () => {
      const [d] = await deliveriesOf(server.endpoint, 'retrybucket', 'retry.txt');
      return d?.state === 'pending' ? d : undefined;
    });
    assert.equal(first.ok, false);
    assert.ok((first.nextAttemptAt ?? 0) > first.createdAt);
    await app.waitForRequests(before + 2, 10_000);
    app.setBehaviour({ kind: 'json', body: { ok: true } });
    const done = await eventually(
      async () => {
        const [d] = await deliveriesOf(server.endpoint, 'retrybucket', 'retry.txt');
        return d?.state === 'done' ? d : undefined;
      },
      15_000,
      'the retry to succeed',
    );
    assert.equal(done.ok, true);
    const got = app.requests.slice(before);
    const attempts = got.map((r) => Number(r.headers['x-ossd-attempt']));
    assert.deepEqual(
      attempts,
      attempts.map((_, i) => i + 1),
    );
    assert.equal(done.attempt, got.length);
    assert.ok(got.length >= 3 && got.length <= 5);
    assert.ok(got.every((r) => r.headers['x-ossd-delivery-id'] === done.id));
    // Backoff: each wait at least the policy's delay for that attempt.
    for (let i = 1; i < got.length; i++) {
      const waited = got[i].receivedAt - got[i - 1].receivedAt;
      assert.ok(waited >= Math.min(300, 150 * 2 ** (i - 1)) - 20, `attempt ${i + 1} after ${waited} ms`);
    }
    assert.equal(done.attempts.length, got.length);
    // Each retry is signed anew over the same body (the OSS signature still verifies).
    assert.ok(got.every((r) => r.body.toString() === 'o=retry.txt'));
    if (!ONE_NODE_ONLY) {
      // One node's metrics (on a cluster the retries are spread over the nodes).
      const metrics = await (await fetch(`${server.endpoint}/-/metrics`)).text();
      assert.match(metrics, /ossd_delivery_queue_attempts_total\{kind="callback",outcome="ok"\} 1/);
      assert.match(metrics, /ossd_delivery_queue_attempts_total\{kind="callback",outcome="retry"\} [1-9]/);
    }
  });

  it('stops after the policy retries, leaving the delivery failed and done', async () => {
    await admin(server.endpoint, 'PUT', '/callbacks/policy/retrybucket', {
      retries: 2,
      baseDelayMs: 50,
      maxDelayMs: 50,
    });
    app.setBehaviour({ kind: 'status', status: 500 });
    const before = app.requests.length;
    await expect203(
      putWithCallback(client, 'gives-up.txt', Buffer.from('g'), { url: `${app.url}/cb`, body: 'o=${object}' }),
    );
    const d = await eventually(async () => {
      const [r] = await deliveriesOf(server.endpoint, 'retrybucket', 'gives-up.txt');
      return r?.state === 'done' ? r : undefined;
    });
    assert.equal(d.ok, false);
    assert.equal(d.attempt, 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(app.requests.length - before, 3);
  });
});

describe('callback retries survive an ossd restart on the same data directory', { skip: ONE_NODE_ONLY }, () => {
  it('delivers a queued retry after the server is stopped and started again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossd-retry-restart-'));
    const app = await startCallbackReceiver({ kind: 'status', status: 503 });
    const config = () => {
      const c = defaultConfig();
      c.address = '127.0.0.1:0';
      c.data = dataDir;
      c.consoleAddress = 'off';
      c.rootAccessKeyId = ROOT_ID;
      c.rootAccessKeySecret = ROOT_SECRET;
      c.logLevel = 'silent';
      c.callback.queuePollMs = 100;
      return c;
    };
    const clientOf = (s: RunningServer) =>
      new OSS({
        endpoint: `http://localhost:${s.port}`,
        sldEnable: true,
        accessKeyId: ROOT_ID,
        accessKeySecret: ROOT_SECRET,
        bucket: 'restartbucket',
      } as OSS.Options);
    let first: RunningServer | undefined = await startServer(config(), { logger: createLogger('silent') });
    let second: RunningServer | undefined;
    try {
      await clientOf(first).putBucket('restartbucket');
      await admin(first.endpoint, 'PUT', '/callbacks/policy/restartbucket', {
        retries: 3,
        baseDelayMs: 1500,
        maxDelayMs: 1500,
      });
      await expect203(
        putWithCallback(clientOf(first), 'survives.txt', Buffer.from('s'), {
          url: `${app.url}/cb`,
          body: 'o=${object}',
        }),
      );
      await first.close(); // before the retry is due
      first = undefined;
      assert.equal(app.requests.length, 1);
      app.setBehaviour({ kind: 'json' });
      second = await startServer(config(), { logger: createLogger('silent') });
      const got = await app.waitForRequests(2, 10_000);
      assert.equal(got[1].headers['x-ossd-attempt'], '2');
      assert.equal(got[1].headers['x-ossd-delivery-id'], got[0].headers['x-ossd-delivery-id']);
      const server2 = second;
      const d = await eventually(async () => {
        const [r] = await deliveriesOf(server2.endpoint, 'restartbucket', 'survives.txt');
        return r?.state === 'done' ? r : undefined;
      });
      assert.equal(d.ok, true);
      assert.equal(d.attempt, 2);
    } finally {
      await first?.close();
      await second?.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
