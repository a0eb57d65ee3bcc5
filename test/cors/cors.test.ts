import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { buildForm, hdrs, policyOf, postForm, v1Fields, xmlText } from '../post-object/post-helpers.js';

const BUCKET = 'cors-bucket';
const ORIGIN = 'http://app.example.com';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ALWAYS = [
  'ETag',
  'x-oss-request-id',
  'x-oss-hash-crc64ecma',
  'x-oss-next-append-position',
  'x-oss-symlink-target',
];

function exposed(r: Reply): string[] {
  return String(r.headers['access-control-expose-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
}

describe('Bucket CORS: configuration, preflight and headers on real responses', () => {
  let server: TestServer;
  let client: OSS;
  let port: number;
  const preflight = (path: string, headers: Record<string, string>) => request(port, 'OPTIONS', path, headers);

  before(async () => {
    server = await startTestServer();
    port = server.port;
    client = await withBucket(server, BUCKET);
    await client.put('obj.txt', Buffer.from('cors object'));
  });
  after(async () => {
    await server.stop();
  });

  it('round trip with ali-oss: none → 404 NoSuchCORSConfiguration, put, get, delete → 204', async () => {
    await assert.rejects(client.getBucketCORS(BUCKET), { status: 404, code: 'NoSuchCORSConfiguration' });
    await client.putBucketCORS(BUCKET, [
      {
        allowedOrigin: ['http://*.example.com', 'https://static.example.org'],
        allowedMethod: ['GET', 'PUT', 'POST', 'HEAD'],
        allowedHeader: '*',
        exposeHeader: ['x-oss-meta-owner', 'Content-Length'],
        maxAgeSeconds: '600',
      },
      { allowedOrigin: '*', allowedMethod: 'GET', allowedHeader: ['authorization', 'x-oss-*'] },
    ]);
    const got = await client.getBucketCORS(BUCKET);
    assert.equal(got.res.status, 200);
    assert.deepEqual(got.rules, [
      {
        allowedOrigin: ['http://*.example.com', 'https://static.example.org'],
        allowedMethod: ['GET', 'PUT', 'POST', 'HEAD'],
        allowedHeader: '*',
        exposeHeader: ['x-oss-meta-owner', 'Content-Length'],
        maxAgeSeconds: '600',
      },
      { allowedOrigin: '*', allowedMethod: 'GET', allowedHeader: ['authorization', 'x-oss-*'] },
    ]);
    const del = await client.deleteBucketCORS(BUCKET);
    assert.equal((del as unknown as { res: { status: number } }).res.status, 204);
    await assert.rejects(client.getBucketCORS(BUCKET), { status: 404, code: 'NoSuchCORSConfiguration' });
  });

  it('refuses more than 10 rules, bad methods, and non-owners', async () => {
    const rule = { allowedOrigin: '*', allowedMethod: 'GET' };
    await assert.rejects(
      client.putBucketCORS(
        BUCKET,
        Array.from({ length: 11 }, () => rule),
      ),
      {
        status: 400,
        code: 'InvalidArgument',
      },
    );
    await assert.rejects(client.putBucketCORS(BUCKET, [{ allowedOrigin: '*', allowedMethod: 'PATCH' }]), {
      status: 400,
      code: 'InvalidArgument',
    });
    const meta = server.services.meta;
    await meta.ensureAccount('acct-cors', 'other');
    await meta.putAccessKey({ id: 'CorsOther01', secret: 'corsOtherSecret', accountId: 'acct-cors', createdAt: 0 });
    const other = server.client({ accessKeyId: 'CorsOther01', accessKeySecret: 'corsOtherSecret' });
    await assert.rejects(other.putBucketCORS(BUCKET, [rule]), { status: 403, code: 'AccessDenied' });
    await assert.rejects(other.getBucketCORS(BUCKET), { status: 403, code: 'AccessDenied' });
  });

  it('preflight with no rules → 403 AccessForbidden (OSS XML error)', async () => {
    const r = await preflight(`/${BUCKET}/obj.txt`, { origin: ORIGIN, 'access-control-request-method': 'GET' });
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.text, 'Code'), 'AccessForbidden');
    assert.match(xmlText(r.text, 'Message') ?? '', /^CORSResponse: /);
    assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });

  describe('with rules', () => {
    before(async () => {
      await client.putBucketCORS(BUCKET, [
        {
          allowedOrigin: 'http://*.example.com',
          allowedMethod: ['GET', 'PUT', 'POST', 'HEAD', 'DELETE'],
          allowedHeader: '*',
          exposeHeader: 'x-oss-meta-owner',
          maxAgeSeconds: '300',
        },
        {
          allowedOrigin: 'https://strict.example.org',
          allowedMethod: 'GET',
          allowedHeader: ['authorization', 'x-oss-*'],
        },
      ]);
    });

    it('preflight allowed: echoes origin, methods, requested headers, expose headers, max age', async () => {
      const r = await preflight(`/${BUCKET}/obj.txt`, {
        origin: ORIGIN,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, x-oss-date, content-type, x-oss-meta-owner',
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
      assert.equal(r.headers['access-control-allow-methods'], 'GET, PUT, POST, HEAD, DELETE');
      assert.equal(
        r.headers['access-control-allow-headers'],
        'authorization, x-oss-date, content-type, x-oss-meta-owner',
      );
      assert.deepEqual(exposed(r), [...ALWAYS, 'x-oss-meta-owner']);
      assert.equal(r.headers['access-control-max-age'], '300');
    });

    it('preflight for PostObject (bucket root, path style and virtual-hosted)', async () => {
      const headers = {
        origin: 'http://upload.example.com',
        'access-control-request-method': 'POST',
      };
      const path = await preflight(`/${BUCKET}/`, headers);
      assert.equal(path.status, 200, path.text);
      assert.equal(path.headers['access-control-allow-origin'], 'http://upload.example.com');
      const vhost = await preflight('/', { ...headers, host: `${BUCKET}.localhost:${port}` });
      assert.equal(vhost.status, 200, vhost.text);
      assert.equal(vhost.headers['access-control-allow-origin'], 'http://upload.example.com');
    });

    it('preflight denied: unknown origin, method, or a header the rule does not allow', async () => {
      const cases: Record<string, string>[] = [
        { origin: 'http://evil.test', 'access-control-request-method': 'GET' },
        { origin: 'https://example.com', 'access-control-request-method': 'GET' },
        { origin: 'https://strict.example.org', 'access-control-request-method': 'PUT' },
        {
          origin: 'https://strict.example.org',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, content-type',
        },
        { origin: ORIGIN },
      ];
      for (const headers of cases) {
        const r = await preflight(`/${BUCKET}/obj.txt`, headers);
        assert.equal(r.status, 403, JSON.stringify(headers));
        assert.equal(xmlText(r.text, 'Code'), 'AccessForbidden');
        assert.equal(r.headers['access-control-allow-origin'], undefined);
      }
      const strict = await preflight(`/${BUCKET}/obj.txt`, {
        origin: 'https://strict.example.org',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'Authorization, x-oss-date',
      });
      assert.equal(strict.status, 200, strict.text);
    });

    it('real responses carry Access-Control-Allow-Origin, Expose-Headers and Vary for a matching origin', async () => {
      const url = client.signatureUrl('obj.txt', { expires: 600 });
      const { pathname, search } = new URL(url);
      const r = await request(port, 'GET', pathname + search, { origin: ORIGIN });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, 'cors object');
      assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
      assert.deepEqual(exposed(r), [...ALWAYS, 'x-oss-meta-owner']);
      assert.match(String(r.headers.vary), /Origin/);
      // ali-oss with a custom Origin header (as a browser would send).
      const head = await client.head('obj.txt', { headers: { Origin: ORIGIN } } as OSS.HeadObjectOptions);
      assert.equal(hdrs(head)['access-control-allow-origin'], ORIGIN);
    });

    it('error responses carry them too; an unmatched origin gets none', async () => {
      const missing = await request(port, 'GET', `/${BUCKET}/no-such-object`, { origin: ORIGIN });
      assert.equal(missing.status, 403); // anonymous GET on a private bucket
      assert.equal(missing.headers['access-control-allow-origin'], ORIGIN);
      assert.ok(exposed(missing).includes('x-oss-request-id'));
      const evil = await request(port, 'GET', `/${BUCKET}/obj.txt`, { origin: 'http://evil.test' });
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      // The strict rule allows GET only.
      const put = await request(port, 'PUT', `/${BUCKET}/x.txt`, { origin: 'https://strict.example.org' }, 'x');
      assert.equal(put.headers['access-control-allow-origin'], undefined);
    });

    it('PostObject responses (success and failure) carry the CORS headers', async () => {
      const fields = v1Fields(client, policyOf([]));
      const ok = await postForm(port, buildForm([['key', 'cors-post.txt'], ...fields], { data: 'p' }), {
        path: `/${BUCKET}/`,
        headers: { origin: ORIGIN },
      });
      assert.equal(ok.status, 204, ok.text);
      assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
      assert.ok(String(ok.headers['access-control-expose-headers']).includes('ETag'));
      const denied = await postForm(port, buildForm([['key', 'cors-post.txt']], { data: 'p' }), {
        path: '/',
        host: `${BUCKET}.localhost:${port}`,
        headers: { origin: ORIGIN },
      });
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.headers['access-control-allow-origin'], ORIGIN);
    });
  });
});
