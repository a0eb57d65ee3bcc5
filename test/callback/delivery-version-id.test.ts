/**
 * The callback delivery log records the version id of an upload to a versioned bucket (PutObject,
 * CompleteMultipartUpload), returned by the admin API, kept by a re-send and printed by
 * `ossd callbacks list/show`. Real ossd, ali-oss, a real application server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type OSS from 'ali-oss';
import type { DeliveryRecord } from '../../src/callback/delivery-store.js';
import { admin, eventually } from '../helpers/admin-api.js';
import { putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { REPO } from '../helpers/spawn-ossd.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

type Client = OSS & { putBucketVersioning(name: string, status: string): Promise<unknown> };

describe('the delivery log records the version id of uploads to versioned buckets', () => {
  let server: TestServer;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer();
    app = await startCallbackReceiver({ kind: 'json', body: { ok: true } });
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  const deliveryOf = (bucket: string, key: string) =>
    eventually(async () => {
      const r = await admin<{ deliveries: DeliveryRecord[] }>(
        server.endpoint,
        'GET',
        `/callbacks?bucket=${bucket}&key=${encodeURIComponent(key)}`,
      );
      return r.body.deliveries[0];
    });
  const callback = () => ({ url: `${app.url}/cb`, body: 'bucket=${bucket}&object=${object}&etag=${etag}' });

  it('PutObject and CompleteMultipartUpload with a callback; an unversioned bucket records none', async () => {
    const c = (await withBucket(server, 'dv-versioned')) as Client;
    await c.putBucketVersioning('dv-versioned', 'Enabled');
    const put = await putWithCallback(c, 'a.txt', Buffer.from('a'), callback());
    assert.equal(put.res.status, 200);
    const v = put.res.headers['x-oss-version-id'];
    assert.ok(v, 'a version id');
    const d = await deliveryOf('dv-versioned', 'a.txt');
    assert.equal(d.ok, true);
    assert.equal(d.versionId, v);
    const one = await admin<DeliveryRecord>(server.endpoint, 'GET', `/callbacks/${d.id}`);
    assert.equal(one.body.versionId, v);
    // A re-send is about the same version.
    const resent = await admin<DeliveryRecord>(server.endpoint, 'POST', `/callbacks/${d.id}/resend`);
    assert.equal(resent.status, 200);
    assert.equal(resent.body.resendOf, d.id);
    assert.equal(resent.body.versionId, v);

    const mp = await c.initMultipartUpload('big.bin');
    const part = await c.uploadPart('big.bin', mp.uploadId, 1, Buffer.from('parts'), 0, 5);
    const done = (await c.completeMultipartUpload('big.bin', mp.uploadId, [{ number: 1, etag: part.etag }], {
      callback: callback(),
    } as unknown as OSS.CompleteMultipartUploadOptions)) as unknown as { res: { headers: Record<string, string> } };
    const mv = done.res.headers['x-oss-version-id'];
    assert.ok(mv);
    assert.equal((await deliveryOf('dv-versioned', 'big.bin')).versionId, mv);

    const plain = await withBucket(server, 'dv-plain');
    await putWithCallback(plain, 'b.txt', Buffer.from('b'), callback());
    const pd = await deliveryOf('dv-plain', 'b.txt');
    assert.equal(pd.ok, true);
    assert.equal(pd.versionId, undefined);
  });

  it('`ossd callbacks list` and `show` print it', { skip: ONE_NODE_ONLY }, async () => {
    const d = await deliveryOf('dv-versioned', 'a.txt');
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data', server.dataDir], {
        cwd: REPO,
        env: { ...process.env, OSSD_CONSOLE_ADDRESS: 'off' },
        timeout: 60_000,
      });
    const shown = await run(['callbacks', 'show', d.id]);
    assert.match(shown.stdout, new RegExp(`^version id: {2}${d.versionId}$`, 'm'));
    const listed = await run(['callbacks', 'list', '--bucket', 'dv-versioned', '--key', 'a.txt']);
    assert.match(listed.stdout, new RegExp(`dv-versioned/a\\.txt \\(version ${d.versionId}\\)`));
  });
});
