/**
 * Kept-alive connections to the application (CallbackConnectionPool): reused after a successful
 * exchange, never after a failed one, and a connection the application closed under us costs a new
 * connection, not a failed callback.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ADDRESS_POLICY } from '../../src/callback/address-policy.js';
import { CallbackConnectionPool } from '../../src/callback/connection-pool.js';
import { type CallbackTarget, parseCallbackUrl } from '../../src/callback/parse.js';
import { deliverCallback, type SendOptions } from '../../src/callback/send.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });

interface Seen {
  remotePort: number;
  path: string;
}

/** An application server that records which client port each callback came from. */
async function app(
  handle: (path: string, res: import('node:http').ServerResponse, socket: Socket, index: number) => void,
): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ remotePort: req.socket.remotePort ?? 0, path: req.url ?? '' });
      handle(req.url ?? '', res, req.socket, seen.length - 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: import('node:http').ServerResponse, body = '{"ok":true}'): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

function target(url: string): CallbackTarget {
  const t = parseCallbackUrl(url);
  assert.ok(t, url);
  return t;
}

describe('callback connection reuse', () => {
  let pool: CallbackConnectionPool;
  const opts = (): SendOptions => ({
    bodyType: 'application/x-www-form-urlencoded',
    additionalHeaders: {},
    sni: false,
    privateKey,
    publicKeyUrl: 'http://127.0.0.1:9/k.pem',
    timeoutMs: 1000,
    maxResponseBytes: 1024 * 1024,
    policy: DEFAULT_ADDRESS_POLICY,
    pool,
  });
  before(() => {
    pool = new CallbackConnectionPool();
  });
  after(() => pool.close());

  it('reuses the connection after a successful callback, and sends no Connection: close', async () => {
    const a = await app((_p, res) => json(res));
    const headers: (string | undefined)[] = [];
    a.server.on('request', (req) => headers.push(req.headers.connection));
    try {
      for (let i = 0; i < 3; i++) {
        const out = await deliverCallback([target(`${a.url}/cb${i}`)], 'a=1', opts());
        assert.equal(out.ok, true, out.message);
      }
      assert.equal(a.seen.length, 3);
      assert.equal(new Set(a.seen.map((s) => s.remotePort)).size, 1, 'one connection served all three');
      assert.ok(!headers.includes('close'));
    } finally {
      a.server.close();
      a.server.closeAllConnections();
    }
  });

  it('never reuses a connection after a failed exchange', async () => {
    const a = await app((_p, res, _s, i) => (i === 0 ? res.writeHead(500, { 'content-length': 0 }).end() : json(res)));
    try {
      const first = await deliverCallback([target(`${a.url}/x`)], 'a=1', opts());
      assert.equal(first.cause, 'status');
      const second = await deliverCallback([target(`${a.url}/y`)], 'a=1', opts());
      assert.equal(second.ok, true);
      assert.notEqual(a.seen[0].remotePort, a.seen[1].remotePort);
    } finally {
      a.server.close();
      a.server.closeAllConnections();
    }
  });

  it('a kept connection the application drops unannounced costs a new connection, not a 203', async () => {
    // Answers one request per connection, then silently destroys the socket when the next one arrives on it:
    // the race between an application closing an idle connection and ossd reusing it.
    const served = new WeakSet<Socket>();
    const a = await app((_p, res) => json(res));
    a.server.removeAllListeners('request');
    a.server.on('request', (req, res) => {
      if (served.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      req.resume();
      req.on('end', () => {
        a.seen.push({ remotePort: req.socket.remotePort ?? 0, path: req.url ?? '' });
        json(res);
      });
    });
    try {
      for (let i = 0; i < 3; i++) {
        const out = await deliverCallback([target(`${a.url}/s${i}`)], 'a=1', opts());
        assert.equal(out.ok, true, out.message);
        assert.equal(out.attempts.length, 1, 'one attempt as far as the record goes');
      }
      assert.deepEqual(
        a.seen.map((s) => s.path),
        ['/s0', '/s1', '/s2'],
      );
      assert.equal(new Set(a.seen.map((s) => s.remotePort)).size, 3);
    } finally {
      a.server.close();
      a.server.closeAllConnections();
    }
  });

  it('a timed-out callback destroys its connection (a hanging application keeps no socket)', async () => {
    const open = new Set<Socket>();
    const a = await app(() => {}); // never answers
    a.server.on('connection', (s: Socket) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    try {
      const out = await deliverCallback([target(`${a.url}/hang`)], 'a=1', { ...opts(), timeoutMs: 200 });
      assert.equal(out.cause, 'timeout');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(open.size, 0, 'the application sees the connection closed');
    } finally {
      a.server.close();
      a.server.closeAllConnections();
    }
  });
});
