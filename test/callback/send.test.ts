import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_ADDRESS_POLICY } from '../../src/callback/address-policy.js';
import { type CallbackTarget, parseCallbackUrl } from '../../src/callback/parse.js';
import { deliverCallback, MESSAGES, type SendOptions } from '../../src/callback/send.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const PUB_URL = 'http://127.0.0.1:9/callback_pub_key_v1.pem';

function opts(over: Partial<SendOptions> = {}): SendOptions {
  return {
    bodyType: 'application/x-www-form-urlencoded',
    additionalHeaders: {},
    sni: false,
    privateKey,
    publicKeyUrl: PUB_URL,
    timeoutMs: 300,
    maxResponseBytes: 1024 * 1024,
    policy: DEFAULT_ADDRESS_POLICY,
    ...over,
  };
}

function target(url: string): CallbackTarget {
  const t = parseCallbackUrl(url);
  assert.ok(t, url);
  return t;
}

async function closedPort(): Promise<number> {
  const r = await startCallbackReceiver();
  await r.close();
  return r.port;
}

describe('deliverCallback', () => {
  let rx: CallbackReceiver;
  before(async () => {
    rx = await startCallbackReceiver();
  });
  after(() => rx.close());

  it('POSTs the signed body and returns the reply byte for byte', async () => {
    rx.setBehaviour({
      kind: 'custom',
      handle: (_req, res) => res.writeHead(200, { 'content-length': 20 }).end('{ "ok" : true,"n":1}'),
    });
    const before = rx.requests.length;
    const out = await deliverCallback(
      [target(`${rx.url}/cb%20x/%E4%B8%AD?a=1&b=%2F`)],
      'bucket=b&object=o%2Fk',
      opts({ additionalHeaders: { 'X-Extra': 'v' } }),
    );
    assert.equal(out.ok, true, out.message);
    assert.equal(out.body?.toString(), '{ "ok" : true,"n":1}');
    assert.equal(out.renderedBody, 'bucket=b&object=o%2Fk');
    assert.equal(out.stringToSign, '/cb x/中?a=1&b=%2F\nbucket=b&object=o%2Fk');
    const req = rx.requests[before];
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/cb%20x/%E4%B8%AD?a=1&b=%2F');
    assert.equal(req.body.toString(), 'bucket=b&object=o%2Fk');
    assert.equal(req.headers.host, `127.0.0.1:${rx.port}`);
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(req.headers['content-length'], '21');
    assert.equal(req.headers['user-agent'], 'ehttp-client/0.0.1');
    assert.equal(req.headers['x-extra'], 'v');
    assert.equal(Buffer.from(String(req.headers['x-oss-pub-key-url']), 'base64').toString(), PUB_URL);
    const sig = Buffer.from(String(req.headers.authorization), 'base64');
    assert.equal(verify('md5', Buffer.from(out.stringToSign), publicKey, sig), true);
    assert.equal(out.attempts.length, 1);
    assert.equal(out.attempts[0].status, 200);
    assert.equal(out.attempts[0].address, '127.0.0.1');
    assert.equal(out.attempts[0].ok, true);
  });

  it('sends callbackHost as Host, the JSON body type, and lets additionalHeaders replace User-Agent', async () => {
    rx.setBehaviour({ kind: 'json', body: { a: 1 } });
    const n = rx.requests.length;
    const out = await deliverCallback(
      [target(`${rx.url}/`)],
      '{"a":1}',
      opts({ host: 'app.example.com', bodyType: 'application/json', additionalHeaders: { 'User-Agent': 'mine' } }),
    );
    assert.equal(out.ok, true);
    assert.equal(rx.requests[n].headers.host, 'app.example.com');
    assert.equal(rx.requests[n].headers['content-type'], 'application/json');
    assert.equal(rx.requests[n].headers['user-agent'], 'mine');
    assert.equal(rx.requests[n].rawHeaders.filter((h) => h.toLowerCase() === 'user-agent').length, 1);
  });

  it('connection refused → -1 can not connect', async () => {
    const out = await deliverCallback([target(`http://127.0.0.1:${await closedPort()}/`)], 'a=1', opts());
    assert.deepEqual([out.ok, out.cause, out.message], [false, 'connect', MESSAGES.connect]);
    assert.equal(out.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
  });

  it('DNS failure → -1 can not connect', async () => {
    const out = await deliverCallback([target('http://does-not-exist.invalid/cb')], 'a=1', opts());
    assert.deepEqual([out.cause, out.message], ['connect', MESSAGES.connect]);
  });

  it('policy refusal at delivery → -1 can not connect, cause policy, nothing sent', async () => {
    const n = rx.requests.length;
    const out = await deliverCallback(
      [target(`http://localhost:${rx.port}/`)],
      'a=1',
      opts({ policy: { denyPrivate: true, allowLinkLocal: false } }),
    );
    assert.deepEqual([out.cause, out.message], ['policy', MESSAGES.connect]);
    const meta = await deliverCallback([target('http://169.254.169.254/latest/meta-data')], 'a=1', opts());
    assert.equal(meta.cause, 'policy');
    assert.equal(rx.requests.length, n);
  });

  it('no reply within the timeout → reply timeout message', async () => {
    rx.setBehaviour({ kind: 'hang' });
    const started = Date.now();
    const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts({ timeoutMs: 300 }));
    assert.ok(Date.now() - started < 1500);
    assert.equal(out.cause, 'timeout');
    const m = new RegExp(
      `^Error status : -1 127\\.0\\.0\\.1:${rx.port} reply timeout, cost:(\\d+) ms, timeout:300 ms$`,
    ).exec(out.message ?? '');
    assert.ok(m, out.message);
    assert.ok(Number(m[1]) >= 299 && Number(m[1]) < 1500, m[1]);
  });

  it('a slow but timely reply succeeds', async () => {
    rx.setBehaviour({ kind: 'slow', delayMs: 100 });
    const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts({ timeoutMs: 1000 }));
    assert.equal(out.ok, true);
    assert.ok(out.attempts[0].latencyMs >= 90);
  });

  it('a status other than 200 → Error status : <status>.', async () => {
    for (const status of [201, 204, 400, 500]) {
      rx.setBehaviour({ kind: 'status', status, body: status === 204 ? '' : '{"x":1}' });
      const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts());
      assert.deepEqual(
        [out.cause, out.message, out.attempts[0].status],
        ['status', `Error status : ${status}.`, status],
      );
    }
  });

  it('redirects are not followed', async () => {
    rx.setBehaviour({ kind: 'redirect', location: `${rx.url}/elsewhere` });
    const n = rx.requests.length;
    const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts());
    assert.deepEqual([out.cause, out.message], ['status', 'Error status : 302.']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rx.requests.length, n + 1);
  });

  it('a body that is not JSON → not valid json format', async () => {
    for (const body of ['OK', '', '{"a":']) {
      rx.setBehaviour({ kind: 'text', body });
      const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts());
      assert.deepEqual([out.cause, out.message], ['not-json', 'Response body is not valid json format.']);
      assert.equal(out.attempts[0].responseBody?.toString(), body);
    }
  });

  it('too large, no Content-Length, or lying length → too long content-length value', async () => {
    const msg = 'Error Status : 400.User server return too long content-length value';
    for (const b of [
      { kind: 'huge', bytes: 5000 },
      { kind: 'huge', bytes: 500, chunked: true },
      { kind: 'chunked' },
      { kind: 'lie', contentLength: 10_000_000, body: '{}' },
    ] as const) {
      rx.setBehaviour(b);
      const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts({ maxResponseBytes: 1000 }));
      assert.deepEqual([out.cause, out.message], ['too-large', msg], JSON.stringify(b));
    }
    rx.setBehaviour({ kind: 'huge', bytes: 900 });
    assert.equal((await deliverCallback([target(`${rx.url}/`)], 'a=1', opts({ maxResponseBytes: 1000 }))).ok, true);
  });

  it('a reset connection → -1 can not connect', async () => {
    rx.setBehaviour({ kind: 'reset' });
    const out = await deliverCallback([target(`${rx.url}/`)], 'a=1', opts());
    assert.deepEqual([out.cause, out.message], ['connect', MESSAGES.connect]);
  });

  it('tries URLs in order until one succeeds', async () => {
    const bad = await startCallbackReceiver({ kind: 'status', status: 500 });
    try {
      rx.setBehaviour({ kind: 'json', body: { from: 'third' } });
      const n = rx.requests.length;
      const dead = await closedPort();
      const out = await deliverCallback(
        [
          target(`127.0.0.1:${dead}/one`),
          target(`${bad.url}/two`),
          target(`${rx.url}/three?q=1`),
          target(`${bad.url}/four`),
        ],
        'a=1',
        opts(),
      );
      assert.equal(out.ok, true);
      assert.equal(out.body?.toString(), '{"from":"third"}');
      assert.deepEqual(
        out.attempts.map((a) => [a.ok, a.cause]),
        [
          [false, 'connect'],
          [false, 'status'],
          [true, undefined],
        ],
      );
      assert.equal(out.stringToSign, '/three?q=1\na=1');
      assert.equal(bad.requests.length, 1);
      assert.equal(rx.requests.length, n + 1);

      const fail = await deliverCallback(
        [target(`${rx.url.replace(String(rx.port), String(dead))}/`), target(`${bad.url}/`)],
        'a=1',
        opts(),
      );
      assert.deepEqual([fail.ok, fail.cause, fail.message], [false, 'status', 'Error status : 500.']);
    } finally {
      await bad.close();
    }
  });
});

describe('deliverCallback over https', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let available = true;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ossd-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      key = readFileSync(join(dir, 'key.pem'), 'utf8');
    } catch {
      available = false;
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the certificate and sends SNI only when asked', async (t) => {
    if (!available) return t.skip('openssl not available');
    const servernames: (string | false | null)[] = [];
    const server = createHttpsServer({ cert, key }, (req, res) => {
      servernames.push((req.socket as TLSSocket).servername);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const tgt = target(`https://localhost:${port}/cb`);
      const withSni = await deliverCallback([tgt], 'a=1', opts({ sni: true, ca: cert, timeoutMs: 2000 }));
      assert.equal(withSni.ok, true, withSni.message);
      const noSni = await deliverCallback([tgt], 'a=1', opts({ sni: false, ca: cert, timeoutMs: 2000 }));
      assert.equal(noSni.ok, true, noSni.message);
      assert.deepEqual(servernames, ['localhost', false]);
      const untrusted = await deliverCallback([tgt], 'a=1', opts({ timeoutMs: 2000 }));
      assert.deepEqual([untrusted.cause, untrusted.message], ['connect', MESSAGES.connect]);
      const wrongName = await deliverCallback(
        [target(`https://127.0.0.1:${port}/cb`)],
        'a=1',
        opts({ ca: cert, timeoutMs: 2000 }),
      );
      assert.equal(wrongName.cause, 'connect');
      assert.equal(servernames.length, 2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
