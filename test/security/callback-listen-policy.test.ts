// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OSS callback templates are written ${…} in plain strings
/**
 * Loopback and private callback targets are allowed by default only while ossd listens on loopback; a
 * server listening on 0.0.0.0 refuses them unless --callback-allow-private. The tests still connect
 * through 127.0.0.1 only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import type { Config } from '../../src/config/config.js';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { freePort, spawnIn } from '../helpers/spawn-ossd.js';
import { ossClient, ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

function clientOf(server: TestServer, bucket: string): OSS {
  return ossClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    accessKeyId: ROOT_ID,
    accessKeySecret: ROOT_SECRET,
    bucket,
  });
}

async function serverOn(address: string, more: (c: Config) => void = () => {}): Promise<[TestServer, OSS]> {
  const server = await startTestServer((c) => {
    c.address = address;
    c.consoleAddress = 'off';
    more(c);
  });
  const client = clientOf(server, 'listen-policy');
  await client.putBucket('listen-policy');
  return [server, client];
}

describe('callback address policy follows the listen address', () => {
  let app: CallbackReceiver;
  const servers: TestServer[] = [];
  before(async () => {
    app = await startCallbackReceiver({ kind: 'json', body: { ok: true } });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await app.close();
  });

  it('listening on 0.0.0.0 refuses a callback to 127.0.0.1 (before storing) and to a loopback name (203)', async () => {
    const [server, client] = await serverOn('0.0.0.0:0');
    servers.push(server);
    const sent = app.requests.length;
    const literal = await putWithCallback(client, 'a.txt', Buffer.from('a'), {
      url: `${app.url}/cb`,
      body: 'k=${object}',
    }).then(
      () => assert.fail('accepted'),
      (err: OssErrorLike) => err,
    );
    assert.equal(literal.status, 400);
    assert.equal(literal.code, 'InvalidArgument');
    assert.equal(literal.ecCode, '0007-00000008');
    await assert.rejects(client.head('a.txt'), { status: 404 });

    const named = await putWithCallback(client, 'b.txt', Buffer.from('b'), {
      url: `http://localhost:${app.port}/cb`,
      body: 'k=${object}',
    }).then(
      () => assert.fail('delivered'),
      (err: OssErrorLike) => err,
    );
    assert.equal(named.status, 203);
    assert.equal(named.code, 'CallbackFailed');
    assert.equal(named.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
    assert.equal(app.requests.length, sent, 'nothing reached the application');
  });

  it('listening on 0.0.0.0 with --callback-allow-private delivers to 127.0.0.1', async () => {
    const [server, client] = await serverOn('0.0.0.0:0', (c) => {
      c.callback.allowPrivate = true;
    });
    servers.push(server);
    const r = await putWithCallback(client, 'c.txt', Buffer.from('c'), { url: `${app.url}/cb`, body: 'k=${object}' });
    assert.equal(r.res.status, 200);
    assert.deepEqual(r.data, { ok: true });
  });

  it('--callback-deny-private wins over --callback-allow-private', async () => {
    const [server, client] = await serverOn('127.0.0.1:0', (c) => {
      c.callback.allowPrivate = true;
      c.callback.denyPrivate = true;
    });
    servers.push(server);
    await assert.rejects(putWithCallback(client, 'd.txt', Buffer.from('d'), { url: `${app.url}/cb`, body: 'x' }), {
      status: 400,
    });
  });

  it('listening on loopback keeps allowing loopback callbacks by default', async () => {
    const [server, client] = await serverOn('127.0.0.1:0');
    servers.push(server);
    const r = await putWithCallback(client, 'e.txt', Buffer.from('e'), { url: `${app.url}/cb`, body: 'k=${object}' });
    assert.equal(r.res.status, 200);
  });

  it('ossd serve prints the policy in effect', async () => {
    const port = await freePort();
    const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-policy-'));
    const p = spawnIn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--address', `0.0.0.0:${port}`, '--data', data],
      { OSSD_CONSOLE_ADDRESS: 'off', OSSD_LOG_LEVEL: 'warn' },
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!p.output().includes('Callback targets') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(p.output(), /Callback targets: loopback\/private refused \(ossd listens on 0\.0\.0\.0/);
      assert.match(p.output(), /--callback-allow-private/);
    } finally {
      await p.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
