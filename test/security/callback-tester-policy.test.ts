/**
 * The console's callback tester (POST /-/admin/callbacks/test with send:true) shows whole replies, so it
 * must not become a way to read internal endpoints: keys outside the root account cannot send to
 * loopback or private addresses through it, and a reply is shown only from an address the caller's
 * policy allows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

const OTHER_ID = 'TesterOtherKey01';
const OTHER_SECRET = 'testerOtherSecret0000000000001';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('callback tester address policy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.services.meta.ensureAccount('2000000000000002', 'other');
    await server.services.meta.putAccessKey({
      id: OTHER_ID,
      secret: OTHER_SECRET,
      accountId: '2000000000000002',
      createdAt: Date.now(),
    });
    // Something for /-/metrics to report.
    await server.client().putBucket('tester-policy');
  });
  after(async () => {
    await server.stop();
  });

  async function tryTester(url: string, auth: string): Promise<{ status: number; text: string; json: unknown }> {
    const r = await fetch(`http://127.0.0.1:${server.port}/-/admin/callbacks/test`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ callback: JSON.stringify({ callbackUrl: url, callbackBody: 'a=1' }), send: true }),
    });
    const text = await r.text();
    return { status: r.status, text, json: JSON.parse(text) };
  }

  it("another account's key cannot send to loopback by IP: refused like an upload under a strict policy", async () => {
    const r = await tryTester(`http://127.0.0.1:${server.port}/-/metrics`, basic(OTHER_ID, OTHER_SECRET));
    assert.equal(r.status, 200);
    const json = r.json as { valid: boolean; error?: { ec: string; hint?: string }; delivery?: unknown };
    assert.equal(json.valid, false);
    assert.equal(json.error?.ec, '0007-00000008');
    assert.match(json.error?.hint ?? '', /root account/);
    assert.equal(json.delivery, undefined);
    assert.doesNotMatch(r.text, /# HELP|# TYPE/);
  });

  it("another account's key cannot reach loopback through a name either, and sees no reply", async () => {
    const r = await tryTester(`http://localhost:${server.port}/-/metrics`, basic(OTHER_ID, OTHER_SECRET));
    const json = r.json as { valid: boolean; delivery?: { ok: boolean; attempts: { responseBody?: string }[] } };
    assert.equal(json.valid, true);
    assert.equal(json.delivery?.ok, false);
    assert.ok(json.delivery?.attempts.every((a) => a.responseBody === undefined));
    assert.doesNotMatch(r.text, /# HELP|# TYPE/);
  });

  it('a root key may test a loopback application and sees its reply (uploads by it can reach it)', async () => {
    const r = await tryTester(`http://127.0.0.1:${server.port}/-/metrics`, basic(ROOT_ID, ROOT_SECRET));
    const json = r.json as { valid: boolean; delivery?: { cause?: string; attempts: { responseBody?: string }[] } };
    assert.equal(json.valid, true);
    assert.equal(json.delivery?.cause, 'not-json');
    assert.match(json.delivery?.attempts[0]?.responseBody ?? '', /# (HELP|TYPE)/);
  });
});

describe('callback tester under a server policy that refuses private addresses', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.denyPrivate = true;
    });
  });
  after(async () => {
    await server.stop();
  });

  it('even a root key cannot read a loopback reply when uploads could not reach it', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/-/admin/callbacks/test`, {
      method: 'POST',
      headers: { authorization: basic(ROOT_ID, ROOT_SECRET), 'content-type': 'application/json' },
      body: JSON.stringify({
        callback: JSON.stringify({ callbackUrl: `http://localhost:${server.port}/-/metrics`, callbackBody: 'a=1' }),
        send: true,
      }),
    });
    const text = await r.text();
    const json = JSON.parse(text) as { delivery?: { ok: boolean } };
    assert.equal(json.delivery?.ok, false);
    assert.doesNotMatch(text, /# HELP|# TYPE/);
  });
});
