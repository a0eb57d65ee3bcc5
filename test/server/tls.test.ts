import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

const REQUEST_ID = /^[0-9A-F]{24}$/;

describe('HTTPS with tlsCert/tlsKey', () => {
  let dir: string;
  let cert: Buffer;
  let server: TestServer;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-tls-'));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    cert = readFileSync(certFile);
    server = await startTestServer((c) => {
      c.tlsCert = certFile;
      c.tlsKey = keyFile;
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('advertises an https endpoint', () => {
    assert.equal(server.endpoint, `https://localhost:${server.port}`);
  });

  for (const v4 of [false, true]) {
    it(`ali-oss round-trips put/get/list over HTTPS (${v4 ? 'V4' : 'V1'})`, async () => {
      const client = new OSS({
        endpoint: `https://localhost:${server.port}`,
        secure: true,
        sldEnable: true,
        accessKeyId: ROOT_ID,
        accessKeySecret: ROOT_SECRET,
        bucket: 'tls',
        authorizationV4: v4,
        httpsAgent: new https.Agent({ ca: cert, keepAlive: false }),
      } as OSS.Options);
      if (!v4) await client.putBucket('tls');
      const body = Buffer.from(`over tls ${v4}`);
      const put = await client.put(`k-${v4}.txt`, body);
      assert.equal(put.res.status, 200);
      assert.match((put.res.headers as Record<string, string>)['x-oss-request-id'], REQUEST_ID);
      assert.deepEqual((await client.get(`k-${v4}.txt`)).content, body);
      const names = (await client.list({ 'max-keys': 10 }, {})).objects.map((o) => o.name);
      assert.ok(names.includes(`k-${v4}.txt`));
      // A presigned URL over HTTPS.
      const url = client.signatureUrl(`k-${v4}.txt`, { expires: 60 });
      assert.ok(url.startsWith(`https://localhost:${server.port}/tls/`));
      const text = await new Promise<string>((resolve, reject) => {
        https
          .get(url, { ca: cert, agent: false }, (res) => {
            let s = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              s += c;
            });
            res.on('end', () => resolve(s));
          })
          .on('error', reject);
      });
      assert.equal(text, body.toString());
    });
  }

  it('a stream put sending Content-Length and chunked together is accepted over HTTPS too', async () => {
    const client = new OSS({
      endpoint: `https://localhost:${server.port}`,
      secure: true,
      sldEnable: true,
      accessKeyId: ROOT_ID,
      accessKeySecret: ROOT_SECRET,
      bucket: 'tls',
      httpsAgent: new https.Agent({ ca: cert, keepAlive: true }),
    } as OSS.Options);
    await client.put('warm-up.txt', Buffer.from('first request on the kept-alive connection'));
    const body = Buffer.from('streamed over tls '.repeat(500));
    const put = await client.put('clte.txt', Readable.from([body]), {
      headers: { 'Content-Length': String(body.length) },
    });
    assert.equal(put.res.status, 200);
    assert.deepEqual((await client.get('clte.txt')).content, body);
  });

  it('refuses plain HTTP on the TLS port and untrusted clients fail the handshake', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/-/health`));
    await assert.rejects(
      new Promise((resolve, reject) => {
        https.get(`https://localhost:${server.port}/-/health`, { agent: false }, resolve).on('error', reject);
      }),
      (e: NodeJS.ErrnoException) => /self[- ]signed|unable to verify/i.test(`${e.code} ${e.message}`),
    );
  });
});
