/**
 * A symlink is never a way to read what the caller could not read directly: following one (GET, HEAD,
 * UploadPartCopy) authorises the caller on the target like a direct request for the target, and
 * GetObjectMeta / CopyObject of a symlink never expose the target's bytes or metadata.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { issueCredentials, type StsCredentials } from '../../src/auth/sts.js';
import { ROOT_ACCOUNT_ID } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const BUCKET = 'vault';
const SECRET = 'top secret bytes';
const HOUR = 3600 * 1000;

/** ali-oss methods @types/ali-oss lacks or types too narrowly. */
interface LooseClient {
  getObjectMeta(name: string): Promise<{ status: number; res: { headers: Record<string, string> } }>;
  initMultipartUpload(name: string): Promise<{ uploadId: string }>;
  uploadPartCopy(
    name: string,
    uploadId: string,
    partNo: number,
    range: string,
    source: { sourceKey: string; sourceBucketName: string },
  ): Promise<{ etag: string }>;
  abortMultipartUpload(name: string, uploadId: string): Promise<unknown>;
  listParts(name: string, uploadId: string, query: object): Promise<{ parts: unknown[] }>;
}
const loose = (c: OSS) => c as unknown as LooseClient;

const linkEtag = (target: string) => `"${createHash('md5').update(target).digest('hex').toUpperCase()}"`;

interface RawResult {
  status: number;
  code?: string;
  text: string;
  headers: Headers;
}

describe('symlinks do not bypass access control', () => {
  let server: TestServer;
  let owner: OSS;
  let base: string;

  /** An anonymous request: plain HTTP, no signature. */
  async function anon(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResult> {
    const res = await fetch(`${base}/${BUCKET}/${path}`, { method, headers });
    const text = await res.text();
    let code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const err = res.headers.get('x-oss-err');
    if (!code && err) code = /<Code>([^<]*)<\/Code>/.exec(Buffer.from(err, 'base64').toString('utf8'))?.[1];
    return { status: res.status, code, text, headers: res.headers };
  }

  const stsClient = (c: StsCredentials) =>
    server.client({
      bucket: BUCKET,
      accessKeyId: c.AccessKeyId,
      accessKeySecret: c.AccessKeySecret,
      stsToken: c.SecurityToken,
      refreshSTSTokenInterval: HOUR,
    });

  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
    owner = await withBucket(server, BUCKET); // private bucket
    await owner.put('secret.txt', Buffer.from(SECRET));
    await owner.put('uploads/ok.txt', Buffer.from('ok bytes'));
    await owner.put('public.txt', Buffer.from('public bytes'), { headers: { 'x-oss-object-acl': 'public-read' } });
    for (const k of ['drop.txt', 'drop2.txt', 'drop3.txt']) {
      await owner.put(k, Buffer.from('writable by anyone'), { headers: { 'x-oss-object-acl': 'public-read-write' } });
    }
  });
  after(() => server.stop());

  describe('an STS token confined to uploads/ (PutObject + GetObject)', () => {
    let sts: OSS;
    before(async () => {
      const creds = await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, {
        durationSeconds: 900,
        policy: { buckets: [BUCKET], prefixes: ['uploads/'], actions: ['PutObject', 'GetObject'] },
      });
      sts = stsClient(creds);
      await rejectsWith(sts.get('secret.txt'), 'AccessDenied');
      await sts.putSymlink('uploads/ln', 'secret.txt');
      await sts.putSymlink('uploads/ln-ok', 'uploads/ok.txt');
      await sts.putSymlink('uploads/ln-missing', 'no-such-key');
    });

    it('GET of its symlink to secret.txt is AccessDenied', async () => {
      await rejectsWith(sts.get('uploads/ln'), 'AccessDenied');
    });

    it('HEAD of its symlink to secret.txt is AccessDenied', async () => {
      await rejectsWith(sts.head('uploads/ln'), 'AccessDenied');
    });

    it('a denied target is not probed: a symlink to a missing key outside uploads/ is AccessDenied too', async () => {
      await rejectsWith(sts.get('uploads/ln-missing'), 'AccessDenied');
    });

    it("GetObjectMeta of the symlink reports the symlink itself, nothing of the target's", async () => {
      const m = await loose(sts).getObjectMeta('uploads/ln');
      assert.equal(m.res.headers['content-length'], '0');
      assert.equal(m.res.headers.etag, linkEtag('secret.txt'));
    });

    it('CopyObject of the symlink copies the link, which is still not readable', async () => {
      await sts.copy('uploads/copied-ln', 'uploads/ln');
      assert.equal((await sts.getSymlink('uploads/copied-ln')).targetName, 'secret.txt');
      await rejectsWith(sts.get('uploads/copied-ln'), 'AccessDenied');
      await rejectsWith(sts.head('uploads/copied-ln'), 'AccessDenied');
    });

    it('UploadPartCopy from the symlink is AccessDenied', async () => {
      const { uploadId } = await loose(sts).initMultipartUpload('uploads/mp.bin');
      const source = { sourceKey: 'uploads/ln', sourceBucketName: BUCKET };
      await rejectsWith(loose(sts).uploadPartCopy('uploads/mp.bin', uploadId, 1, '', source), 'AccessDenied');
      await rejectsWith(loose(sts).uploadPartCopy('uploads/mp.bin', uploadId, 1, '0-3', source), 'AccessDenied');
      await loose(owner).abortMultipartUpload('uploads/mp.bin', uploadId);
    });

    it('still reads through a symlink whose target it may read (GET, HEAD, UploadPartCopy)', async () => {
      assert.equal((await sts.get('uploads/ln-ok')).content.toString(), 'ok bytes');
      assert.equal((await sts.head('uploads/ln-ok')).res.headers['content-length' as never], '8');
      const { uploadId } = await loose(sts).initMultipartUpload('uploads/mp-ok.bin');
      const part = await loose(sts).uploadPartCopy('uploads/mp-ok.bin', uploadId, 1, '', {
        sourceKey: 'uploads/ln-ok',
        sourceBucketName: BUCKET,
      });
      assert.equal(part.etag, `"${createHash('md5').update('ok bytes').digest('hex').toUpperCase()}"`);
      await loose(owner).abortMultipartUpload('uploads/mp-ok.bin', uploadId);
    });

    it('a token allowed to read the target, and the owner, read through the same symlink', async () => {
      const wide = stsClient(
        await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, {
          durationSeconds: 900,
          policy: { buckets: [BUCKET], actions: ['GetObject'] },
        }),
      );
      assert.equal((await wide.get('uploads/ln')).content.toString(), SECRET);
      assert.equal((await wide.head('uploads/ln')).res.headers['content-length' as never], String(SECRET.length));
      assert.equal((await owner.get('uploads/ln')).content.toString(), SECRET);
      assert.equal((await owner.get('uploads/copied-ln')).content.toString(), SECRET);
      const { uploadId } = await loose(owner).initMultipartUpload('owner-mp.bin');
      const part = await loose(owner).uploadPartCopy('owner-mp.bin', uploadId, 1, '', {
        sourceKey: 'uploads/ln',
        sourceBucketName: BUCKET,
      });
      assert.equal(part.etag, `"${createHash('md5').update(SECRET).digest('hex').toUpperCase()}"`);
      await loose(owner).abortMultipartUpload('owner-mp.bin', uploadId);
    });
  });

  describe('an anonymous writer of one public-read-write object in a private bucket', () => {
    before(async () => {
      assert.equal((await anon('GET', 'secret.txt')).status, 403);
      const put = await anon('PUT', 'drop.txt?symlink', {
        'x-oss-symlink-target': 'secret.txt',
        // Keeps the link writable and readable by anyone (without it, it would be private).
        'x-oss-object-acl': 'public-read-write',
      });
      assert.equal(put.status, 200, put.text);
      assert.equal((await owner.getSymlink('drop.txt')).targetName, 'secret.txt');
    });

    it('GET of the symlink it made to a private object is AccessDenied', async () => {
      const r = await anon('GET', 'drop.txt');
      assert.equal(r.status, 403);
      assert.equal(r.code, 'AccessDenied');
      assert.ok(!r.text.includes(SECRET));
    });

    it('HEAD of it is AccessDenied and reveals no size', async () => {
      const r = await anon('HEAD', 'drop.txt');
      assert.equal(r.status, 403);
      assert.equal(r.code, 'AccessDenied');
      assert.notEqual(r.headers.get('content-length'), String(SECRET.length));
    });

    it("GetObjectMeta of it reports the symlink itself, nothing of the target's", async () => {
      const r = await anon('HEAD', 'drop.txt?objectMeta');
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-length'), '0');
      assert.equal(r.headers.get('etag'), linkEtag('secret.txt'));
    });

    it('CopyObject from it onto another writable object copies the link, which is still not readable', async () => {
      const r = await anon('PUT', 'drop2.txt', {
        'x-oss-copy-source': `/${BUCKET}/drop.txt`,
        'x-oss-object-acl': 'public-read-write',
      });
      assert.equal(r.status, 200, r.text);
      assert.equal((await owner.getSymlink('drop2.txt')).targetName, 'secret.txt');
      const got = await anon('GET', 'drop2.txt');
      assert.equal(got.status, 403);
      assert.equal(got.code, 'AccessDenied');
    });

    it('UploadPartCopy from it is AccessDenied', async () => {
      const init = await anon('POST', 'drop3.txt?uploads');
      assert.equal(init.status, 200, init.text);
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1] ?? '';
      const r = await anon('PUT', `drop3.txt?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, {
        'x-oss-copy-source': `/${BUCKET}/drop.txt`,
      });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.code, 'AccessDenied');
      const parts = await loose(owner).listParts('drop3.txt', uploadId, {});
      assert.equal(parts.parts.length, 0);
      await owner.abortMultipartUpload('drop3.txt', uploadId);
    });

    it('still reads through a symlink to an object it may read, and the owner reads through any', async () => {
      assert.equal((await owner.get('drop.txt')).content.toString(), SECRET);
      const put = await anon('PUT', 'drop.txt?symlink', {
        'x-oss-symlink-target': 'public.txt',
        'x-oss-object-acl': 'public-read-write',
      });
      assert.equal(put.status, 200, put.text);
      const r = await anon('GET', 'drop.txt');
      assert.equal(r.status, 200);
      assert.equal(r.text, 'public bytes');
      const h = await anon('HEAD', 'drop.txt');
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('content-length'), String('public bytes'.length));
    });
  });
});
