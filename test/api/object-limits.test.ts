import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { host: `localhost:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (body === undefined) req.flushHeaders();
    req.end(body);
  });
}

describe('PutObject limits and unsupported operations', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'limits');
  });
  after(() => server.stop());

  it('refuses a declared size over 5 GB with EntityTooLarge before reading the body', async () => {
    const headers = signatureV1('PUT', '/limits/huge.bin', {
      'content-type': 'application/octet-stream',
      'content-length': String(5 * 1024 ** 3 + 1),
    });
    const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'PUT',
          path: '/limits/huge.bin',
          headers: { host: `localhost:${server.port}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() });
          });
        },
      );
      req.on('error', (e) => (String(e).includes('ECONNRESET') || String(e).includes('EPIPE') ? undefined : reject(e)));
      req.write(Buffer.alloc(1024));
    });
    assert.equal(r.status, 400);
    assert.match(r.text, /<Code>EntityTooLarge<\/Code>/);
    await assert.rejects(client.head('huge.bin'), (e: { status: number }) => e.status === 404);
  });

  it('accepts 8 KB of user metadata and refuses more', async () => {
    const fits = { a: 'x'.repeat(8 * 1024 - 1) };
    await client.put('meta-ok.txt', Buffer.from('m'), { meta: fits } as unknown as OSS.PutObjectOptions);
    assert.equal(String((await client.head('meta-ok.txt')).meta.a).length, 8 * 1024 - 1);
    await assert.rejects(
      client.put('meta-big.txt', Buffer.from('m'), {
        meta: { a: 'x'.repeat(8 * 1024), b: 'y' },
      } as unknown as OSS.PutObjectOptions),
      (e: { code: string; status: number }) => e.code === 'InvalidArgument' && e.status === 400,
    );
    await assert.rejects(client.head('meta-big.txt'), (e: { status: number }) => e.status === 404);
  });

  it('answers NotImplemented for unsupported sub-resources and MethodNotAllowed for wrong methods', async () => {
    const unsupported = await send(
      server.port,
      'GET',
      '/limits/?inventory',
      signatureV1('GET', '/limits/?inventory', {}),
    );
    assert.equal(unsupported.status, 501);
    assert.match(unsupported.text, /<Code>NotImplemented<\/Code>/);
    const patch = await send(server.port, 'PATCH', '/limits/k', signatureV1('PATCH', '/limits/k', {}));
    assert.equal(patch.status, 405);
    assert.match(patch.text, /<Code>MethodNotAllowed<\/Code>/);
    assert.match(patch.text, /<Method>PATCH<\/Method>/);
  });
});
