import assert from 'node:assert/strict';
import { createPublicKey, createSign, createVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { CALLBACK_KEY_FILE } from '../../src/callback/keys.js';
import { defaultConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { ali } from '../auth/ali-sign-utils.js';
import { startTestServer } from '../helpers/start-server.js';

const ID = 'obsRootKeyId0001';
const SECRET = 'obsRootSecret0000000000000042';
const REQUEST_ID = /^[0-9A-F]{24}$/;

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  op?: string;
  status?: number;
  bytesIn?: number;
  bytesOut?: number;
  ms?: number;
  method?: string;
  bucket?: string;
  key?: string;
}

describe('health, metrics, public key and request logs', () => {
  let dataDir: string;
  let server: RunningServer;
  let client: OSS;
  const raw: string[] = [];
  const lines = (): LogLine[] =>
    raw
      .join('')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  const requestLines = () => lines().filter((l) => l.msg === 'request');
  const secrets: string[] = [];

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossd-obs-'));
    const config = defaultConfig();
    config.address = '127.0.0.1:0';
    config.data = dataDir;
    config.rootAccessKeyId = ID;
    config.rootAccessKeySecret = SECRET;
    config.logLevel = 'debug';
    const logger = createLogger('debug', { write: (s: string) => raw.push(s) });
    server = await startServer(config, { logger });
    client = new OSS({
      endpoint: `http://localhost:${server.port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      bucket: 'obs',
    } as OSS.Options);
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('/-/health answers 200 JSON with each backend, its reachability and latency, and a request id', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/-/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const h = (await res.json()) as {
      status: string;
      metadata: { store: string; ok: boolean; ms: number };
      blobs: { store: string; ok: boolean; ms: number };
    };
    assert.equal(h.status, 'ok');
    assert.equal(h.metadata.store, `sqlite:${dataDir}`);
    assert.equal(h.blobs.store, `file:${dataDir}`);
    assert.ok(h.metadata.ok && h.blobs.ok);
    assert.ok(h.metadata.ms >= 0 && h.metadata.ms < 2000);
    assert.match(res.headers.get('x-oss-request-id') ?? '', REQUEST_ID);
  });

  it('/callback_pub_key_v1.pem serves the public half of the callback key', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/callback_pub_key_v1.pem`);
    assert.equal(res.status, 200);
    const pem = await res.text();
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/);
    assert.doesNotMatch(pem, /PRIVATE/);
    const publicKey = createPublicKey(pem);
    assert.equal(publicKey.asymmetricKeyType, 'rsa');
    // It verifies what the private key in the data directory signs.
    const privatePem = readFileSync(path.join(dataDir, CALLBACK_KEY_FILE), 'utf8');
    const sig = createSign('md5').update('x').sign(privatePem);
    assert.ok(createVerify('md5').update('x').verify(publicKey, sig));
  });

  it('a log line per request with reqId, op, status, bytes and ms; metrics by operation', async () => {
    await client.putBucket('obs');
    const body = Buffer.from('observable bytes');
    const put = await client.put('dir/o.txt', body);
    const putId = (put.res.headers as Record<string, string>)['x-oss-request-id'];
    await client.get('dir/o.txt');
    await assert.rejects(client.get('missing.txt'));
    await client.list({ 'max-keys': 10 }, {});

    const byId = requestLines().find((l) => l.reqId === putId);
    assert.ok(byId, `no log line for ${putId}`);
    assert.equal(byId.op, 'PutObject');
    assert.equal(byId.status, 200);
    assert.equal(byId.method, 'PUT');
    assert.equal(byId.bucket, 'obs');
    assert.equal(byId.key, 'dir/o.txt');
    assert.equal(byId.bytesIn, body.length);
    assert.equal(typeof byId.ms, 'number');
    const get = requestLines().find((l) => l.op === 'GetObject' && l.status === 200);
    assert.equal(get?.bytesOut, body.length);
    const missing = requestLines().find((l) => l.op === 'GetObject' && l.status === 404);
    assert.ok((missing?.bytesOut ?? 0) > 0);
    for (const l of requestLines()) {
      assert.match(l.reqId ?? '', REQUEST_ID);
      assert.equal(typeof l.op, 'string');
      assert.equal(typeof l.status, 'number');
      assert.equal(typeof l.ms, 'number');
      assert.equal(typeof l.bytesOut, 'number');
    }

    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/-/metrics`)).text();
    assert.match(metrics, /# TYPE ossd_requests_total counter/);
    assert.match(metrics, /ossd_requests_total\{operation="PutObject",status="200"\} 1\b/);
    assert.match(metrics, /ossd_requests_total\{operation="PutBucket",status="200"\} 1\b/);
    assert.match(metrics, /ossd_requests_total\{operation="GetObject",status="200"\} 1\b/);
    assert.match(metrics, /ossd_requests_total\{operation="GetObject",status="404"\} 1\b/);
    assert.match(metrics, /ossd_requests_total\{operation="ListObjects",status="200"\} 1\b/);
    assert.match(metrics, /ossd_request_duration_seconds_bucket\{le="[^"]+",operation="PutObject"\}/);
    assert.match(metrics, new RegExp(`ossd_request_bytes_total\\{operation="PutObject"\\} ${body.length}\\b`));
  });

  it('logs never contain the secret, a signature, a security token or the private key', async () => {
    // Requests that carry secrets and signatures in every place they can appear.
    const v4 = new OSS({
      endpoint: `http://localhost:${server.port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      bucket: 'obs',
      authorizationV4: true,
    } as OSS.Options);
    await v4.put('v4.txt', Buffer.from('v4'));
    const url = new URL(client.signatureUrl('dir/o.txt', { expires: 60 }));
    secrets.push(url.searchParams.get('Signature') ?? '');
    await (await fetch(url)).arrayBuffer();
    const v4url = new URL(await v4.signatureUrlV4('GET', 60, {}, 'v4.txt'));
    secrets.push(v4url.searchParams.get('x-oss-signature') ?? '');
    await (await fetch(v4url)).arrayBuffer();
    const wrong = new OSS({
      endpoint: `http://localhost:${server.port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: 'wrongSecretValue123',
      bucket: 'obs',
    } as OSS.Options);
    await assert.rejects(wrong.get('dir/o.txt'));
    const basic = Buffer.from(`${ID}:${SECRET}`).toString('base64');
    await (
      await fetch(`http://127.0.0.1:${server.port}/-/admin/callbacks`, { headers: { authorization: `Basic ${basic}` } })
    ).arrayBuffer();
    await (
      await fetch(`http://127.0.0.1:${server.port}/-/admin/callbacks`, {
        headers: { authorization: `Basic ${Buffer.from(`${ID}:nope`).toString('base64')}` },
      })
    ).arrayBuffer();
    // A header signature captured from a real request.
    const date = new Date().toUTCString();
    const authz = ali.authorization(
      ID,
      SECRET,
      ali.buildCanonicalString('GET', '/obs/', { headers: { 'x-oss-date': date } }),
    );
    secrets.push(authz.split(':')[1]);
    await (
      await fetch(`http://127.0.0.1:${server.port}/obs/`, { headers: { 'x-oss-date': date, authorization: authz } })
    ).arrayBuffer();

    const privatePem = readFileSync(path.join(dataDir, CALLBACK_KEY_FILE), 'utf8');
    const privateBody = privatePem.split('\n').filter((l) => l && !l.startsWith('-----'));
    const log = raw.join('');
    assert.ok(requestLines().length >= 10, 'requests were logged');
    assert.ok(!log.includes(SECRET), 'root secret leaked into the log');
    assert.ok(!log.includes(basic), 'Basic credentials leaked into the log');
    assert.ok(!log.includes('wrongSecretValue123'));
    for (const s of secrets) {
      assert.ok(s.length >= 20);
      assert.ok(!log.includes(s), `signature ${s} leaked into the log`);
      assert.ok(!log.includes(encodeURIComponent(s)), `signature ${s} leaked (url-encoded)`);
    }
    for (const l of privateBody) assert.ok(!log.includes(l), 'private key material leaked into the log');
    assert.ok(!/PRIVATE KEY/.test(log));
  });

  it('redaction covers secrets passed to the logger directly', () => {
    const out: string[] = [];
    const logger = createLogger('info', { write: (s: string) => out.push(s) });
    logger.info(
      {
        secret: SECRET,
        accessKeySecret: SECRET,
        key: { secret: SECRET, id: 'visible' },
        headers: { authorization: `OSS ${ID}:hdrSigValue`, 'x-oss-security-token': 'tok-123' },
        signature: 'sig-abc',
        privateKey: '-----BEGIN PRIVATE KEY-----',
      },
      'x',
    );
    const text = out.join('');
    assert.ok(text.includes('visible'));
    for (const s of [SECRET, 'hdrSigValue', 'tok-123', 'sig-abc', 'PRIVATE']) {
      assert.ok(!text.includes(s), `${s} not redacted: ${text}`);
    }
  });
});

describe('/-/health with a failing blob store', () => {
  it('reports degraded (200) with the blob store error while metadata answers', async () => {
    const server = await startTestServer();
    try {
      // The blob directory disappears (a lost mount): metadata answers, bytes do not.
      rmSync(path.join(server.dataDir, 'blobs'), { recursive: true, force: true });
      const res = await fetch(`http://127.0.0.1:${server.port}/-/health`);
      assert.equal(res.status, 200);
      const h = (await res.json()) as { status: string; blobs: { ok: boolean; error?: string } };
      assert.equal(h.status, 'degraded');
      assert.equal(h.blobs.ok, false);
      assert.match(h.blobs.error ?? '', /ENOENT/);
    } finally {
      await server.stop();
    }
  });
});
