/**
 * /-/metrics: open on a loopback listener; with --metrics-token only to `Authorization: Bearer TOKEN`
 * (401 otherwise); with --metrics-address on its own listener (gone from the main one) or off; and on a
 * non-loopback listener without a token, loopback clients only.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { isLoopbackAddress, metricsAccess } from '../../src/observability/metrics-endpoint.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const TOKEN = 'metrics-token-6d1f0c2a9b';

async function get(url: string, authorization?: string): Promise<{ status: number; text: string; auth: string }> {
  const r = await fetch(url, { headers: authorization ? { authorization } : {} });
  return { status: r.status, text: await r.text(), auth: r.headers.get('www-authenticate') ?? '' };
}

describe('metrics access', () => {
  describe('default: loopback listener, no token', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(() => server.stop());

    it('serves /-/metrics without credentials', async () => {
      const r = await get(`http://127.0.0.1:${server.port}/-/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.text, /ossd_requests_total/);
    });
  });

  describe('--metrics-token', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer((c) => {
        c.metricsToken = TOKEN;
      });
    });
    after(() => server.stop());

    for (const [what, authorization] of [
      ['no Authorization', undefined],
      ['a wrong token', 'Bearer metrics-token-6d1f0c2a9c'],
      ['a shorter token', 'Bearer metrics'],
      ['the token as Basic', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
      ['the bare token', TOKEN],
    ] as const) {
      it(`${what}: 401 with WWW-Authenticate`, async () => {
        const r = await get(`http://127.0.0.1:${server.port}/-/metrics`, authorization);
        assert.equal(r.status, 401);
        assert.match(r.auth, /^Bearer/);
        assert.doesNotMatch(r.text, /ossd_requests_total/);
      });
    }

    it('Bearer TOKEN: 200', async () => {
      const r = await get(`http://127.0.0.1:${server.port}/-/metrics`, `Bearer ${TOKEN}`);
      assert.equal(r.status, 200);
      assert.match(r.text, /ossd_requests_total/);
    });

    it('the token does not guard /-/health', async () => {
      assert.equal((await get(`http://127.0.0.1:${server.port}/-/health`)).status, 200);
    });
  });

  describe('--metrics-address HOST:PORT', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer((c) => {
        c.metricsAddress = '127.0.0.1:0';
        c.metricsToken = TOKEN;
      });
    });
    after(() => server.stop());

    it('serves metrics on its own port, needs the token there, and not on the main port', async () => {
      assert.ok(server.metricsPort && server.metricsPort !== server.port);
      const base = `http://127.0.0.1:${server.metricsPort}`;
      assert.equal((await get(`${base}/-/metrics`)).status, 401);
      const ok = await get(`${base}/-/metrics`, `Bearer ${TOKEN}`);
      assert.equal(ok.status, 200);
      assert.match(ok.text, /ossd_requests_total/);
      assert.equal((await get(`${base}/-/health`, `Bearer ${TOKEN}`)).status, 404);
      assert.equal((await get(`http://127.0.0.1:${server.port}/-/metrics`, `Bearer ${TOKEN}`)).status, 404);
    });
  });

  describe('--metrics-address off', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer((c) => {
        c.metricsAddress = 'off';
      });
    });
    after(() => server.stop());

    it('no metrics endpoint anywhere', async () => {
      assert.equal(server.metricsPort, undefined);
      assert.equal((await get(`http://127.0.0.1:${server.port}/-/metrics`)).status, 404);
    });
  });

  // A listener on a non-loopback address of this machine (no traffic leaves the host: the client is
  // this process). Skipped when the machine has no such address.
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  describe('non-loopback listener without a token', { skip: external ? false : 'no non-loopback IPv4 address' }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer((c) => {
        c.address = `${external}:0`;
      });
    });
    after(() => server.stop());

    it('refuses a non-loopback client with 403', async () => {
      const r = await get(`http://${external}:${server.port}/-/metrics`);
      assert.equal(r.status, 403);
      assert.match(r.text, /loopback/);
      assert.doesNotMatch(r.text, /ossd_requests_total/);
      assert.equal((await get(`http://${external}:${server.port}/-/health`)).status, 200);
    });
  });

  it('the access rule: loopback spellings, token, dedicated listener', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackAddress(ip), ip);
    for (const ip of ['10.0.0.1', '192.0.2.2', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '']) {
      assert.ok(!isLoopbackAddress(ip), ip);
    }
    const remote = { clientAddress: '10.1.2.3', dedicated: false };
    assert.equal(metricsAccess(remote), 'forbidden');
    assert.equal(metricsAccess({ ...remote, clientAddress: '::ffff:127.0.0.1' }), 'allow');
    assert.equal(metricsAccess({ ...remote, dedicated: true }), 'allow');
    assert.equal(metricsAccess({ ...remote, token: TOKEN, authorization: `Bearer ${TOKEN}` }), 'allow');
    assert.equal(metricsAccess({ ...remote, token: TOKEN, authorization: `bearer  ${TOKEN}` }), 'allow');
    assert.equal(metricsAccess({ ...remote, clientAddress: '127.0.0.1', token: TOKEN }), 'unauthorized');
    assert.equal(
      metricsAccess({ ...remote, dedicated: true, token: TOKEN, authorization: 'Bearer x' }),
      'unauthorized',
    );
  });

  it('flags and env: --metrics-token / OSSD_METRICS_TOKEN, --metrics-address validated', () => {
    assert.equal(loadConfig({}, { OSSD_METRICS_TOKEN: 'from-env' }).metricsToken, 'from-env');
    assert.equal(loadConfig({ 'metrics-token': 'from-flag' }, { OSSD_METRICS_TOKEN: 'env' }).metricsToken, 'from-flag');
    assert.equal(loadConfig({ 'metrics-address': 'off' }, {}).metricsAddress, 'off');
    assert.equal(loadConfig({}, { OSSD_METRICS_ADDRESS: '127.0.0.1:9464' }).metricsAddress, '127.0.0.1:9464');
    assert.throws(
      () => loadConfig({ 'metrics-address': 'nonsense' }, {}),
      /--metrics-address must be HOST:PORT or off/,
    );
  });
});
