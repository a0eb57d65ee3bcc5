/**
 * Lifecycle expirations emit `ObjectRemoved:Expire` event notifications: from the server's periodic
 * worker, from the exported run function with the server's hook, and from `ossd lifecycle run` as a
 * child process (which only queues them; the running server's queue worker delivers). Real ossd, ali-oss,
 * and a real HTTP receiver.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { lifecycleExpiryHook } from '../../src/api/object/notify.js';
import { applyLifecycle } from '../../src/storage/lifecycle.js';
import { DAY_MS } from '../../src/storage/lifecycle-rules.js';
import { admin } from '../helpers/admin-api.js';
import { type CallbackReceiver, type ReceivedRequest, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { REPO } from '../helpers/spawn-ossd.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

interface ExpireMessage {
  events: {
    eventName: string;
    eventSource: string;
    oss: {
      bucket: { name: string; arn: string; ownerIdentity: string };
      object: { key: string; size: number; deltaSize: number; versionId?: string };
      ruleId: string;
    };
    region: string;
    requestParameters: { sourceIPAddress: string };
    userIdentity: { principalId: string };
  }[];
}

const event = (r: ReceivedRequest) => (JSON.parse(r.body.toString()) as ExpireMessage).events[0];
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
const midnight = (days: number) => iso((Math.floor(Date.now() / DAY_MS) + days) * DAY_MS);
const xml = (rules: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration>${rules}</LifecycleConfiguration>`;

async function putLifecycle(client: OSS, bucket: string, rules: string): Promise<void> {
  const url = client.signatureUrl('', {
    method: 'PUT',
    subResource: { lifecycle: '' },
    'Content-Type': 'application/xml',
  } as unknown as OSS.SignatureUrlOptions);
  assert.ok(url.includes(`/${bucket}/`), url);
  const r = await fetch(url, { method: 'PUT', body: xml(rules), headers: { 'content-type': 'application/xml' } });
  assert.equal(r.status, 200, await r.text());
}

/** `ossd lifecycle run …` on the server's stores; resolves with exit code and output. */
function cli(server: TestServer, args: string[]): Promise<{ code: number | null; out: string }> {
  const c = server.services.config;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
  const stores = ['--data', server.dataDir];
  if (c.metadata) stores.push('--metadata', c.metadata);
  if (c.blobs) stores.push('--blobs', c.blobs, '--blobs-region', c.blobsRegion);
  if (c.blobsEndpoint) stores.push('--blobs-endpoint', c.blobsEndpoint);
  if (c.blobsAccessKeyId) env.OSSD_BLOBS_ACCESS_KEY_ID = c.blobsAccessKeyId;
  if (c.blobsSecretAccessKey) env.OSSD_BLOBS_SECRET_ACCESS_KEY = c.blobsSecretAccessKey;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'lifecycle', 'run', ...stores, ...args],
      { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('lifecycle expirations send ObjectRemoved:Expire event notifications', () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.queuePollMs = 100;
      c.callback.timeoutMs = 1000;
      c.lifecycleInterval = '300ms';
    });
    receiver = await startCallbackReceiver({ kind: 'status', status: 200, body: 'ok' });
  });
  after(async () => {
    await receiver.close();
    await server.stop();
  });

  /** A bucket with a notification rule for `events` posting to the receiver under `/path`. */
  async function notifiedBucket(name: string, events: string[]): Promise<OSS> {
    const c = await withBucket(server, name);
    const r = await admin(server.endpoint, 'POST', `/notifications/${name}`, {
      events,
      targets: [`${receiver.url}/${name}`],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return c;
  }
  const to = (name: string) => receiver.requests.filter((r) => r.url.startsWith(`/${name}`));
  async function waitFor(name: string, n: number): Promise<ReceivedRequest[]> {
    for (let i = 0; i < 200 && to(name).length < n; i++) await new Promise((res) => setTimeout(res, 50));
    return to(name);
  }

  it('the periodic worker notifies each expired object in OSS format', async () => {
    const c = await notifiedBucket('lcn-worker', ['ObjectRemoved:*']);
    await c.put('logs/a', Buffer.from('aaa'));
    await c.put('logs/b', Buffer.from('bb'));
    await c.put('keep', Buffer.from('k'));
    await putLifecycle(
      c,
      'lcn-worker',
      `<Rule><ID>logs</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><CreatedBeforeDate>${midnight(1)}</CreatedBeforeDate></Expiration></Rule>`,
    );
    const got = await waitFor('lcn-worker', 2);
    assert.equal(got.length, 2, 'two expirations delivered');
    const events = got.map(event).sort((a, b) => a.oss.object.key.localeCompare(b.oss.object.key));
    assert.deepEqual(
      events.map((e) => [e.eventName, e.oss.object.key, e.oss.object.size, e.oss.object.versionId]),
      [
        ['ObjectRemoved:Expire', 'logs/a', 0, undefined],
        ['ObjectRemoved:Expire', 'logs/b', 0, undefined],
      ],
    );
    const e = events[0];
    assert.equal(e.eventSource, 'acs:oss');
    assert.equal(e.oss.bucket.name, 'lcn-worker');
    assert.match(e.oss.bucket.arn, /^acs:oss:[a-z0-9-]+:[^:]+:lcn-worker$/);
    assert.equal(e.userIdentity.principalId, 'ossd-lifecycle');
    assert.equal(e.requestParameters.sourceIPAddress, '');
    assert.equal(got[0].headers['x-ossd-notification-rule'] !== undefined, true);
    assert.deepEqual(
      (await c.list({ prefix: '', 'max-keys': 100 }, {})).objects?.map((o) => o.name),
      ['keep'],
    );
  });

  it('a rule for other events does not fire; the run function with the hook notifies (future now)', async () => {
    const c = await notifiedBucket('lcn-run', ['ObjectRemoved:Expire']);
    const quiet = await notifiedBucket('lcn-quiet', ['ObjectRemoved:DeleteObject', 'ObjectCreated:*']);
    const before = to('lcn-quiet').length; // the created events of the puts below arrive there
    await c.put('old/x', Buffer.from('x'));
    await quiet.put('old/y', Buffer.from('y'));
    const rule =
      '<Rule><ID>days</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>';
    await putLifecycle(c, 'lcn-run', rule);
    await putLifecycle(quiet, 'lcn-quiet', rule);
    const report = await applyLifecycle(server.services.meta, server.services.blobs, {
      now: Date.now() + 3 * DAY_MS,
      onExpired: lifecycleExpiryHook(server.services.meta, server.services.callbacks.notifier),
    });
    assert.ok(report.expired >= 2, `expired ${report.expired}`);
    const got = await waitFor('lcn-run', 1);
    assert.deepEqual(
      got.map((r) => [event(r).eventName, event(r).oss.object.key]),
      [['ObjectRemoved:Expire', 'old/x']],
    );
    await new Promise((res) => setTimeout(res, 500));
    const quietEvents = to('lcn-quiet').map((r) => event(r).eventName);
    assert.ok(!quietEvents.includes('ObjectRemoved:Expire'), quietEvents.join());
    assert.ok(quietEvents.length >= before);
  });

  it('`ossd lifecycle run` queues the notifications, with the version id of noncurrent versions', async () => {
    const c = (await notifiedBucket('lcn-cli', ['ObjectRemoved:*'])) as OSS & {
      putBucketVersioning(name: string, status: string): Promise<unknown>;
    };
    await c.putBucketVersioning('lcn-cli', 'Enabled');
    const v1 = (await c.put('doc', Buffer.from('one'))).res.headers as Record<string, string>;
    await c.put('doc', Buffer.from('two'));
    await putLifecycle(
      c,
      'lcn-cli',
      '<Rule><ID>nc</ID><Prefix></Prefix><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>',
    );
    const args = ['--bucket', 'lcn-cli', '--now', new Date(Date.now() + 2 * DAY_MS).toISOString()];
    let r = await cli(server, args);
    // The servers' own worker (every 300 ms here) may hold the lifecycle lock: the command then refuses.
    for (let i = 0; i < 10 && r.code === 1 && /another node is applying/.test(r.out); i++) r = await cli(server, args);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /expired lcn-cli\/doc noncurrent version/);
    const got = await waitFor('lcn-cli', 1);
    assert.equal(got.length, 1, r.out);
    const e = event(got[0]);
    assert.equal(e.eventName, 'ObjectRemoved:Expire');
    assert.equal(e.oss.object.key, 'doc');
    assert.equal(e.oss.object.versionId, v1['x-oss-version-id']);
    assert.equal(e.oss.ruleId.length > 0, true);
    // The current version stays.
    assert.equal((await c.get('doc')).content.toString(), 'two');
  });
});
