import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { type Config, defaultConfig, loadConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { ali } from '../auth/ali-sign-utils.js';

const ID = 'shutdownRootKey01';
const SECRET = 'shutdownRootSecret00000000001';

const dirs: string[] = [];
const running: RunningServer[] = [];

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ossd-shutdown-'));
  dirs.push(d);
  return d;
}

function configFor(data: string, creds = true): Config {
  const c = defaultConfig();
  c.address = '127.0.0.1:0';
  c.data = data;
  c.logLevel = 'silent';
  if (creds) {
    c.rootAccessKeyId = ID;
    c.rootAccessKeySecret = SECRET;
  }
  return c;
}

async function start(config: Config): Promise<RunningServer> {
  const s = await startServer(config, { logger: createLogger('silent') });
  running.push(s);
  return s;
}

function clientFor(s: RunningServer, id: string, secret: string, bucket?: string): OSS {
  return new OSS({
    endpoint: `http://localhost:${s.port}`,
    sldEnable: true,
    accessKeyId: id,
    accessKeySecret: secret,
    bucket,
    timeout: 10_000,
  } as OSS.Options);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

afterEach(async () => {
  while (running.length) await running.pop()?.close();
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  for (const keepAlive of [false, true]) {
    it(`a slow streaming PUT in flight completes with 200 after close() (keep-alive ${keepAlive})`, async () => {
      const data = tempDir();
      const s1 = await start(configFor(data));
      const owner = clientFor(s1, ID, SECRET, 'slow');
      await owner.putBucket('slow');
      await owner.put('warm.txt', Buffer.from('idle keep-alive sockets exist now'));

      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const chunks = 6;
      const date = new Date().toUTCString();
      const headers = {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(chunk.length * chunks),
        'x-oss-date': date,
      };
      const sts = ali.buildCanonicalString('PUT', '/slow/big.bin', { headers });
      const agent = new http.Agent({ keepAlive });
      const req = http.request({
        host: '127.0.0.1',
        port: s1.port,
        method: 'PUT',
        path: '/slow/big.bin',
        agent,
        headers: { ...headers, authorization: ali.authorization(ID, SECRET, sts) },
      });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
      req.write(chunk);
      req.write(chunk);
      await new Promise((r) => setTimeout(r, 100));

      const startedClosing = Date.now();
      const closed = s1.close();
      let closedYet = false;
      void closed.then(() => {
        closedYet = true;
      });
      await new Promise((r) => setTimeout(r, 150));
      // No new connections once closing, and close() waits for the upload.
      await assert.rejects(fetch(`http://127.0.0.1:${s1.port}/-/health`));
      assert.equal(closedYet, false, 'close() resolved before the in-flight upload finished');
      for (let i = 2; i < chunks; i++) {
        req.write(chunk);
        await new Promise((r) => setTimeout(r, 40));
      }
      req.end();
      const res = await withTimeout(response, 5000, 'the in-flight PUT');
      assert.equal(res.status, 200, res.body);
      await withTimeout(closed, 5000, 'close()');
      assert.ok(Date.now() - startedClosing < 5000);
      agent.destroy();

      const s2 = await start(configFor(data));
      const got = await clientFor(s2, ID, SECRET, 'slow').get('big.bin');
      assert.equal(got.content.length, chunk.length * chunks);
      assert.ok(got.content.every((b: number) => b === 0x61));
    });
  }
});

describe('root credentials', () => {
  it('generated once, persisted in the data directory and reused after a restart', async () => {
    const data = tempDir();
    const s1 = await start(configFor(data, false));
    assert.equal(s1.root.generated, true);
    assert.match(s1.root.accessKeyId, /^LTAI[0-9a-f]{20}$/);
    assert.ok(s1.root.accessKeySecret.length >= 24);
    const { accessKeyId, accessKeySecret } = s1.root;
    await clientFor(s1, accessKeyId, accessKeySecret, 'persist').putBucket('persist');
    await s1.close();

    const s2 = await start(configFor(data, false));
    assert.equal(s2.root.generated, false);
    assert.equal(s2.root.accessKeyId, accessKeyId);
    assert.equal(s2.root.accessKeySecret, accessKeySecret);
    const listed = (await clientFor(s2, accessKeyId, accessKeySecret).listBuckets({})) as unknown as {
      buckets?: { name: string }[];
    };
    const names = listed.buckets?.map((b) => b.name);
    assert.deepEqual(names, ['persist']);
  });

  it('OSSD_ROOT_ACCESS_KEY_ID/SECRET from the environment are honoured and win over a stored key', async () => {
    const data = tempDir();
    const env = { OSSD_ROOT_ACCESS_KEY_ID: 'envKeyId001', OSSD_ROOT_ACCESS_KEY_SECRET: 'envSecret0000000000000001' };
    const c1 = loadConfig({ data, address: '127.0.0.1:0', 'log-level': 'silent' }, env);
    assert.equal(c1.rootAccessKeyId, 'envKeyId001');
    const s1 = await start(c1);
    assert.deepEqual(
      { id: s1.root.accessKeyId, secret: s1.root.accessKeySecret, generated: s1.root.generated },
      { id: 'envKeyId001', secret: 'envSecret0000000000000001', generated: false },
    );
    await clientFor(s1, 'envKeyId001', 'envSecret0000000000000001', 'envb').putBucket('envb');
    await assert.rejects(
      clientFor(s1, 'envKeyId001', 'somethingElse', 'envb').list({ 'max-keys': 10 }, {}),
      (e: { code?: string }) => e.code === 'SignatureDoesNotMatch',
    );
    await s1.close();

    // A changed secret in the environment replaces the stored one.
    const c2 = loadConfig(
      { data, address: '127.0.0.1:0', 'log-level': 'silent' },
      { ...env, OSSD_ROOT_ACCESS_KEY_SECRET: 'rotatedSecret000000000000001' },
    );
    const s2 = await start(c2);
    const fresh = await clientFor(s2, 'envKeyId001', 'rotatedSecret000000000000001', 'envb').list(
      { 'max-keys': 10 },
      {},
    );
    assert.equal(fresh.res.status, 200);
    await assert.rejects(
      clientFor(s2, 'envKeyId001', 'envSecret0000000000000001', 'envb').list({ 'max-keys': 10 }, {}),
      (e: { code?: string }) => e.code === 'SignatureDoesNotMatch',
    );
    await s2.close();

    // Without env credentials the stored root key keeps working.
    const s3 = await start(configFor(data, false));
    assert.equal(s3.root.generated, false);
    assert.equal(s3.root.accessKeyId, 'envKeyId001');
  });
});
