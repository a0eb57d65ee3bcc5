import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type OSS from 'ali-oss';
import {
  createMemorySeenIdStore,
  createVerifier,
  isOssCallbackVerificationError,
} from '../../packages/verify/src/index.js';
import type { DeliveryRecord } from '../../src/callback/delivery-store.js';
import type { NotificationRule } from '../../src/callback/notification-rules.js';
import { admin, eventually } from '../helpers/admin-api.js';
import { putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, type ReceivedRequest, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { REPO } from '../helpers/spawn-ossd.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields } from '../post-object/post-helpers.js';

interface OssEventMessage {
  events: {
    eventName: string;
    eventSource: string;
    eventTime: string;
    eventVersion: string;
    oss: {
      bucket: { name: string; arn: string; ownerIdentity: string };
      object: { key: string; size: number; eTag?: string; deltaSize: number };
      ossSchemaVersion: string;
      ruleId: string;
    };
    region: string;
    requestParameters: { sourceIPAddress: string };
    responseElements: { requestId: string };
    userIdentity: { principalId: string };
  }[];
}

const message = (r: ReceivedRequest) => JSON.parse(r.body.toString()) as OssEventMessage;
const names = (rs: ReceivedRequest[]) =>
  rs.map((r) => `${message(r).events[0].eventName} ${message(r).events[0].oss.object.key}`);
const md5 = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('event notifications (ossd extension), end to end with ali-oss and real application servers', () => {
  let server: TestServer;
  let client: OSS;
  let images: CallbackReceiver;
  let removals: CallbackReceiver;
  let imageRule: NotificationRule;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.signatureV2 = true;
      c.callback.queuePollMs = 100;
      c.callback.timeoutMs = 1000;
    });
    client = await withBucket(server, 'notifybucket');
    images = await startCallbackReceiver({ kind: 'status', status: 204 });
    removals = await startCallbackReceiver({ kind: 'status', status: 200, body: 'ok' });
  });
  after(async () => {
    await images.close();
    await removals.close();
    await server.stop();
  });

  it('adds, lists and validates rules through the admin API', async () => {
    const added = await admin<NotificationRule>(server.endpoint, 'POST', '/notifications/notifybucket', {
      events: ['ObjectCreated:*'],
      prefix: 'images/',
      suffix: '.jpg',
      targets: [`${images.url}/hook?src=ossd`],
    });
    assert.equal(added.status, 200);
    imageRule = added.body;
    assert.match(imageRule.id, /^[0-9a-f]{12}$/);
    const removed = await admin<NotificationRule>(server.endpoint, 'POST', '/notifications/notifybucket', {
      events: ['ObjectRemoved:DeleteObject', 'ObjectRemoved:DeleteObjects'],
      targets: [`${removals.url}/gone`],
    });
    assert.equal(removed.status, 200);
    const list = await admin<{ rules: NotificationRule[] }>(server.endpoint, 'GET', '/notifications/notifybucket');
    assert.deepEqual(
      list.body.rules.map((r) => r.id),
      [imageRule.id, removed.body.id],
    );
    for (const bad of [
      { events: ['ObjectCreated:Nope'], targets: [images.url] },
      { targets: [] },
      { targets: ['ftp://example.com/'] },
    ]) {
      assert.equal((await admin(server.endpoint, 'POST', '/notifications/notifybucket', bad)).status, 400);
    }
    assert.equal((await admin(server.endpoint, 'GET', '/notifications/nosuchbucket')).status, 404);
    // Another account's key sees neither the rules nor the policy of this bucket, and cannot add any.
    await server.services.meta.ensureAccount('otheraccount', 'other');
    const other = { id: 'otherKeyId000001', secret: 'otherSecret0000000000000001' };
    await server.services.meta.putAccessKey({ ...other, accountId: 'otheraccount', createdAt: Date.now() });
    const asOther = (method: string, path: string, body?: unknown) => admin(server.endpoint, method, path, body, other);
    assert.equal((await asOther('GET', '/notifications/notifybucket')).status, 404);
    assert.equal((await asOther('POST', '/notifications/notifybucket', { targets: [images.url] })).status, 404);
    assert.equal((await asOther('PUT', '/callbacks/policy/notifybucket', { retries: 1 })).status, 404);
  });

  it('POSTs an OSS-format message for each matching write, filtered by event, prefix and suffix', async () => {
    const before = images.requests.length;
    await client.put('images/a.jpg', Buffer.from('jpeg bytes'));
    await client.put('images/b.png', Buffer.from('png')); // suffix does not match
    await client.put('docs/c.jpg', Buffer.from('doc')); // prefix does not match
    await client.copy('images/copy.jpg', 'images/a.jpg');
    const mp = await client.initMultipartUpload('images/multi.jpg');
    const part = await client.uploadPart('images/multi.jpg', mp.uploadId, 1, Buffer.from('multi'), 0, 5);
    await client.completeMultipartUpload('images/multi.jpg', mp.uploadId, [{ number: 1, etag: part.etag }]);
    await client.append('images/log.jpg', Buffer.from('abc'));
    await client.delete('images/a.jpg'); // a removal: not this rule's event
    const got = await images.waitForRequests(before + 4, 10_000);
    await sleep(400);
    const mine = images.requests.slice(before);
    assert.deepEqual(names(mine).sort(), [
      'ObjectCreated:AppendObject images/log.jpg',
      'ObjectCreated:CompleteMultipartUpload images/multi.jpg',
      'ObjectCreated:CopyObject images/copy.jpg',
      'ObjectCreated:PutObject images/a.jpg',
    ]);
    const put = got.slice(before).find((r) => message(r).events[0].eventName === 'ObjectCreated:PutObject')!;
    assert.equal(put.method, 'POST');
    assert.equal(put.url, '/hook?src=ossd');
    assert.equal(put.headers['content-type'], 'application/json');
    const e = message(put).events[0];
    assert.equal(e.eventSource, 'acs:oss');
    assert.equal(e.eventVersion, '1.0');
    assert.ok(Math.abs(Date.parse(e.eventTime) - Date.now()) < 60_000);
    assert.equal(e.region, 'cn-hangzhou');
    assert.equal(e.oss.bucket.name, 'notifybucket');
    assert.match(e.oss.bucket.arn, /^acs:oss:cn-hangzhou:[^:]+:notifybucket$/);
    assert.deepEqual(e.oss.object, { key: 'images/a.jpg', size: 10, eTag: md5('jpeg bytes'), deltaSize: 10 });
    assert.equal(e.oss.ruleId, imageRule.id);
    assert.match(e.responseElements.requestId, /^[0-9A-F]{24}$/);
    assert.equal(e.requestParameters.sourceIPAddress, '127.0.0.1');
    assert.ok(e.userIdentity.principalId);
    assert.match(String(put.headers['x-ossd-delivery-id']), /^[0-9a-f]{16}$/);
    assert.equal(put.headers['x-ossd-attempt'], '1');
  });

  it('notifies a browser form upload as ObjectCreated:PostObject', async () => {
    const before = images.requests.length;
    const fd = buildForm(
      [['key', 'images/form.jpg'], ['success_action_status', '201'], ...v1Fields(client, policyOf([]))],
      { data: Buffer.from('form bytes'), type: 'image/jpeg' },
    );
    const r = await postForm(server.port, fd, { path: '/notifybucket/' });
    assert.equal(r.status, 201, r.text);
    await images.waitForRequests(before + 1, 10_000);
    const e = message(images.requests[before]).events[0];
    assert.equal(e.eventName, 'ObjectCreated:PostObject');
    assert.deepEqual(e.oss.object, { key: 'images/form.jpg', size: 10, eTag: md5('form bytes'), deltaSize: 10 });
  });

  it('signs notifications like callbacks (OSS authorization and ossd v2), verified by @ossd/verify', async () => {
    const req = images.requests.find((r) => message(r).events[0].eventName === 'ObjectCreated:PutObject')!;
    const seenIds = createMemorySeenIdStore();
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`], seenIds });
    const request = { method: 'POST', url: req.url, headers: req.headers as Record<string, string>, body: req.body };
    const payload = await verifier.verify(request);
    assert.equal(payload.signatureV2, true);
    assert.equal(payload.deliveryId, req.headers['x-ossd-delivery-id']);
    assert.equal(payload.attempt, 1);
    assert.equal(payload.timestamp, Number(req.headers['x-ossd-timestamp']));
    assert.equal((payload.variables as unknown as OssEventMessage).events[0].oss.object.key, 'images/a.jpg');
    // A replay of the same request is refused by the seen-id store…
    await assert.rejects(
      verifier.verify(request),
      (err: unknown) => isOssCallbackVerificationError(err) && err.code === 'REPLAYED',
    );
    // …a stale one by the tolerance…
    const strict = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`], timestampToleranceMs: 1 });
    await sleep(20);
    await assert.rejects(
      strict.verify(request),
      (err: unknown) => isOssCallbackVerificationError(err) && err.code === 'STALE_TIMESTAMP',
    );
    // …and a moved timestamp or delivery id breaks the v2 signature while the OSS one still holds.
    const plain = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`] });
    for (const [name, value] of [
      ['x-ossd-timestamp', String(Date.now())],
      ['x-ossd-delivery-id', '0123456789abcdef'],
    ]) {
      await assert.rejects(
        plain.verify({ ...request, headers: { ...request.headers, [name]: value } }),
        (err: unknown) => isOssCallbackVerificationError(err) && err.code === 'BAD_SIGNATURE_V2',
      );
    }
    // Without the v2 headers the OSS signature alone verifies (unless v2 is required).
    const stripped = Object.fromEntries(
      Object.entries(request.headers).filter(([k]) => k !== 'x-ossd-signature' && k !== 'x-ossd-timestamp'),
    );
    assert.equal((await plain.verify({ ...request, headers: stripped })).signatureV2, false);
    const required = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`], requireSignatureV2: true });
    await assert.rejects(
      required.verify({ ...request, headers: stripped }),
      (err: unknown) => isOssCallbackVerificationError(err) && err.code === 'BAD_SIGNATURE_V2',
    );
  });

  it('upload callbacks carry the v2 signature too, verified with a seen-id store', async () => {
    const app = await startCallbackReceiver({ kind: 'json' });
    try {
      await putWithCallback(client, 'cb.txt', Buffer.from('x'), { url: `${app.url}/cb`, body: 'o=${object}' });
      const [cb] = app.requests;
      const verifier = createVerifier({
        trustedKeyUrlPrefixes: [`${server.endpoint}/`],
        seenIds: createMemorySeenIdStore(),
      });
      const request = { method: 'POST', url: cb.url, headers: cb.headers as Record<string, string>, body: cb.body };
      const p = await verifier.verify(request);
      assert.equal(p.signatureV2, true);
      assert.equal(p.body, 'o=cb.txt');
      await assert.rejects(
        verifier.verify(request),
        (err: unknown) => isOssCallbackVerificationError(err) && err.code === 'REPLAYED',
      );
    } finally {
      await app.close();
    }
  });

  it('notifies DeleteObject and DeleteObjects for keys that existed', async () => {
    const before = removals.requests.length;
    await client.put('r1.txt', Buffer.from('1'));
    await client.put('r2.txt', Buffer.from('2'));
    await client.delete('r1.txt');
    await client.delete('never-was.txt');
    await client.deleteMulti(['r2.txt', 'also-never.txt']);
    await removals.waitForRequests(before + 2, 10_000);
    await sleep(400);
    assert.deepEqual(names(removals.requests.slice(before)).sort(), [
      'ObjectRemoved:DeleteObject r1.txt',
      'ObjectRemoved:DeleteObjects r2.txt',
    ]);
    // The earlier test's delete of images/a.jpg reached this rule's target, not the images rule's.
    assert.ok(names(removals.requests).includes('ObjectRemoved:DeleteObject images/a.jpg'));
    const d = message(removals.requests.find((r) => message(r).events[0].oss.object.key === 'r1.txt')!).events[0];
    assert.equal(d.oss.object.size, 0);
    assert.equal(d.oss.object.eTag, undefined);
  });

  it('keeps per-key order and retries while a target is down, then shows notifications in the delivery log', async () => {
    await admin(server.endpoint, 'PUT', '/callbacks/policy/notifybucket', {
      retries: 10,
      baseDelayMs: 100,
      maxDelayMs: 200,
    });
    images.setBehaviour({ kind: 'status', status: 503 });
    const before = images.requests.length;
    for (let i = 0; i < 3; i++) await client.put('images/order.jpg', Buffer.from(`v${i}`));
    await images.waitForRequests(before + 2, 10_000);
    images.setBehaviour({ kind: 'status', status: 200 });
    const ok = await eventually(
      async () => {
        const r = await admin<{ deliveries: DeliveryRecord[] }>(
          server.endpoint,
          'GET',
          '/callbacks?bucket=notifybucket&key=images%2Forder.jpg&kind=notification',
        );
        return r.body.deliveries.length === 3 && r.body.deliveries.every((d) => d.state === 'done')
          ? r.body.deliveries
          : undefined;
      },
      15_000,
      'the three notifications',
    );
    assert.ok(ok.every((d) => d.ok && d.kind === 'notification'));
    // Successful receptions arrive in write order, and no later version is sent before an earlier one succeeded.
    const received = images.requests
      .slice(before)
      .filter((r) => message(r).events[0].oss.object.key === 'images/order.jpg');
    const etags = received.map((r) => message(r).events[0].oss.object.eTag);
    const order = [md5('v0'), md5('v1'), md5('v2')];
    const firstSeen = order.map((t) => etags.indexOf(t));
    assert.ok(firstSeen.every((i) => i >= 0));
    assert.deepEqual(
      [...firstSeen].sort((a, b) => a - b),
      firstSeen,
    );
    assert.ok(Number(received.at(-1)?.headers['x-ossd-attempt']) >= 1);
    const callbacks = await admin<{ deliveries: DeliveryRecord[] }>(
      server.endpoint,
      'GET',
      '/callbacks?bucket=notifybucket&kind=callback',
    );
    assert.ok(callbacks.body.deliveries.every((d) => d.kind === 'callback'));
  });

  it('sends a sample event with the test endpoint and removes a rule', async () => {
    const before = images.requests.length;
    const t = await admin<{ results: { ok: boolean; deliveryId: string }[] }>(
      server.endpoint,
      'POST',
      `/notifications/notifybucket/${imageRule.id}/test`,
    );
    assert.equal(t.status, 200);
    assert.equal(t.body.results[0].ok, true);
    assert.equal(images.requests.length, before + 1);
    assert.equal(message(images.requests[before]).events[0].oss.object.key, 'ossd-notification-test');
    assert.equal((await admin(server.endpoint, 'DELETE', `/notifications/notifybucket/${imageRule.id}`)).status, 200);
    await sleep(2100); // other nodes of a cluster re-read the rules within 2 s
    await client.put('images/after-removal.jpg', Buffer.from('z'));
    await sleep(500);
    assert.equal(images.requests.length, before + 1);
  });
});

describe('ossd notifications and ossd callbacks policy (CLI)', { skip: ONE_NODE_ONLY }, () => {
  it('adds, lists, tests and removes a rule and sets a policy on the data directory', async () => {
    const server = await startTestServer();
    const app = await startCallbackReceiver({ kind: 'status', status: 200 });
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data', server.dataDir], {
        cwd: REPO,
        env: { ...process.env, OSSD_CONSOLE_ADDRESS: 'off' },
        timeout: 60_000,
      });
    try {
      await withBucket(server, 'clibucket');
      const add = await run([
        'notifications',
        'add',
        'clibucket',
        '--target',
        `${app.url}/n`,
        '--events',
        'ObjectCreated:PutObject',
        '--suffix',
        '.txt',
      ]);
      const id = /added rule ([0-9a-f]{12})/.exec(add.stdout)?.[1];
      assert.ok(id, add.stdout);
      assert.match(
        (await run(['notifications', 'list', 'clibucket'])).stdout,
        new RegExp(`${id}  ObjectCreated:PutObject  suffix ".txt"`),
      );
      const test = await run(['notifications', 'test', 'clibucket', id]);
      assert.match(test.stdout, /ok {2}200/);
      assert.equal(app.requests.length, 1);
      // The running server picks the rule up (its rule cache lasts 2 s).
      await sleep(2100);
      await server.client({ bucket: 'clibucket' }).put('x.txt', Buffer.from('x'));
      await app.waitForRequests(2, 10_000);
      const policy = await run(['callbacks', 'policy', 'clibucket', '--retries', '3', '--base-delay', '500']);
      assert.match(policy.stdout, /retried up to 3 times, backoff 500 ms/);
      assert.match((await run(['callbacks', 'policy', 'clibucket', '--off'])).stdout, /not retried/);
      assert.match((await run(['notifications', 'remove', 'clibucket', id])).stdout, /removed rule/);
      assert.match((await run(['callbacks', 'list', '--notifications'])).stdout, /notify/);
    } finally {
      await app.close();
      await server.stop();
    }
  });
});
