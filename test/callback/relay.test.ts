/**
 * Local relay, end to end: a real ossd, the relay client (in process, and once as the `ossd relay`
 * command), real local application servers on loopback and real ali-oss uploads with callbacks addressed
 * to http://NAME.relay.ossd.local/….
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { createVerifier } from '../../packages/verify/src/index.js';
import { relay } from '../../src/cli/relay.js';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { spawnIn } from '../helpers/spawn-ossd.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const CLUSTER = Number(process.env.OSSD_TEST_CLUSTER ?? 0) >= 2;
const SKIP = CLUSTER ? 'a relay is held by one node; the balancer spreads uploads over every node' : undefined;
const OTHER_ID = 'relayOtherKey01';
const OTHER_SECRET = 'relayOtherSecret0000000000001';

interface Running {
  lines: string[];
  stop(): Promise<number>;
}

/** Starts the relay client and waits until it is registered (its first line). */
async function startRelay(
  server: TestServer,
  name: string,
  to: string,
  creds: [string, string] = [ROOT_ID, ROOT_SECRET],
): Promise<Running & { exited: Promise<number> }> {
  const lines: string[] = [];
  const stop = new AbortController();
  const exited = relay({
    endpoint: server.endpoint,
    to,
    name,
    accessKeyId: creds[0],
    accessKeySecret: creds[1],
    waitMs: 2000,
    print: (l) => lines.push(l),
    signal: stop.signal,
  });
  const deadline = Date.now() + 5000;
  let done = false;
  void exited.finally(() => {
    done = true;
  });
  while (lines.length === 0 && !done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return {
    lines,
    exited,
    stop: async () => {
      stop.abort();
      return exited;
    },
  };
}

async function failure(p: Promise<unknown>): Promise<OssErrorLike> {
  return p.then(
    () => assert.fail('expected CallbackFailed'),
    (e: unknown) => e as OssErrorLike,
  );
}

describe('local relay (ossd relay)', { skip: SKIP }, () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.timeoutMs = 1500;
    });
    client = await withBucket(server, 'relayed');
    app = await startCallbackReceiver();
    await server.services.meta.ensureAccount('bob', 'bob');
    await server.services.meta.putAccessKey({ id: OTHER_ID, secret: OTHER_SECRET, accountId: 'bob', createdAt: 0 });
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it("round trip: the local app's JSON reaches the uploader; the callback is signed and verifiable", async () => {
    const r = await startRelay(server, 'dev1', app.url);
    try {
      assert.match(r.lines[0], /relaying callbacks for http:\/\/dev1\.relay\.ossd\.local\/… → http:\/\/127\.0\.0\.1:/);
      const reply = { Status: 'OK', via: 'relay', n: [1, 2] };
      app.setBehaviour({ kind: 'json', body: reply });
      const seen = app.requests.length;
      const result = await putWithCallback(client, 'photo.txt', Buffer.from('hello relay'), {
        url: 'http://dev1.relay.ossd.local/hooks/upload?x=1',
        body: 'bucket=${bucket}&object=${object}&size=${size}',
      });
      assert.equal(result.res.status, 200);
      assert.deepEqual(result.data, reply);
      const cb = app.requests[seen];
      assert.equal(cb.url, '/hooks/upload?x=1');
      assert.equal(cb.body.toString(), 'bucket=relayed&object=photo.txt&size=11');
      assert.equal(cb.headers['x-forwarded-host'], 'dev1.relay.ossd.local');
      const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`] });
      await verifier.verify({
        method: 'POST',
        url: cb.url,
        headers: cb.headers as Record<string, string>,
        body: cb.body,
      });
      // The relay printed the delivery; the delivery log records where it went.
      const printed = r.lines.find((l) => l.includes('relayed/photo.txt'));
      assert.ok(printed?.includes('POST /hooks/upload?x=1 ← 200'), printed);
      const log = await server.services.callbacks.deliveries.list({ bucket: 'relayed', key: 'photo.txt' });
      assert.equal(log[0].attempts[0].address, 'relay:dev1');
      assert.equal(log[0].ok, true);
    } finally {
      assert.equal(await r.stop(), 0);
    }
  });

  it('failures of the local app reach the uploader as callback failures (status, timeout, unreachable)', async () => {
    const dead = await startCallbackReceiver();
    const deadUrl = dead.url;
    await dead.close();
    const r = await startRelay(server, 'dev2', app.url);
    try {
      app.setBehaviour({ kind: 'status', status: 500 });
      let e = await failure(
        putWithCallback(client, 'a.txt', Buffer.from('a'), { url: 'http://dev2.relay.ossd.local/', body: 'x' }),
      );
      assert.equal(e.status, 203);
      assert.equal(e.message, 'Error status : 500.');
      app.setBehaviour({ kind: 'hang' });
      const started = Date.now();
      e = await failure(
        putWithCallback(client, 'b.txt', Buffer.from('b'), { url: 'http://dev2.relay.ossd.local/', body: 'x' }),
      );
      assert.match(e.message, /reply timeout, cost:\d+ ms, timeout:1500 ms/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      await r.stop();
    }
    const r2 = await startRelay(server, 'dev3', deadUrl);
    try {
      const e = await failure(
        putWithCallback(client, 'c.txt', Buffer.from('c'), { url: 'http://dev3.relay.ossd.local/', body: 'x' }),
      );
      assert.equal(e.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
      assert.ok(r2.lines.some((l) => l.includes('local server unreachable')));
    } finally {
      await r2.stop();
    }
  });

  it('a relay that is not (or no longer) connected fails at once like an unreachable address', async () => {
    app.setBehaviour({ kind: 'json' });
    let started = Date.now();
    let e = await failure(
      putWithCallback(client, 'd.txt', Buffer.from('d'), { url: 'http://nobody.relay.ossd.local/', body: 'x' }),
    );
    assert.equal(e.status, 203);
    assert.equal(e.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
    assert.ok(Date.now() - started < 1000, 'no wait for the timeout');
    const r = await startRelay(server, 'gone', app.url);
    await r.stop(); // the open poll closes: the relay is dropped at once
    started = Date.now();
    e = await failure(
      putWithCallback(client, 'e.txt', Buffer.from('e'), { url: 'http://gone.relay.ossd.local/', body: 'x' }),
    );
    assert.equal(e.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
    assert.ok(Date.now() - started < 1000, 'no wait for the timeout');
  });

  it("is bound to the key's account: no one receives another account's callbacks", async () => {
    const bobApp = await startCallbackReceiver({ kind: 'json', body: { stolen: true } });
    const bob = await startRelay(server, 'bobdev', bobApp.url, [OTHER_ID, OTHER_SECRET]);
    const mine = await startRelay(server, 'mine', app.url);
    try {
      assert.equal(bob.lines.length, 1, bob.lines.join('\n'));
      // Root's bucket, a callback addressed to bob's relay: not delivered.
      const e = await failure(
        putWithCallback(client, 'f.txt', Buffer.from('f'), { url: 'http://bobdev.relay.ossd.local/', body: 'x' }),
      );
      assert.equal(e.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
      assert.equal(bobApp.requests.length, 0);
      // Bob cannot take over root's relay name while it is connected.
      const thief = await startRelay(server, 'mine', bobApp.url, [OTHER_ID, OTHER_SECRET]);
      assert.equal(await thief.exited, 1);
      assert.match(thief.lines.join('\n'), /relay refused \(409\).*RelayNameTaken/);
      // Wrong secret: refused.
      const bad = await startRelay(server, 'bad', app.url, [ROOT_ID, 'wrong']);
      assert.equal(await bad.exited, 1);
      assert.match(bad.lines.join('\n'), /relay refused \(403\)/);
      // Root's own relay still works.
      app.setBehaviour({ kind: 'json', body: { mine: true } });
      const ok = await putWithCallback(client, 'g.txt', Buffer.from('g'), {
        url: 'http://mine.relay.ossd.local/',
        body: 'x',
      });
      assert.deepEqual(ok.data, { mine: true });
      assert.equal(bobApp.requests.length, 0);
    } finally {
      await bob.stop();
      await mine.stop();
      await bobApp.close();
    }
  });

  it('a server shutting down answers open polls at once; the relay keeps retrying', async () => {
    const other = await startTestServer();
    const lines: string[] = [];
    const stop = new AbortController();
    const exited = relay({
      endpoint: other.endpoint,
      to: app.url,
      name: 'shut',
      accessKeyId: ROOT_ID,
      accessKeySecret: ROOT_SECRET,
      waitMs: 25_000,
      print: (l) => lines.push(l),
      signal: stop.signal,
    });
    const deadline = Date.now() + 5000;
    while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200)); // a 25 s poll is open now
    const started = Date.now();
    await other.stop();
    assert.ok(Date.now() - started < 5000, `shutdown took ${Date.now() - started} ms`);
    const until = Date.now() + 5000;
    while (!lines.some((l) => /retrying/.test(l)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      lines.some((l) => /retrying/.test(l)),
      lines.join('\n'),
    );
    stop.abort();
    assert.equal(await exited, 0);
  });

  it('`ossd relay` as a command: credentials from OSSD_ACCESS_KEY_ID / OSSD_ACCESS_KEY_SECRET', {
    timeout: 60_000,
  }, async () => {
    app.setBehaviour({ kind: 'json', body: { cli: 'yes' } });
    const p = spawnIn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'relay', '--endpoint', server.endpoint, '--to', app.url, '--name', 'cli'],
      { OSSD_ACCESS_KEY_ID: ROOT_ID, OSSD_ACCESS_KEY_SECRET: ROOT_SECRET },
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!p.output().includes('relaying callbacks') && Date.now() < deadline) {
        if (p.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(p.output(), /relaying callbacks for http:\/\/cli\.relay\.ossd\.local/);
      const r = await putWithCallback(client, 'cli.txt', Buffer.from('c'), {
        url: 'http://cli.relay.ossd.local/cb',
        body: 'o=${object}',
      });
      assert.deepEqual(r.data, { cli: 'yes' });
      const until = Date.now() + 5000;
      while (!p.output().includes('relayed/cli.txt') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.match(p.output(), /relayed\/cli\.txt → POST \/cb ← 200/);
    } finally {
      await p.stop();
    }
    assert.equal(p.child.exitCode, 0, p.output());
  });

  it('a relay killed without a goodbye: its open poll closes and callbacks to it fail at once', {
    timeout: 60_000,
  }, async () => {
    app.setBehaviour({ kind: 'json' });
    const p = spawnIn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'relay',
        '--endpoint',
        server.endpoint,
        '--to',
        app.url,
        '--name',
        'killed',
      ],
      { OSSD_ACCESS_KEY_ID: ROOT_ID, OSSD_ACCESS_KEY_SECRET: ROOT_SECRET },
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!p.output().includes('relaying callbacks') && p.child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(p.output(), /relaying callbacks/);
      await new Promise((r) => setTimeout(r, 300)); // its long poll is open now
      p.child.kill('SIGKILL');
      await new Promise<void>((r) =>
        p.child.exitCode !== null || p.child.signalCode !== null ? r() : p.child.once('exit', () => r()),
      );
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const e = await failure(
        putWithCallback(client, 'k.txt', Buffer.from('k'), { url: 'http://killed.relay.ossd.local/', body: 'x' }),
      );
      assert.equal(e.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
      assert.ok(Date.now() - started < 1000, 'no wait for the timeout');
    } finally {
      await p.stop();
    }
  });
});
