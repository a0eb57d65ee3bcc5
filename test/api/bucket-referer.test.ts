/**
 * Hotlink protection (PutBucketReferer / GetBucketReferer) with the real ali-oss client: the configuration
 * round trip, validation, and enforcement where OSS enforces it — anonymous requests and presigned URLs,
 * never requests signed in the Authorization header.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const XML = { 'content-type': 'application/xml' };

/** ali-oss resolves putBucketReferer/deleteBucketReferer with { res } (@types/ali-oss says otherwise). */
const statusOf = (r: unknown) => (r as { res: { status: number } }).res.status;

interface Raw {
  status: number;
  code?: string;
  message?: string;
  text: string;
}

describe('bucket Referer (hotlink protection)', () => {
  let server: TestServer;
  let base: string;

  async function raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    const res = await fetch(`${base}${path}`, { method, headers: init.headers, body: init.body });
    const text = await res.text();
    return {
      status: res.status,
      code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
      message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
      text,
    } satisfies Raw;
  }
  const putXml = (bucket: string, body: string) =>
    raw('PUT', `/${bucket}/?referer`, { headers: signatureV1('PUT', `/${bucket}/?referer`, XML), body });
  const getXml = async (bucket: string) =>
    (await raw('GET', `/${bucket}/?referer`, { headers: signatureV1('GET', `/${bucket}/?referer`, {}) })).text;
  const anon = async (bucket: string, key: string, referer?: string) =>
    (await raw('GET', `/${bucket}/${key}`, { headers: referer === undefined ? {} : { referer } })).status;

  async function publicBucket(name: string): Promise<OSS> {
    const c = await withBucket(server, name);
    await c.putBucketACL(name, 'public-read');
    await c.put('img.png', Buffer.from('picture'));
    return c;
  }

  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
  });
  after(() => server.stop());

  it('without a configuration GetBucketReferer answers the defaults; put and get round trip', async () => {
    const c = await withBucket(server, 'rf-roundtrip');
    const none = await c.getBucketReferer('rf-roundtrip');
    assert.equal(none.allowEmpty, true);
    assert.equal(none.referers, null);
    const xml = await getXml('rf-roundtrip');
    assert.match(xml, /<AllowEmptyReferer>true<\/AllowEmptyReferer>/);
    assert.match(xml, /<AllowTruncateQueryString>true<\/AllowTruncateQueryString>/);
    assert.match(xml, /<RefererList/);

    await c.putBucketReferer('rf-roundtrip', true, ['http://npm.taobao.org']);
    const referers = ['http://npm.taobao.org', 'https://npm.taobao.org', 'http://cnpmjs.org'];
    assert.equal(statusOf(await c.putBucketReferer('rf-roundtrip', false, referers)), 200);
    const got = await c.getBucketReferer('rf-roundtrip');
    assert.equal(got.allowEmpty, false);
    assert.deepEqual(got.referers, referers);
    // ali-oss deleteBucketReferer puts an empty list with AllowEmptyReferer true.
    assert.equal(statusOf(await c.deleteBucketReferer('rf-roundtrip')), 200);
    const cleared = await c.getBucketReferer('rf-roundtrip');
    assert.equal(cleared.allowEmpty, true);
    assert.equal(cleared.referers, null);
  });

  it('stores the block list, AllowTruncateQueryString and TruncatePath as the API reference sends them', async () => {
    await withBucket(server, 'rf-full');
    const r = await putXml(
      'rf-full',
      `<?xml version="1.0" encoding="UTF-8"?>
<RefererConfiguration>
  <AllowEmptyReferer>false</AllowEmptyReferer>
  <AllowTruncateQueryString>true</AllowTruncateQueryString>
  <TruncatePath>true</TruncatePath>
  <RefererList><Referer>http://www.aliyun.com</Referer><Referer>https://www.?.aliyuncs.com</Referer></RefererList>
  <RefererBlacklist><Referer>http://www.refuse.com</Referer><Referer>https://*.hack.com</Referer></RefererBlacklist>
</RefererConfiguration>`,
    );
    assert.equal(r.status, 200, r.text);
    const xml = await getXml('rf-full');
    assert.match(xml, /<AllowEmptyReferer>false<\/AllowEmptyReferer>/);
    assert.match(xml, /<TruncatePath>true<\/TruncatePath>/);
    assert.match(
      xml,
      /<RefererList><Referer>http:\/\/www\.aliyun\.com<\/Referer><Referer>https:\/\/www\.\?\.aliyuncs\.com<\/Referer><\/RefererList>/,
    );
    assert.match(
      xml,
      /<RefererBlacklist><Referer>http:\/\/www\.refuse\.com<\/Referer><Referer>https:\/\/\*\.hack\.com<\/Referer><\/RefererBlacklist>/,
    );
  });

  it('refuses invalid configurations', async () => {
    await withBucket(server, 'rf-invalid');
    const cases: [string, string][] = [
      [
        '<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer><AllowTruncateQueryString>false</AllowTruncateQueryString><TruncatePath>true</TruncatePath></RefererConfiguration>',
        'InvalidArgument',
      ],
      ['<RefererConfiguration><AllowEmptyReferer>yes</AllowEmptyReferer></RefererConfiguration>', 'InvalidArgument'],
      ['<RefererConfiguration><RefererList/></RefererConfiguration>', 'MalformedXML'],
      ['<Referer>http://a</Referer>', 'MalformedXML'],
      ['<RefererConfiguration>', 'MalformedXML'],
    ];
    for (const [body, code] of cases) {
      const r = await putXml('rf-invalid', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.code, code, body);
    }
    assert.match(await getXml('rf-invalid'), /<AllowEmptyReferer>true<\/AllowEmptyReferer>/);
  });

  it('only the owner may configure it', async () => {
    await withBucket(server, 'rf-owner');
    const body = '<RefererConfiguration><AllowEmptyReferer>false</AllowEmptyReferer></RefererConfiguration>';
    assert.equal((await raw('PUT', '/rf-owner/?referer', { headers: XML, body })).status, 403);
    assert.equal((await raw('GET', '/rf-owner/?referer')).status, 403);
  });

  it('an allow list refuses anonymous hotlinks, the empty Referer when not allowed, and other schemes', async () => {
    const c = await publicBucket('rf-allow');
    assert.equal(await anon('rf-allow', 'img.png', 'http://evil.test/'), 200, 'no configuration: open');
    await c.putBucketReferer('rf-allow', false, ['http://good.test', '*.friend.test']);
    assert.equal(await anon('rf-allow', 'img.png', 'http://good.test/gallery/page.html'), 200);
    assert.equal(await anon('rf-allow', 'img.png', 'http://good.test'), 200);
    assert.equal(await anon('rf-allow', 'img.png', 'https://www.friend.test/x'), 200);
    assert.equal(await anon('rf-allow', 'img.png', 'https://good.test/gallery'), 403, 'scheme is part of the match');
    assert.equal(await anon('rf-allow', 'img.png', 'http://good.test.evil.test/'), 403);
    assert.equal(await anon('rf-allow', 'img.png', 'http://evil.test/'), 403);
    const denied = await raw('GET', '/rf-allow/img.png');
    assert.equal(denied.status, 403);
    assert.equal(denied.code, 'AccessDenied');
    assert.equal(denied.message, 'You are denied by bucket referer policy.');
    // AllowEmptyReferer true lets the direct visit in again.
    await c.putBucketReferer('rf-allow', true, ['http://good.test']);
    assert.equal(await anon('rf-allow', 'img.png'), 200);
    assert.equal(await anon('rf-allow', 'img.png', 'http://evil.test/'), 403);
  });

  it('a block list refuses what it names, wildcards included, before the allow list', async () => {
    await publicBucket('rf-block');
    const r = await putXml(
      'rf-block',
      `<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer>
        <RefererList><Referer>http://*.test</Referer></RefererList>
        <RefererBlacklist><Referer>http://*.evil.test</Referer><Referer>http://bad?.test</Referer></RefererBlacklist>
      </RefererConfiguration>`,
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(await anon('rf-block', 'img.png'), 200);
    assert.equal(await anon('rf-block', 'img.png', 'http://nice.test/a'), 200);
    assert.equal(await anon('rf-block', 'img.png', 'http://www.evil.test/a'), 403);
    assert.equal(await anon('rf-block', 'img.png', 'http://bad1.test/'), 403);
    assert.equal(await anon('rf-block', 'img.png', 'http://bad12.test/'), 200);
  });

  it('AllowTruncateQueryString and TruncatePath decide what part of the Referer is matched', async () => {
    await publicBucket('rf-trunc');
    const config = (truncQuery: boolean, truncPath: boolean, list: string) =>
      putXml(
        'rf-trunc',
        `<RefererConfiguration><AllowEmptyReferer>false</AllowEmptyReferer>
          <AllowTruncateQueryString>${truncQuery}</AllowTruncateQueryString><TruncatePath>${truncPath}</TruncatePath>
          <RefererList><Referer>${list}</Referer></RefererList></RefererConfiguration>`,
      );
    await config(true, false, 'http://good.test/page');
    assert.equal(await anon('rf-trunc', 'img.png', 'http://good.test/page?from=feed'), 200);
    await config(false, false, 'http://good.test/page');
    assert.equal(await anon('rf-trunc', 'img.png', 'http://good.test/page?from=feed'), 403);
    assert.equal(await anon('rf-trunc', 'img.png', 'http://good.test/page'), 200);
    // A pattern meant for host names also matches a path that ends like one, unless the path is cut off.
    await config(true, false, '*.good.test');
    assert.equal(await anon('rf-trunc', 'img.png', 'http://evil.test/fake.good.test'), 200);
    await config(true, true, '*.good.test');
    assert.equal(await anon('rf-trunc', 'img.png', 'http://evil.test/fake.good.test'), 403);
    assert.equal(await anon('rf-trunc', 'img.png', 'http://www.good.test/any/page'), 200);
  });

  it('applies to presigned URLs but not to requests signed in the Authorization header', async () => {
    const c = await withBucket(server, 'rf-signed');
    await c.put('img.png', Buffer.from('private picture'));
    await c.putBucketReferer('rf-signed', false, ['http://good.test']);
    // Header-signed: no Referer check, whatever is sent.
    assert.equal((await c.get('img.png')).content.toString(), 'private picture');
    const viaHeader = await c.get('img.png', { headers: { Referer: 'http://evil.test/' } });
    assert.equal(viaHeader.content.toString(), 'private picture');
    // Presigned V1 and V4 URLs: checked.
    const v1 = c.signatureUrl('img.png', { expires: 60 });
    assert.equal((await fetch(v1)).status, 403);
    assert.equal((await fetch(v1, { headers: { referer: 'http://evil.test/' } })).status, 403);
    const ok = await fetch(v1, { headers: { referer: 'http://good.test/page' } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'private picture');
    const v4 = await c.signatureUrlV4('GET', 60, undefined, 'img.png');
    assert.equal((await fetch(v4, { headers: { referer: 'http://evil.test/' } })).status, 403);
    assert.equal((await fetch(v4, { headers: { referer: 'http://good.test/' } })).status, 200);
    // Bucket-level requests are not hotlinks: the owner's listing is unaffected.
    assert.equal((await c.list({ 'max-keys': 5 }, {})).objects.length, 1);
  });
});
