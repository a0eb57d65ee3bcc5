/**
 * A request whose body is left unread by an error (size limit, bad digest, disk fault, rejected callback)
 * must not hang its keep-alive connection: a small rest is drained and the connection reused, a large or
 * chunked one is answered with `Connection: close`. Either way the next request on the same agent is
 * answered promptly.
 */
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

interface Reply {
  status: number;
  code: string;
  headers: http.IncomingHttpHeaders;
  localPort: number;
}

type Proto = { write: (...a: unknown[]) => Promise<unknown>; writev: (...a: unknown[]) => Promise<unknown> };

/** One signed request on `agent`; `body` as a Buffer (Content-Length) or chunks (chunked). Fails after 5 s. */
function send(
  server: TestServer,
  agent: http.Agent,
  method: string,
  resource: string,
  body?: Buffer | Buffer[],
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const framing: Record<string, string> = Buffer.isBuffer(body)
      ? { 'content-length': String(body.length) }
      : body
        ? { 'transfer-encoding': 'chunked' }
        : {};
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path: resource,
        agent,
        headers: { ...framing, ...signatureV1(method, resource, headers) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const code = /<Code>([^<]+)<\/Code>/.exec(Buffer.concat(chunks).toString())?.[1] ?? '';
          resolve({ status: res.statusCode ?? 0, code, headers: res.headers, localPort: req.socket?.localPort ?? 0 });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${resource}: no answer within 5 s`)));
    if (Array.isArray(body)) for (const c of body) req.write(c);
    req.end(Buffer.isBuffer(body) ? body : undefined);
  });
}

describe('a body left unread does not hang the connection', () => {
  let server: TestServer;
  let agent: http.Agent;
  let proto: Proto;
  let original: Proto;
  before(async () => {
    server = await startTestServer();
    await withBucket(server, 'unread');
    const fh = await open(path.join(server.dataDir, 'probe'), 'w');
    proto = Object.getPrototypeOf(fh) as Proto;
    await fh.close();
    original = { write: proto.write, writev: proto.writev };
  });
  afterEach(() => {
    Object.assign(proto, original);
    agent.destroy();
  });
  after(() => server.stop());

  /** The follow-up on the same agent: answered (404 for a key never written). */
  async function followUp(first: Reply, expectSameSocket: boolean): Promise<void> {
    const second = await send(server, agent, 'GET', '/unread/never-written');
    assert.equal(second.status, 404);
    assert.equal(second.code, 'NoSuchKey');
    if (expectSameSocket) {
      assert.notEqual(first.headers.connection, 'close');
      assert.equal(second.localPort, first.localPort, 'the drained connection was reused');
    } else {
      assert.equal(first.headers.connection, 'close');
    }
  }

  function injectEnospc(): void {
    const fail = () => Promise.reject(Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' }));
    Object.assign(proto, { write: fail, writev: fail });
  }

  for (const [size, drained] of [
    [3_000_000, true],
    [6_000_000, false],
  ] as const) {
    it(`disk full mid-body (${size} bytes): 507, then the next request is answered`, async () => {
      agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      injectEnospc();
      const first = await send(server, agent, 'PUT', '/unread/disk-full', Buffer.alloc(size, 1));
      Object.assign(proto, original);
      assert.equal(first.status, 507);
      assert.equal(first.code, 'InsufficientStorage');
      await followUp(first, drained);
    });
  }

  it('Content-MD5 mismatch on a 3 MB body: InvalidDigest, then the next request is answered', async () => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await send(server, agent, 'PUT', '/unread/bad-md5', Buffer.alloc(3_000_000, 2), {
      'content-md5': Buffer.alloc(16).toString('base64'),
    });
    assert.equal(first.status, 400);
    assert.equal(first.code, 'InvalidDigest');
    await followUp(first, true);
  });

  it('XML body over its limit by Content-Length: EntityTooLarge, drained, connection reused', async () => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await send(server, agent, 'PUT', '/unread/?cors', Buffer.alloc(1_000_000, 0x20));
    assert.equal(first.status, 400);
    assert.equal(first.code, 'EntityTooLarge');
    await followUp(first, true);
  });

  it('chunked XML body over its limit mid-body: EntityTooLarge, Connection: close, agent reconnects', async () => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 0x20));
    const first = await send(server, agent, 'PUT', '/unread/?cors', chunks);
    assert.equal(first.status, 400);
    assert.equal(first.code, 'EntityTooLarge');
    await followUp(first, false);
  });

  for (const [size, drained] of [
    [1_000_000, true],
    [6_000_000, false],
  ] as const) {
    it(`invalid x-oss-callback with a ${size}-byte body: rejected, then the next request is answered`, async () => {
      agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const first = await send(server, agent, 'PUT', '/unread/cb', Buffer.alloc(size, 3), {
        'x-oss-callback': 'not base64 !!',
      });
      assert.equal(first.status, 400);
      await followUp(first, drained);
    });
  }
});
