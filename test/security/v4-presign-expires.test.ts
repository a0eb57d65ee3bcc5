/**
 * A V4 presigned URL is valid for at most 7 days (x-oss-expires ≤ 604800), as on OSS: a longer one is
 * refused with AccessDenied (EC 0002-00000232) even though its signature is correct.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ossClient, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

type V4Signer = { signatureUrlV4(m: string, e: number, r: unknown, k: string): Promise<string> };

describe('V4 presigned URL lifetime', () => {
  let server: TestServer;
  let signer: V4Signer;
  before(async () => {
    server = await startTestServer();
    const client = await withBucket(server, 'presign');
    await client.put('k.txt', Buffer.from('hello'));
    signer = ossClient({
      endpoint: server.endpoint,
      sldEnable: true,
      accessKeyId: server.root.accessKeyId,
      accessKeySecret: server.root.accessKeySecret,
      bucket: 'presign',
      authorizationV4: true,
    }) as unknown as V4Signer;
  });
  after(() => server.stop());

  it('604800 seconds (7 days) works', async () => {
    const url = await signer.signatureUrlV4('GET', 604_800, {}, 'k.txt');
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'hello');
  });

  for (const expires of [604_801, 100 * 365 * 86_400]) {
    it(`${expires} seconds is refused with AccessDenied`, async () => {
      const url = await signer.signatureUrlV4('GET', expires, {}, 'k.txt');
      assert.equal(new URL(url).searchParams.get('x-oss-expires'), String(expires));
      const r = await fetch(url);
      assert.equal(r.status, 403);
      const body = await r.text();
      assert.match(body, /<Code>AccessDenied<\/Code>/);
      assert.match(body, /x-oss-expires/);
      assert.match(body, /<EC>0002-00000232<\/EC>/);
    });
  }

  it('0 seconds is refused too', async () => {
    const url = new URL(await signer.signatureUrlV4('GET', 60, {}, 'k.txt'));
    url.searchParams.set('x-oss-expires', '0');
    const r = await fetch(url);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<EC>0002-00000232<\/EC>/);
  });
});
