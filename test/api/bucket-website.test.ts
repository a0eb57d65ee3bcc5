import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { rejectsWith } from '../helpers/oss-assert.js';
import { rawBucketRequest } from '../helpers/raw-bucket-request.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

interface WebsiteConfigIn {
  index?: string;
  supportSubDir?: string;
  type?: string;
  error?: string;
  routingRules?: unknown[];
}

/** ali-oss 6.23 has these at runtime; @types/ali-oss does not declare them all. */
interface WebsiteClient {
  putBucketWebsite(name: string, config: WebsiteConfigIn): Promise<{ res: OSS.NormalSuccessResponse }>;
  getBucketWebsite(name: string): Promise<{
    index: string;
    supportSubDir: string;
    type?: string;
    error: string | null;
    routingRules: unknown[];
    res: OSS.NormalSuccessResponse;
  }>;
  deleteBucketWebsite(name: string): Promise<{ res: OSS.NormalSuccessResponse }>;
}

function websiteXml(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><WebsiteConfiguration>${inner}</WebsiteConfiguration>`;
}

describe('static website (ali-oss + anonymous fetch)', () => {
  let server: TestServer;
  let client: OSS;
  let site: WebsiteClient;
  const b = 'site-bucket';
  const get = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${server.port}/${b}${path}`, { redirect: 'manual', ...init });
  /** fetch() cannot set Host: a virtual-hosted request through node:http. */
  const getVhost = (path: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: () => Promise<string>; body?: undefined }>(
      (resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port: server.port, path, headers: { host: `${b}.localhost` } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const body = Buffer.concat(chunks).toString();
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: async () => body,
              });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
      },
    );

  before(async () => {
    server = await startTestServer();
    client = server.client({ bucket: b });
    site = client as unknown as WebsiteClient;
    await client.putBucket(b);
    await client.putBucketACL(b, 'public-read');
    await client.put('index.html', Buffer.from('root index'), { headers: { 'Content-Type': 'text/html' } });
    await client.put('docs/index.html', Buffer.from('docs index'));
    await client.put('docs/page.html', Buffer.from('a page'));
    await client.put('error.html', Buffer.from('not here'));
    await client.put('private/index.html', Buffer.from('secret'), { headers: { 'x-oss-object-acl': 'private' } });
  });
  after(() => server.stop());

  it('without a configuration: GetBucketWebsite is NoSuchWebsiteConfiguration and / lists', async () => {
    await rejectsWith(site.getBucketWebsite(b), 'NoSuchWebsiteConfiguration', 404);
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.match(await r.text(), /<ListBucketResult>/);
  });

  it('put, get and delete round-trip, RoutingRules kept as sent', async () => {
    const routingRules = [
      {
        RuleNumber: '1',
        Condition: { KeyPrefixEquals: 'abc/', HttpErrorCodeReturnedEquals: '404' },
        Redirect: { RedirectType: 'Mirror', MirrorURL: 'http://www.test.com/', MirrorHeaders: { Pass: ['a', 'b'] } },
      },
    ];
    const put = await site.putBucketWebsite(b, {
      index: 'index1.html',
      supportSubDir: 'true',
      type: '1',
      error: 'error1.html',
      routingRules,
    });
    assert.equal(put.res.status, 200);
    const got = await site.getBucketWebsite(b);
    assert.equal(got.index, 'index1.html');
    assert.equal(got.supportSubDir, 'true');
    assert.equal(got.type, '1');
    assert.equal(got.error, 'error1.html');
    assert.deepEqual(got.routingRules, routingRules);
    assert.equal((await site.deleteBucketWebsite(b)).res.status, 204);
    await rejectsWith(site.getBucketWebsite(b), 'NoSuchWebsiteConfiguration', 404);
  });

  it('refuses invalid configurations', async () => {
    const put = (inner: string) => rawBucketRequest(client, 'PUT', b, 'website', websiteXml(inner));
    await rejectsWith(
      put(
        '<IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>e.html</Key><HttpStatus>test</HttpStatus></ErrorDocument>',
      ),
      'InvalidArgument',
      400,
    );
    await rejectsWith(put('<IndexDocument><Suffix></Suffix></IndexDocument>'), 'InvalidArgument', 400);
    await rejectsWith(put('<IndexDocument><Suffix>a/b.html</Suffix></IndexDocument>'), 'InvalidArgument', 400);
    await rejectsWith(
      put('<IndexDocument><Suffix>i.html</Suffix><SupportSubDir>maybe</SupportSubDir></IndexDocument>'),
      'InvalidArgument',
      400,
    );
    await rejectsWith(
      put('<IndexDocument><Suffix>i.html</Suffix><Type>3</Type></IndexDocument>'),
      'InvalidArgument',
      400,
    );
    await rejectsWith(put(''), 'MalformedXML', 400);
    await rejectsWith(rawBucketRequest(client, 'PUT', b, 'website', '<Nope/>'), 'MalformedXML', 400);
  });

  it('the root and directories serve the index document to anonymous GETs (path style and vhost)', async () => {
    await site.putBucketWebsite(b, { index: 'index.html', error: 'error.html' });
    let r = await get('/');
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'root index');
    assert.equal(r.headers.get('content-type'), 'text/html');
    const v = await getVhost('/');
    assert.equal(v.status, 200);
    assert.equal(await v.text(), 'root index');
    // Without SupportSubDir, a directory serves the root index document.
    r = await get('/docs/');
    assert.equal(await r.text(), 'root index');
    // An existing object is served as it is.
    r = await get('/docs/page.html');
    assert.equal(await r.text(), 'a page');
    // HEAD too.
    r = await get('/docs/', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), String('root index'.length));
  });

  it('a missing key serves the error document with its status (404 by default, or 200)', async () => {
    await site.putBucketWebsite(b, { index: 'index.html', error: 'error.html' });
    let r = await get('/missing.html');
    assert.equal(r.status, 404);
    assert.equal(await r.text(), 'not here');
    const v = await getVhost('/missing.html');
    assert.equal(v.status, 404);
    assert.equal(await v.text(), 'not here');
    await rawBucketRequest(
      client,
      'PUT',
      b,
      'website',
      websiteXml(
        '<IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>error.html</Key><HttpStatus>200</HttpStatus></ErrorDocument>',
      ),
    );
    assert.equal((await site.getBucketWebsite(b)).error, 'error.html');
    r = await get('/missing.html');
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'not here');
  });

  it('signed requests are not affected: / lists and a missing key is NoSuchKey', async () => {
    await site.putBucketWebsite(b, { index: 'index.html', error: 'error.html' });
    const list = await client.list({ 'max-keys': 10 }, {});
    assert.ok(list.objects.some((o) => o.name === 'index.html'));
    await rejectsWith(client.get('missing.html'), 'NoSuchKey', 404);
    // A listing with parameters stays a listing for anonymous callers too.
    const r = await get('/?prefix=docs/');
    assert.match(await r.text(), /<ListBucketResult>/);
  });

  it('SupportSubDir: dir/ serves dir/index.html; Type decides dir without a slash', async () => {
    await site.putBucketWebsite(b, { index: 'index.html', supportSubDir: 'true', type: '0', error: 'error.html' });
    let r = await get('/docs/');
    assert.equal(await r.text(), 'docs index');
    // Type 0: 302 to the directory when its index exists.
    r = await get('/docs');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), `/${b}/docs/`);
    await r.body?.cancel();
    const v = await getVhost('/docs');
    assert.equal(v.status, 302);
    assert.equal(v.headers.location, '/docs/');
    // No index there: the error document.
    r = await get('/nodir');
    assert.equal(r.status, 404);
    assert.equal(await r.text(), 'not here');
    // Type 2: the directory's index directly.
    await site.putBucketWebsite(b, { index: 'index.html', supportSubDir: 'true', type: '2', error: 'error.html' });
    r = await get('/docs');
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'docs index');
    // Type 1: no index lookup, straight to the error document.
    await site.putBucketWebsite(b, { index: 'index.html', supportSubDir: 'true', type: '1', error: 'error.html' });
    r = await get('/docs');
    assert.equal(r.status, 404);
    assert.equal(await r.text(), 'not here');
  });

  it('the document served keeps its own ACL: a private index is AccessDenied', async () => {
    await site.putBucketWebsite(b, { index: 'index.html', supportSubDir: 'true' });
    const r = await get('/private/');
    assert.equal(r.status, 403);
    assert.match(await r.text(), /AccessDenied/);
    // Nor does Type 0 redirect to a directory whose index is private.
    const d = await get('/private');
    assert.equal(d.status, 403);
    assert.match(await d.text(), /AccessDenied/);
  });

  it('with no error document a missing key is NoSuchKey', async () => {
    await site.putBucketWebsite(b, { index: 'index.html' });
    const r = await get('/missing.html');
    assert.equal(r.status, 404);
    assert.match(await r.text(), /NoSuchKey/);
  });
});
