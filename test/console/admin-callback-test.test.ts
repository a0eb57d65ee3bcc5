/** POST /-/admin/callbacks/test (the console's callback tester) and the console address rules. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Config, defaultConfig } from '../../src/config/config.js';
import { consoleAddressOf } from '../../src/console/address.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const AUTH = `Basic ${Buffer.from(`${ROOT_ID}:${ROOT_SECRET}`).toString('base64')}`;

describe('POST /-/admin/callbacks/test', () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  before(async () => {
    server = await startTestServer();
    receiver = await startCallbackReceiver({ kind: 'json', body: { ok: 1 } });
    const client = await withBucket(server, 'cbtest');
    await client.put('a b.txt', Buffer.from('hello'), { mime: 'text/plain' });
  });
  after(async () => {
    await receiver.close();
    await server.stop();
  });

  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
  async function test(body: unknown, auth = AUTH): Promise<{ status: number; json: any }> {
    const r = await fetch(`${server.endpoint}/-/admin/callbacks/test`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, json: await r.json() };
  }

  it('needs admin credentials', async () => {
    const r = await test({ callback: '{}' }, 'Basic bm9ib2R5OnNlY3JldA==');
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'AccessDenied');
  });

  it('reports validation errors with the EC and message an upload would get', async () => {
    const cases: [unknown, string, string][] = [
      [
        { callbackUrl: receiver.url, callbackBody: 'a=${x' },
        '0007-00000105',
        'Right brace is missing for the variable.',
      ],
      [
        { callbackUrl: receiver.url, callbackBody: 'a=$x}' },
        '0007-00000105',
        'Left brace must be adjacent to dollar sign.',
      ],
      [{ callbackUrl: 'ftp://x/', callbackBody: 'a' }, '0007-00000004', 'The callbackUrl is invalid: ftp://x/'],
      [{ callbackUrl: receiver.url }, '0007-00000011', 'The callbackBody is empty.'],
    ];
    for (const [callback, ec, message] of cases) {
      const r = await test({ callback: JSON.stringify(callback) });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, {
        valid: false,
        error: { code: 'InvalidArgument', ec, message, argumentName: 'callback' },
      });
    }
    const notJson = await test({ callback: Buffer.from('nope').toString('base64') });
    assert.equal(notJson.json.error.ec, '0007-00000003');
    const badVar = await test({
      callback: { callbackUrl: receiver.url, callbackBody: 'a' },
      callbackVar: '{"x:a": [1]}',
    });
    assert.equal(badVar.json.error.argumentName, 'callback-var');
  });

  it("renders with an object's real variables (base64 input), without sending", async () => {
    const callback = {
      callbackUrl: receiver.url,
      callbackBody: 'o=${object}&s=${size}&e=${etag}&m=${mimeType}&v=${x:v}',
    };
    const r = await test({
      callback: Buffer.from(JSON.stringify(callback)).toString('base64'),
      callbackVar: { 'x:v': 'w' },
      bucket: 'cbtest',
      key: 'a b.txt',
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.valid, true);
    assert.equal(r.json.renderedBody, 'o=a%20b.txt&s=5&e=5D41402ABC4B2A76B9719D911017C592&m=text%2Fplain&v=w');
    assert.equal(
      r.json.variables.crc64,
      (await server.client({ bucket: 'cbtest' }).head('a b.txt')).res.headers['x-oss-hash-crc64ecma' as never],
    );
    assert.equal(r.json.delivery, undefined);
    assert.equal(receiver.requests.length, 0);
  });

  it('renders supplied variables and sends with the service, unrecorded', async () => {
    const callback = {
      callbackUrl: `${receiver.url}/x?y=1`,
      callbackBody: '{"o":${object},"n":${size},"op":${operation}}',
      callbackBodyType: 'application/json',
    };
    const r = await test({ callback, variables: { object: 'k', size: '12', operation: 'PostObject' }, send: true });
    assert.equal(r.json.renderedBody, '{"o":"k","n":12,"op":"PostObject"}');
    assert.equal(r.json.delivery.ok, true);
    assert.equal(r.json.delivery.uploadStatus, 200);
    assert.equal(r.json.delivery.reply, '{"ok":1}');
    assert.equal(r.json.delivery.attempts[0].status, 200);
    assert.equal(r.json.delivery.attempts[0].responseBody, '{"ok":1}');
    assert.match(r.json.delivery.stringToSign, /^\/x\?y=1\n\{"o":"k"/);
    const [req] = await receiver.waitForRequests(1);
    assert.equal(req.body.toString(), '{"o":"k","n":12,"op":"PostObject"}');
    assert.deepEqual(await server.services.callbacks.deliveries.list({}), []);

    receiver.setBehaviour({ kind: 'status', status: 502 });
    const failed = await test({ callback, send: true });
    assert.deepEqual(
      { ok: failed.json.delivery.ok, status: failed.json.delivery.uploadStatus, message: failed.json.delivery.message },
      { ok: false, status: 203, message: 'Error status : 502.' },
    );
    assert.equal(failed.json.delivery.ec, '0007-00000203');
  });

  it('refuses a missing callback, a bad body and an object the caller does not own', async () => {
    assert.equal((await test({})).status, 400);
    assert.equal((await test([1])).status, 400);
    const missing = await test({
      callback: { callbackUrl: receiver.url, callbackBody: 'a' },
      bucket: 'cbtest',
      key: 'nope',
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 'NoSuchKey');
  });
});

describe('console address', () => {
  const cfg = (address: string, consoleAddress?: string): Config => ({ ...defaultConfig(), address, consoleAddress });
  it('defaults to the main port + 1 on the same host, 0 stays 0, and can be off or explicit', () => {
    assert.deepEqual(consoleAddressOf(defaultConfig()), { host: '127.0.0.1', port: 18081, explicit: false });
    assert.deepEqual(consoleAddressOf(cfg('0.0.0.0:9100')), { host: '0.0.0.0', port: 9101, explicit: false });
    assert.deepEqual(consoleAddressOf(cfg('127.0.0.1:0')), { host: '127.0.0.1', port: 0, explicit: false });
    assert.equal(consoleAddressOf(cfg('127.0.0.1:18080', 'off')), undefined);
    assert.deepEqual(consoleAddressOf(cfg('127.0.0.1:18080', '[::1]:7000')), {
      host: '::1',
      port: 7000,
      explicit: true,
    });
    assert.throws(() => consoleAddressOf(cfg('127.0.0.1:18080', 'nonsense')), /--console-address/);
  });

  it('off: no console listener; a busy derived port only warns', async () => {
    const off = await startTestServer((c) => {
      c.consoleAddress = 'off';
    });
    assert.equal(off.consolePort, undefined);
    await off.stop();
    const on = await startTestServer();
    // Another server on a fixed port whose +1 is taken by `on`'s console.
    const clash = await startTestServer((c) => {
      c.address = `127.0.0.1:${on.consolePort! - 1}`;
    }).catch(() => undefined); // the main port itself may be taken; only the console clash matters
    if (clash) {
      assert.equal(clash.consolePort, undefined);
      await clash.stop();
    }
    const explicit = startTestServer((c) => {
      c.consoleAddress = `127.0.0.1:${on.consolePort}`;
    });
    await assert.rejects(explicit, /EADDRINUSE/);
    await on.stop();
  });
});
