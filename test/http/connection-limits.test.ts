/**
 * Connection-level limits: a request body that stops arriving gets 400 RequestTimeout and its connection
 * closed (--body-idle-timeout-ms); connections beyond --max-connections are closed at once; and the
 * response Date is stamped when the response is sent, never before the object's Last-Modified.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

function blobFiles(dataDir: string): number {
  const root = path.join(dataDir, 'blobs');
  if (!existsSync(root)) return 0;
  return readdirSync(root).reduce((n, d) => n + readdirSync(path.join(root, d)).length, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection: everything the server sent until it closed (or `waitMs` passed), and whether it closed. */
function rawExchange(
  port: number,
  payload: string | Buffer,
  waitMs: number,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    sock.write(payload);
  });
}

function headerLines(h: Record<string, string>): string {
  return Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
}

describe('body idle timeout', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((c) => {
      c.bodyIdleTimeoutMs = 400;
    });
    await withBucket(server, 'idle');
  });
  after(() => server.stop());

  it('a PUT declaring 1,000,000 bytes that sends 10 and idles: 400 RequestTimeout, connection closed', async () => {
    const h = signatureV1('PUT', '/idle/stalled', {});
    const head = `PUT /idle/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n${headerLines(h)}\r\n`;
    const { text, closed } = await rawExchange(server.port, `${head}0123456789`, 10_000);
    assert.ok(closed, 'the server closed the connection');
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /<Code>RequestTimeout<\/Code>/);
    assert.match(text, /connection: close/i);
    assert.equal(
      (await server.client({ bucket: 'idle' }).list({ prefix: 'stalled', 'max-keys': 10 }, {})).objects?.length ?? 0,
      0,
    );
    // The abandoned upload ends too: its partial blob file is removed.
    let left = blobFiles(server.dataDir);
    for (let i = 0; i < 40 && left > 0; i++) {
      await sleep(50);
      left = blobFiles(server.dataDir);
    }
    assert.equal(left, 0, 'no partial blob is left behind');
  });

  it('a body that keeps arriving slowly (longer in total than the timeout) is stored', async () => {
    const body = Buffer.alloc(12, 7);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'PUT',
          path: '/idle/trickle',
          headers: { 'content-length': String(body.length), ...signatureV1('PUT', '/idle/trickle', {}) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      (async () => {
        for (let i = 0; i < body.length; i++) {
          req.write(body.subarray(i, i + 1));
          await sleep(100);
        }
        req.end();
      })().catch(reject);
    });
    assert.equal(status, 200);
    const got = await server.client({ bucket: 'idle' }).get('trickle');
    assert.deepEqual(got.content, body);
  });
});

describe('--max-connections', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((c) => {
      c.maxConnections = 2;
    });
  });
  after(() => server.stop());

  function connectAndAsk(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(server.port, '127.0.0.1');
      sock.once('data', () => resolve(sock));
      sock.once('error', reject);
      sock.once('close', () => reject(new Error('closed')));
      sock.write('GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
  }

  it('a connection beyond the cap is closed without an answer; one is accepted again after another closes', async () => {
    const held = [await connectAndAsk(), await connectAndAsk()];
    const third = await rawExchange(server.port, 'GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 5000);
    assert.ok(third.closed, 'the third connection was closed');
    assert.equal(third.text, '', 'and got no answer');
    held[0].destroy();
    let accepted: net.Socket | undefined;
    for (let i = 0; i < 50 && !accepted; i++) {
      accepted = await connectAndAsk().catch(() => undefined);
      if (!accepted) await sleep(50);
    }
    assert.ok(accepted, 'a new connection is accepted once one closed');
    accepted.destroy();
    held[1].destroy();
  });
});

describe('Date header', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await withBucket(server, 'dated');
  });
  after(() => server.stop());

  it('a PUT whose body takes more than a second: response Date ≥ the object Last-Modified', async () => {
    const body = Buffer.from('first half, second half');
    const date = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'PUT',
          path: '/dated/slow',
          headers: { 'content-length': String(body.length), ...signatureV1('PUT', '/dated/slow', {}) },
        },
        (res) => {
          res.resume();
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          resolve(String(res.headers.date));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 10));
      setTimeout(() => req.end(body.subarray(10)), 1300);
    });
    const head = await server.client({ bucket: 'dated' }).head('slow');
    const lastModified = Date.parse(String((head.res.headers as Record<string, string>)['last-modified']));
    assert.ok(Number.isFinite(lastModified));
    assert.ok(Date.parse(date) >= lastModified, `Date ${date} is not earlier than Last-Modified`);
    assert.match(date, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });
});
