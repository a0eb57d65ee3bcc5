/**
 * A malformed x-oss-tagging (broken percent-encoding, `k=v=w`, an empty key, a repeated key) is refused
 * with 400 InvalidArgument (EC 0010-00000219) by every operation that reads it, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields } from '../post-object/post-helpers.js';

const BUCKET = 'tag-header';
const MALFORMED = ['%zz=%', 'a=%E0%A4%A', 'aa=bb=cc', '=v', 'k=1&k=2', 'a=1&'];

type OssErr = { status: number; code: string; ecCode?: string; message: string };

async function refusal(p: Promise<unknown>): Promise<OssErr> {
  const err = (await p.then(
    () => undefined,
    (e: OssErr) => e,
  )) as OssErr | undefined;
  assert.ok(err, 'the request was accepted');
  return err;
}

function assertInvalidTagging(err: OssErr): void {
  assert.equal(err.status, 400, err.message);
  assert.equal(err.code, 'InvalidArgument', err.message);
  assert.equal(err.ecCode, '0010-00000219');
}

describe('malformed x-oss-tagging', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, BUCKET);
    await client.put('src.txt', Buffer.from('source'));
  });
  after(() => server.stop());

  for (const value of MALFORMED) {
    const headers = { 'x-oss-tagging': value };
    it(`PutObject ${JSON.stringify(value)}: InvalidArgument, nothing stored`, async () => {
      assertInvalidTagging(await refusal(client.put('put.txt', Buffer.from('x'), { headers })));
      await assert.rejects(client.head('put.txt'), (e: OssErr) => e.status === 404);
    });
  }

  const headers = { 'x-oss-tagging': '%zz=%' };
  it('CopyObject (REPLACE) refuses it', async () => {
    const err = await refusal(
      client.copy('copy.txt', 'src.txt', { headers: { ...headers, 'x-oss-tagging-directive': 'REPLACE' } }),
    );
    assertInvalidTagging(err);
    await assert.rejects(client.head('copy.txt'), (e: OssErr) => e.status === 404);
  });

  it('InitiateMultipartUpload refuses it', async () => {
    assertInvalidTagging(await refusal(client.initMultipartUpload('mp.bin', { headers })));
    const uploads = (await client.listUploads({})) as { uploads: unknown[] };
    assert.equal(uploads.uploads.length, 0);
  });

  it('AppendObject refuses it', async () => {
    assertInvalidTagging(await refusal(client.append('app.txt', Buffer.from('x'), { position: '0', headers })));
    await assert.rejects(client.head('app.txt'), (e: OssErr) => e.status === 404);
  });

  it('PutSymlink refuses it', async () => {
    assertInvalidTagging(
      await refusal(client.putSymlink('link.txt', 'src.txt', { headers } as Parameters<OSS['putSymlink']>[2])),
    );
    await assert.rejects(client.head('link.txt'), (e: OssErr) => e.status === 404);
  });

  it('PostObject refuses it (form field)', async () => {
    const fd = buildForm([['key', 'post.txt'], ['x-oss-tagging', '%zz=%'], ...v1Fields(client, policyOf([]))], {
      data: 'x',
      type: 'text/plain',
    });
    const r = await postForm(server.port, fd, { path: `/${BUCKET}/` });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidArgument<\/Code>/);
    assert.match(r.text, /<EC>0010-00000219<\/EC>/);
    await assert.rejects(client.head('post.txt'), (e: OssErr) => e.status === 404);
  });

  it('well-formed headers still work: key only, encoded pairs, + as space', async () => {
    await client.put('ok.txt', Buffer.from('ok'), { headers: { 'x-oss-tagging': 'flag&k%201=v%3D1&s=a+b' } });
    const tagging = client as unknown as { getObjectTagging(k: string): Promise<{ tag: Record<string, string> }> };
    const { tag } = await tagging.getObjectTagging('ok.txt');
    assert.deepEqual(tag, { flag: '', 'k 1': 'v=1', s: 'a b' });
  });
});
