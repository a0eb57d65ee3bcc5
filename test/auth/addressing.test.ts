import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';
import { ali } from './ali-sign-utils.js';
import { REQUEST_ID, rawRequest } from './raw-request.js';

const BUCKET = 'addr';
const KEY = 'dir/a b+c 中.txt';

/** Resolves every host name to 127.0.0.1, so `<bucket>.localhost` and vhost domains reach the test server. */
const loopbackLookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
  if (opts?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

function headersOf(r: { res: unknown }): Record<string, string> {
  return (r.res as { headers: Record<string, string> }).headers;
}

function client(options: Record<string, unknown>): OSS {
  return new OSS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, bucket: BUCKET, ...options } as OSS.Options);
}

/** Put, get, head, list, delete one object and list buckets, checking request ids on the way. */
async function roundTrip(c: OSS, key: string, label: string): Promise<void> {
  const body = Buffer.from(`${label}: ${key}`);
  const put = await c.put(key, body, { headers: { 'x-oss-meta-author': 'me' } });
  assert.equal(put.res.status, 200, label);
  assert.match(headersOf(put)['x-oss-request-id'], REQUEST_ID);
  const got = await c.get(key);
  assert.deepEqual(got.content, body, label);
  const head = await c.head(key);
  assert.equal((head.meta as Record<string, string>).author, 'me', label);
  const listed = await c.list({ prefix: key.slice(0, 3), 'max-keys': 100 }, {});
  assert.ok(
    listed.objects.some((o) => o.name === key),
    `${label}: listed ${listed.objects.map((o) => o.name)}`,
  );
  // @types/ali-oss says Bucket[]; the client resolves { buckets, ... }.
  const buckets = (await c.listBuckets({})) as unknown as { buckets?: { name: string }[] };
  assert.ok(
    (buckets.buckets ?? []).some((b) => b.name === BUCKET),
    label,
  );
  const del = await c.delete(key);
  assert.equal(del.res.status, 204, label);
  await assert.rejects(c.head(key), (e: { code?: string; status?: number }) => e.status === 404, label);
}

describe('addressing modes with the real ali-oss client', () => {
  let server: TestServer;
  let base: string;
  let pathStyle: OSS;
  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
    pathStyle = client({ endpoint: base, sldEnable: true });
    await pathStyle.putBucket(BUCKET);
  });
  after(() => server.stop());

  for (const v4 of [false, true]) {
    const sig = v4 ? 'V4' : 'V1';
    it(`path style (endpoint http://localhost:PORT, sldEnable) ${sig}`, async () => {
      await roundTrip(client({ endpoint: base, sldEnable: true, authorizationV4: v4 }), KEY, `path ${sig}`);
    });

    it(`IP endpoint with the forged Host <bucket>.oss-cn-hangzhou.aliyuncs.com ${sig}`, async () => {
      await roundTrip(client({ endpoint: `http://127.0.0.1:${server.port}`, authorizationV4: v4 }), KEY, `ip ${sig}`);
    });

    it(`IP endpoint + sldEnable (ambiguous Host and path) ${sig}, incl. a key starting with the bucket name`, async () => {
      const c = client({ endpoint: `http://127.0.0.1:${server.port}`, sldEnable: true, authorizationV4: v4 });
      await roundTrip(c, KEY, `ip+sld ${sig}`);
      // Path /addr/addr/inner.txt: the vhost reading would be key "addr/addr/inner.txt".
      await c.put(`${BUCKET}/inner.txt`, Buffer.from('inner'));
      const names = (await pathStyle.list({ prefix: BUCKET, 'max-keys': 10 }, {})).objects.map((o) => o.name);
      assert.deepEqual(names, [`${BUCKET}/inner.txt`]);
      assert.equal((await c.get(`${BUCKET}/inner.txt`)).content.toString(), 'inner');
      await c.delete(`${BUCKET}/inner.txt`);
    });

    it(`virtual-hosted <bucket>.localhost:PORT with the real client (default options) ${sig}`, async () => {
      const agent = new http.Agent({ keepAlive: false, lookup: loopbackLookup } as http.AgentOptions);
      const c = client({ endpoint: base, authorizationV4: v4, agent });
      await roundTrip(c, KEY, `vhost ${sig}`);
    });
  }

  it('virtual-hosted via a raw request with Host: <bucket>.localhost:PORT', async () => {
    const date = new Date().toUTCString();
    const resource = `/${BUCKET}/${KEY}`;
    const headers = { 'Content-Type': 'text/plain', 'x-oss-date': date };
    const sts = ali.buildCanonicalString('PUT', resource, { headers });
    const put = await rawRequest(server.port, {
      method: 'PUT',
      path: `/${encodeURIComponent(KEY).replace(/%2F/g, '/')}`,
      headers: {
        ...headers,
        host: `${BUCKET}.localhost:${server.port}`,
        authorization: ali.authorization(ROOT_ID, ROOT_SECRET, sts),
      },
      body: 'raw vhost',
    });
    assert.equal(put.status, 200, put.text);
    assert.match(String(put.headers['x-oss-request-id']), REQUEST_ID);
    assert.equal((await pathStyle.get(KEY)).content.toString(), 'raw vhost');
    // A presigned URL the client builds in vhost mode, sent to 127.0.0.1 with its Host.
    const url = new URL(client({ endpoint: base }).signatureUrl(KEY, { expires: 60 }));
    assert.equal(url.host, `${BUCKET}.localhost:${server.port}`);
    const got = await rawRequest(server.port, { path: url.pathname + url.search, headers: { host: url.host } });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.text, 'raw vhost');
    await pathStyle.delete(KEY);
  });

  it('signatureUrl: GET, PUT with Content-Type, response-* overrides', async () => {
    const putUrl = pathStyle.signatureUrl(KEY, { method: 'PUT', 'Content-Type': 'text/plain', expires: 60 });
    const put = await fetch(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'presigned' });
    assert.equal(put.status, 200, await put.text());
    assert.match(put.headers.get('x-oss-request-id') ?? '', REQUEST_ID);
    // The Content-Type is part of the signature: another one does not verify.
    const wrongType = await fetch(putUrl, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'x' });
    assert.equal(wrongType.status, 403);
    assert.match(await wrongType.text(), /<Code>SignatureDoesNotMatch<\/Code>/);

    const get = await fetch(pathStyle.signatureUrl(KEY, { expires: 60 }));
    assert.equal(get.status, 200);
    assert.equal(await get.text(), 'presigned');

    const withResponse = await fetch(
      pathStyle.signatureUrl(KEY, {
        expires: 60,
        response: { 'content-disposition': 'attachment; filename="a b.txt"', 'content-type': 'application/x-test' },
      }),
    );
    assert.equal(withResponse.status, 200, await withResponse.clone().text());
    assert.equal(withResponse.headers.get('content-disposition'), 'attachment; filename="a b.txt"');
    assert.equal(withResponse.headers.get('content-type'), 'application/x-test');
    await withResponse.arrayBuffer();

    // A signed response-* value cannot be swapped.
    const tampered = new URL(pathStyle.signatureUrl(KEY, { expires: 60, response: { 'content-type': 'text/a' } }));
    tampered.searchParams.set('response-content-type', 'text/b');
    assert.equal((await fetch(tampered)).status, 403);
  });

  it('signatureUrlV4: GET and PUT, path style and vhost', async () => {
    const c = client({ endpoint: base, sldEnable: true, authorizationV4: true });
    const putUrl = await c.signatureUrlV4('PUT', 60, { headers: { 'Content-Type': 'text/plain' } }, KEY);
    assert.match(putUrl, /x-oss-signature-version=OSS4-HMAC-SHA256/);
    const put = await fetch(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'v4 presigned' });
    assert.equal(put.status, 200, await put.text());
    const getUrl = await c.signatureUrlV4('GET', 60, { queries: { 'response-content-disposition': 'inline' } }, KEY);
    const get = await fetch(getUrl);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-disposition'), 'inline');
    assert.equal(await get.text(), 'v4 presigned');

    const vhostUrl = new URL(
      await client({ endpoint: base, authorizationV4: true }).signatureUrlV4('GET', 60, {}, KEY),
    );
    assert.equal(vhostUrl.host, `${BUCKET}.localhost:${server.port}`);
    const got = await rawRequest(server.port, {
      path: vhostUrl.pathname + vhostUrl.search,
      headers: { host: vhostUrl.host },
    });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.text, 'v4 presigned');
    await c.delete(KEY);
  });
});

describe('--vhost-domain and the advertised endpoint', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((c) => {
      c.vhostDomains = ['oss.example.test'];
      c.publicEndpoint = 'http://ossd.internal.test:18080';
    });
    await server.client({ bucket: BUCKET }).putBucket(BUCKET);
  });
  after(() => server.stop());

  const agent = () => new http.Agent({ keepAlive: false, lookup: loopbackLookup } as http.AgentOptions);

  it('<bucket>.<configured domain> is virtual-hosted for the real client', async () => {
    const c = client({ endpoint: `http://oss.example.test:${server.port}`, agent: agent() });
    await roundTrip(c, KEY, 'vhost-domain');
  });

  it('<bucket>.<public endpoint host> is virtual-hosted too', async () => {
    const c = client({ endpoint: `http://ossd.internal.test:${server.port}`, agent: agent(), authorizationV4: true });
    await roundTrip(c, KEY, 'public-endpoint');
  });

  it('a raw vhost request on the configured domain reaches the bucket', async () => {
    await server.client({ bucket: BUCKET }).put('x.txt', Buffer.from('x'));
    const url = new URL(client({ endpoint: `http://oss.example.test:${server.port}` }).signatureUrl('x.txt'));
    assert.equal(url.hostname, `${BUCKET}.oss.example.test`);
    const r = await new Promise<IncomingMessage>((resolve, reject) =>
      http
        .get(
          { host: '127.0.0.1', port: server.port, path: url.pathname + url.search, headers: { host: url.host } },
          resolve,
        )
        .on('error', reject),
    );
    assert.equal(r.statusCode, 200);
    r.resume();
  });
});
