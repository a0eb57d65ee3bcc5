import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import {
  buildForm,
  type Fields,
  type FormResponse,
  hdrs,
  policyOf,
  postForm,
  v1Fields,
  v4Fields,
  xmlText,
} from './post-helpers.js';

const BUCKET = 'post-bucket';

function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex').toUpperCase();
}

async function blobCount(server: TestServer): Promise<number> {
  let n = 0;
  for await (const _ of server.services.blobs.list()) n++;
  return n;
}

function assertError(r: FormResponse, status: number, code: string, message?: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(xmlText(r.text, 'Code'), code, r.text);
  if (message !== undefined) assert.equal(xmlText(r.text, 'Message'), message);
  assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
}

describe('PostObject: form uploads signed with ali-oss policies', () => {
  let server: TestServer;
  let client: OSS;
  let port: number;
  const post = (fields: Fields, file: Parameters<typeof buildForm>[1], opts?: Parameters<typeof postForm>[2]) =>
    postForm(port, buildForm(fields, file), { path: `/${BUCKET}/`, ...opts });

  before(async () => {
    server = await startTestServer();
    port = server.port;
    client = await withBucket(server, BUCKET);
  });
  after(async () => {
    await server.stop();
  });

  it('V1, path style: 204 by default with ETag, CRC64 and request id; the object is readable', async () => {
    const policy = policyOf([{ bucket: BUCKET }, ['starts-with', '$key', 'v1/']]);
    const r = await post([['key', 'v1/hello.txt'], ...v1Fields(client, policy)], {
      data: 'hello post\n',
      type: 'text/plain',
    });
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers.etag, `"${md5Hex('hello post\n')}"`);
    assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64(Buffer.from('hello post\n')));
    assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    const got = await client.get('v1/hello.txt');
    assert.equal(got.content.toString(), 'hello post\n');
    assert.equal(hdrs(got)['content-type'], 'text/plain');
  });

  it('V4 (signPostObjectPolicyV4), virtual-hosted style, success_action_status 200 → empty 200', async () => {
    const policy = policyOf([{ bucket: BUCKET }, ['eq', '$key', 'v4/obj.bin']]);
    const fd = buildForm(
      [['key', 'v4/obj.bin'], ['success_action_status', '200'], ...v4Fields(client, policy, server.root.accessKeyId)],
      { data: Buffer.from([1, 2, 3, 4]) },
    );
    const r = await postForm(port, fd, { path: '/', host: `${BUCKET}.localhost:${port}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers['content-length'], '0');
    const got = await client.get('v4/obj.bin');
    assert.deepEqual([...got.content], [1, 2, 3, 4]);
  });

  it('V4 with a wrong signature or a mismatched date → 403 SignatureDoesNotMatch / 400', async () => {
    const policy = policyOf([]);
    const fields = v4Fields(client, policy, server.root.accessKeyId);
    const bad = fields.map(([k, v]): [string, string] => [k, k === 'x-oss-signature' ? '0'.repeat(64) : v]);
    assertError(await post([['key', 'x'], ...bad], { data: 'x' }), 403, 'SignatureDoesNotMatch');
    const otherDay = fields.map(([k, v]): [string, string] => [k, k === 'x-oss-date' ? '20200101T000000Z' : v]);
    assertError(await post([['key', 'x'], ...otherDay], { data: 'x' }), 400, 'InvalidArgument');
  });

  it('201 returns PostResponse{Bucket,Location,Key,ETag}', async () => {
    const policy = policyOf([]);
    const r = await post([['key', 'dir/a b.txt'], ['success_action_status', '201'], ...v1Fields(client, policy)], {
      data: 'abc',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers['content-type'], 'application/xml');
    assert.match(r.text, /<PostResponse>/);
    assert.equal(xmlText(r.text, 'Bucket'), BUCKET);
    assert.equal(xmlText(r.text, 'Key'), 'dir/a b.txt');
    assert.equal(xmlText(r.text, 'ETag'), `"${md5Hex('abc')}"`);
    assert.equal(xmlText(r.text, 'Location'), `http://localhost:${port}/${BUCKET}/dir/a%20b.txt`);
  });

  it('success_action_redirect → 303 with bucket, key and etag in the query', async () => {
    const policy = policyOf([]);
    const r = await post(
      [
        ['key', 'redir.txt'],
        ['success_action_redirect', 'https://app.example.com/done?from=form'],
        ['success_action_status', '201'],
        ...v1Fields(client, policy),
      ],
      { data: 'r' },
    );
    assert.equal(r.status, 303, r.text);
    const loc = new URL(String(r.headers.location));
    assert.equal(loc.origin + loc.pathname, 'https://app.example.com/done');
    assert.equal(loc.searchParams.get('from'), 'form');
    assert.equal(loc.searchParams.get('bucket'), BUCKET);
    assert.equal(loc.searchParams.get('key'), 'redir.txt');
    assert.equal(loc.searchParams.get('etag'), `"${md5Hex('r')}"`);
  });

  it('${filename} in the key is replaced by the file name; a key condition may name either form', async () => {
    const policy = policyOf([['eq', '$key', 'uploads/${filename}']]);
    const r = await post([['key', 'uploads/${filename}'], ...v1Fields(client, policy)], {
      data: 'photo',
      filename: 'photo 1.jpg',
      type: 'image/jpeg',
    });
    assert.equal(r.status, 204, r.text);
    const head = await client.head('uploads/photo 1.jpg');
    assert.equal(hdrs(head)['content-type'], 'image/jpeg');
    const policy2 = policyOf([['eq', '$key', 'uploads/b.txt']]);
    const r2 = await post([['key', 'uploads/${filename}'], ...v1Fields(client, policy2)], {
      data: 'b',
      filename: 'b.txt',
    });
    assert.equal(r2.status, 204, r2.text);
  });

  it('field names are case-insensitive', async () => {
    const [[, id], [, pol], [, sig]] = v1Fields(client, policyOf([['eq', '$key', 'case.txt']]));
    const r = await post(
      [
        ['KEY', 'case.txt'],
        ['ossaccesskeyid', id],
        ['Policy', pol],
        ['SIGNATURE', sig],
        ['content-TYPE', 'text/csv'],
      ],
      { data: 'a,b' },
    );
    assert.equal(r.status, 204, r.text);
    assert.equal(hdrs(await client.head('case.txt'))['content-type'], 'text/csv');
  });

  it('content fields become the object headers, ACL, storage class and user metadata', async () => {
    const policy = policyOf([]);
    const r = await post(
      [
        ['key', 'attrs.bin'],
        ['Content-Type', 'application/x-custom'],
        ['Cache-Control', 'max-age=60'],
        ['Content-Disposition', 'attachment; filename="x.bin"'],
        ['Content-Encoding', 'identity'],
        ['Expires', 'Wed, 01 Jan 2031 00:00:00 GMT'],
        ['x-oss-meta-Owner', 'alice'],
        ['x-oss-object-acl', 'public-read'],
        ['x-oss-storage-class', 'IA'],
        ...v1Fields(client, policy),
      ],
      { data: 'attrs', type: 'text/plain' },
    );
    assert.equal(r.status, 204, r.text);
    const h = hdrs(await client.head('attrs.bin'));
    assert.equal(h['content-type'], 'application/x-custom');
    assert.equal(h['cache-control'], 'max-age=60');
    assert.equal(h['content-disposition'], 'attachment; filename="x.bin"');
    assert.equal(h['content-encoding'], 'identity');
    assert.equal(h.expires, 'Wed, 01 Jan 2031 00:00:00 GMT');
    assert.equal(h['x-oss-meta-owner'], 'alice');
    assert.equal(h['x-oss-storage-class'], 'IA');
    assert.equal((await client.getACL('attrs.bin')).acl, 'public-read');
    // Without a Content-Type field the file part's type is used, else application/octet-stream.
    const r2 = await post([['key', 'typed.bin'], ...v1Fields(client, policy)], { data: 'x', type: 'image/png' });
    assert.equal(r2.status, 204);
    assert.equal(hdrs(await client.head('typed.bin'))['content-type'], 'image/png');
  });

  it('x-oss-forbid-overwrite: 409 FileAlreadyExists when the key exists', async () => {
    await client.put('taken.txt', Buffer.from('old'));
    const r = await post(
      [['key', 'taken.txt'], ['x-oss-forbid-overwrite', 'true'], ...v1Fields(client, policyOf([]))],
      {
        data: 'new',
      },
    );
    assertError(r, 409, 'FileAlreadyExists');
    assert.equal((await client.get('taken.txt')).content.toString(), 'old');
  });

  it('ignores header signatures: a bogus Authorization header does not reject a valid form', async () => {
    const r = await post(
      [['key', 'hdr.txt'], ...v1Fields(client, policyOf([]))],
      { data: 'h' },
      {
        headers: { authorization: 'OSS nobody:bogus', 'x-oss-date': 'garbage' },
      },
    );
    assert.equal(r.status, 204, r.text);
  });

  it('without a signature only a public-read-write bucket accepts the upload', async () => {
    assertError(await post([['key', 'anon.txt']], { data: 'a' }), 403, 'AccessDenied');
    await client.putBucket('post-open');
    await client.putBucketACL('post-open', 'public-read-write');
    const r = await postForm(port, buildForm([['key', 'anon.txt']], { data: 'a' }), { path: '/post-open/' });
    assert.equal(r.status, 204, r.text);
  });

  it('bad V1 signatures and keys: SignatureDoesNotMatch, InvalidAccessKeyId, missing fields', async () => {
    const fields = v1Fields(client, policyOf([]));
    const badSig = fields.map(([k, v]): [string, string] => [k, k === 'Signature' ? 'AAAA' : v]);
    assertError(await post([['key', 'k'], ...badSig], { data: 'x' }), 403, 'SignatureDoesNotMatch');
    const badId = fields.map(([k, v]): [string, string] => [k, k === 'OSSAccessKeyId' ? 'NoSuchKeyId' : v]);
    assertError(await post([['key', 'k'], ...badId], { data: 'x' }), 403, 'InvalidAccessKeyId');
    const noPolicy = fields.filter(([k]) => k !== 'policy');
    assertError(await post([['key', 'k'], ...noPolicy], { data: 'x' }), 400, 'InvalidArgument');
  });

  it('policy expired → 403 AccessDenied "Invalid according to Policy: Policy expired."', async () => {
    const policy = policyOf([], new Date(Date.now() - 1000));
    const r = await post([['key', 'late.txt'], ...v1Fields(client, policy)], { data: 'x' });
    assertError(r, 403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  });

  it('malformed policies → 400 InvalidPolicyDocument', async () => {
    const cases: (object | string)[] = [
      { conditions: [] },
      { expiration: 'tomorrow', conditions: [] },
      { expiration: new Date(Date.now() + 60_000).toISOString() },
      policyOf([{ bucket: BUCKET, key: 'two' }]),
      policyOf([['eq', '$key']]),
      policyOf([['matches', '$key', 'x']]),
      policyOf([['in', '$content-type', 'image/png']]),
      policyOf([['content-length-range', 10, 1]]),
    ];
    for (const policy of cases) {
      const r = await post([['key', 'bad-policy.txt'], ...v1Fields(client, policy)], { data: 'x' });
      assertError(r, 400, 'InvalidPolicyDocument');
    }
    // Not JSON at all (signed as is, so only the document is at fault).
    const raw = Buffer.from('not json').toString('base64');
    const { createHmac } = await import('node:crypto');
    const sig = createHmac('sha1', server.root.accessKeySecret).update(raw).digest('base64');
    const r = await post(
      [
        ['key', 'x'],
        ['OSSAccessKeyId', server.root.accessKeyId],
        ['policy', raw],
        ['Signature', sig],
      ],
      { data: 'x' },
    );
    assertError(r, 400, 'InvalidPolicyDocument');
    assert.equal(
      await client.list({ prefix: 'bad-policy', 'max-keys': 100 }, {}).then((l) => l.objects?.length ?? 0),
      0,
    );
  });

  it('conditions: exact match, eq, starts-with, in, not-in; failures quote the condition like OSS', async () => {
    const attempt = (conditions: unknown[], fields: Fields) =>
      post([...fields, ...v1Fields(client, policyOf(conditions))], { data: 'c', type: 'text/plain' });
    const ok = async (conditions: unknown[], fields: Fields) => {
      const r = await attempt(conditions, fields);
      assert.equal(r.status, 204, `${JSON.stringify(conditions)}: ${r.text}`);
    };
    const denied = async (conditions: unknown[], fields: Fields, quoted: string) => {
      const r = await attempt(conditions, fields);
      assertError(r, 403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${quoted}`);
    };
    await ok([{ bucket: BUCKET }, { key: 'c/1' }], [['key', 'c/1']]);
    await denied([{ bucket: 'other' }], [['key', 'c/1']], '["eq", "$bucket", "other"]');
    await denied([{ key: 'c/2' }], [['key', 'c/1']], '["eq", "$key", "c/2"]');
    await ok([['eq', '$key', 'c/1']], [['key', 'c/1']]);
    await denied([['eq', '$key', 'x']], [['key', 'c/1']], '["eq", "$key", "x"]');
    await ok([['starts-with', '$key', 'c/']], [['key', 'c/3']]);
    await denied([['starts-with', '$key', 'user/']], [['key', 'c/3']], '["starts-with", "$key", "user/"]');
    await ok([['starts-with', '$x-oss-meta-tag', '']], [['key', 'c/4']]);
    await ok(
      [['in', '$content-type', ['image/png', 'text/plain']]],
      [
        ['key', 'c/5'],
        ['Content-Type', 'text/plain'],
      ],
    );
    await denied(
      [['in', '$content-type', ['image/png', 'image/jpeg']]],
      [
        ['key', 'c/5'],
        ['content-type', 'text/plain'],
      ],
      '["in", "$content-type", ["image/png", "image/jpeg"]]',
    );
    await ok([['not-in', '$cache-control', ['no-cache']]], [['key', 'c/6']]);
    await denied(
      [['not-in', '$cache-control', ['no-cache']]],
      [
        ['key', 'c/6'],
        ['Cache-Control', 'no-cache'],
      ],
      '["not-in", "$cache-control", ["no-cache"]]',
    );
    await denied(
      [['eq', '$success_action_status', '201']],
      [
        ['key', 'c/7'],
        ['success_action_status', '200'],
      ],
      '["eq", "$success_action_status", "201"]',
    );
  });

  it('content-length-range is checked against the streamed size; the blob is removed', async () => {
    const blobsBefore = await blobCount(server);
    const policy = policyOf([['content-length-range', 5, 10]]);
    const big = await post([['key', 'len/big'], ...v1Fields(client, policy)], { data: 'x'.repeat(11) });
    assertError(big, 400, 'EntityTooLarge');
    const small = await post([['key', 'len/small'], ...v1Fields(client, policy)], { data: 'x'.repeat(4) });
    assertError(small, 400, 'EntityTooSmall');
    assert.equal(await blobCount(server), blobsBefore);
    const fit = await post([['key', 'len/fit'], ...v1Fields(client, policy)], { data: 'x'.repeat(10) });
    assert.equal(fit.status, 204, fit.text);
    const listed = await client.list({ prefix: 'len/', 'max-keys': 100 }, {});
    assert.deepEqual(
      listed.objects.map((o) => o.name),
      ['len/fit'],
    );
  });

  it("another account's key cannot write a private bucket; a temporary key needs its token", async () => {
    const meta = server.services.meta;
    await meta.ensureAccount('acct-other', 'other');
    await meta.putAccessKey({ id: 'OtherKey0001', secret: 'otherSecret', accountId: 'acct-other', createdAt: 0 });
    const other = server.client({ accessKeyId: 'OtherKey0001', accessKeySecret: 'otherSecret' });
    assertError(
      await post([['key', 'other.txt'], ...v1Fields(other, policyOf([]))], { data: 'o' }),
      403,
      'AccessDenied',
    );

    const root = server.root;
    await meta.putAccessKey({
      id: 'TempKey0001',
      secret: 'tempSecret',
      accountId: (await meta.getAccessKey(root.accessKeyId))!.accountId,
      createdAt: 0,
      securityToken: 'token-abc',
      expiresAt: Date.now() + 3600_000,
    });
    const temp = server.client({ accessKeyId: 'TempKey0001', accessKeySecret: 'tempSecret' });
    const fields = v1Fields(temp, policyOf([]));
    assertError(await post([['key', 'temp.txt'], ...fields], { data: 't' }), 403, 'InvalidSecurityToken');
    const r = await post([['key', 'temp.txt'], ['x-oss-security-token', 'token-abc'], ...fields], { data: 't' });
    assert.equal(r.status, 204, r.text);
    await meta.putAccessKey({
      id: 'TempKey0002',
      secret: 'tempSecret',
      accountId: 'acct-other',
      createdAt: 0,
      securityToken: 'token-old',
      expiresAt: Date.now() - 1000,
    });
    const expired = server.client({ accessKeyId: 'TempKey0002', accessKeySecret: 'tempSecret' });
    assertError(
      await post([['key', 'temp.txt'], ['x-oss-security-token', 'token-old'], ...v1Fields(expired, policyOf([]))], {
        data: 't',
      }),
      403,
      'SecurityTokenExpired',
    );
  });

  it('a missing bucket is 404 NoSuchBucket; a missing key field is 400', async () => {
    const r = await postForm(port, buildForm([['key', 'k'], ...v1Fields(client, policyOf([]))], { data: 'x' }), {
      path: '/no-such-bucket-here/',
    });
    assertError(r, 404, 'NoSuchBucket');
    assertError(await post(v1Fields(client, policyOf([])), { data: 'x' }), 400, 'InvalidArgument');
  });
});
