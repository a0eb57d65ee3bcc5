/**
 * Bucket policies (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus) with the
 * real ali-oss client, and each rule changing what a request gets: anonymous requests, another account's
 * keys, presigned URLs, STS tokens and symlinks all meet the policy; an explicit Deny wins over ACLs and
 * STS policies; an Allow grants access a private ACL would refuse.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { issueCredentials } from '../../src/auth/sts.js';
import { ROOT_ACCOUNT_ID, randomKeyId, randomSecret } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const OTHER = '2000000000000077';
const HOUR = 3600 * 1000;

interface PolicyDoc {
  Version: string;
  Statement: Record<string, unknown>[];
}

/** ali-oss 6.23 bucket-policy methods (@types/ali-oss lacks them). */
interface PolicyClient {
  putBucketPolicy(bucket: string, policy: object): Promise<{ status: number }>;
  getBucketPolicy(bucket: string): Promise<{ policy: PolicyDoc | null; status: number }>;
  deleteBucketPolicy(bucket: string): Promise<{ status: number }>;
}
const pc = (c: OSS) => c as unknown as PolicyClient;

interface Raw {
  status: number;
  code?: string;
  message?: string;
  text: string;
}

const doc = (...Statement: Record<string, unknown>[]): PolicyDoc => ({ Version: '1', Statement });

describe('bucket policy', () => {
  let server: TestServer;
  let base: string;
  let owner: OSS;
  let otherId: string;
  let otherSecret: string;

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
  const anonGet = (bucket: string, key: string, headers: Record<string, string> = {}) =>
    raw('GET', `/${bucket}/${key}`, { headers });

  /** A bucket of the owner with objects; returns the owner's client bound to it. */
  async function bucketWith(name: string, acl: OSS.ACLType, keys: string[]): Promise<OSS> {
    const c = await withBucket(server, name);
    if (acl !== 'private') await c.putBucketACL(name, acl);
    for (const k of keys) await c.put(k, Buffer.from(`body of ${k}`));
    return c;
  }

  const otherClient = (bucket: string) => server.client({ accessKeyId: otherId, accessKeySecret: otherSecret, bucket });

  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
    owner = server.client();
    await server.services.meta.ensureAccount(OTHER, 'other');
    otherId = randomKeyId();
    otherSecret = randomSecret();
    await server.services.meta.putAccessKey({
      id: otherId,
      secret: otherSecret,
      accountId: OTHER,
      createdAt: Date.now(),
    });
  });
  after(() => server.stop());

  it('put, get, delete round trip as ali-oss calls them; none → 404 NoSuchBucketPolicy', async () => {
    await withBucket(server, 'bp-roundtrip');
    const policy = doc({
      Action: ['oss:PutObject', 'oss:GetObject'],
      Effect: 'Deny',
      Principal: ['1234567890'],
      Resource: ['acs:oss:*:1234567890:*/*'],
    });
    assert.equal((await pc(owner).putBucketPolicy('bp-roundtrip', policy)).status, 200);
    assert.deepEqual((await pc(owner).getBucketPolicy('bp-roundtrip')).policy, policy);
    assert.equal((await pc(owner).deleteBucketPolicy('bp-roundtrip')).status, 204);
    // ali-oss 6.23 answers { policy: null } for the 404 (it sets successStatuses after the request).
    assert.equal((await pc(owner).getBucketPolicy('bp-roundtrip')).policy, null);
    const r = await raw('GET', '/bp-roundtrip/?policy', { headers: signatureV1('GET', '/bp-roundtrip/?policy', {}) });
    assert.equal(r.status, 404);
    assert.equal(r.code, 'NoSuchBucketPolicy');
    // Deleting again is fine.
    assert.equal((await pc(owner).deleteBucketPolicy('bp-roundtrip')).status, 204);
    // A deleted bucket's policy goes with it: a new bucket of that name starts without one.
    await pc(owner).putBucketPolicy('bp-roundtrip', policy);
    await owner.deleteBucket('bp-roundtrip');
    await owner.putBucket('bp-roundtrip');
    assert.equal((await pc(owner).getBucketPolicy('bp-roundtrip')).policy, null);
  });

  it('refuses malformed documents with InvalidPolicyDocument', async () => {
    await withBucket(server, 'bp-invalid');
    const ok = { Effect: 'Allow', Action: 'oss:GetObject', Principal: '*', Resource: 'acs:oss:*:*:bp-invalid/*' };
    const bad: object[] = [
      { Version: 1, Statement: [ok] },
      { Version: '2', Statement: [ok] },
      { Version: '1', Statement: [] },
      { Version: '1', Statement: [{ ...ok, Effect: 'Maybe' }] },
      { Version: '1', Statement: [{ ...ok, Action: 'ecs:RunInstances' }] },
      { Version: '1', Statement: [{ ...ok, Resource: 'arn:aws:s3:::bp-invalid/*' }] },
      { Version: '1', Statement: [{ ...ok, Condition: { IpAddressish: { 'acs:SourceIp': '1.2.3.4' } } }] },
      { Version: '1', Statement: [{ ...ok, Condition: { IpAddress: { 'acs:SourceIp': '1.2.3.400' } } }] },
      { Version: '1', Statement: [{ ...ok, Condition: { StringEquals: { 'acs:Unknown': 'x' } } }] },
      { Version: '1', Statement: [{ ...ok, Condition: { DateLessThan: { 'acs:CurrentTime': 'tomorrow' } } }] },
    ];
    for (const policy of bad) {
      await rejectsWith(pc(owner).putBucketPolicy('bp-invalid', policy), 'InvalidPolicyDocument', 400);
    }
    for (const body of ['{not json', '[]', '']) {
      const r = await raw('PUT', '/bp-invalid/?policy', {
        headers: signatureV1('PUT', '/bp-invalid/?policy', { 'content-type': 'application/json' }),
        body,
      });
      assert.equal(r.status, 400, body);
      assert.equal(r.code, 'InvalidPolicyDocument', body);
    }
    // Nothing was stored.
    assert.equal((await pc(owner).getBucketPolicy('bp-invalid')).policy, null);
  });

  it("accepts the documents the official SDKs' own tests put, and reads them the safe way", async () => {
    const c = await bucketWith('bp-sdk', 'public-read', ['user1/a.txt', 'other/b.txt']);
    const put = (text: string) =>
      raw('PUT', '/bp-sdk/?policy', {
        headers: signatureV1('PUT', '/bp-sdk/?policy', { 'content-type': 'text/plain' }),
        body: text,
      });
    const get = async () =>
      (await raw('GET', '/bp-sdk/?policy', { headers: signatureV1('GET', '/bp-sdk/?policy', {}) })).text;
    // aliyun-oss-java-sdk BucketPolicyTest: JSON arrays inside strings, a numeric principal.
    const java =
      '{"Version":"1","Statement":[{"Action":["oss:GetObject","oss:PutObject"],"Effect":"Deny","Principal":"[123456790]","Resource":"[\\"acs:oss:*:1234567890:*\\/*\\"]"}]}';
    assert.equal((await put(java)).status, 200);
    assert.equal(await get(), java, 'returned byte for byte');
    // aliyun-oss-java-sdk BucketPolicySample: an Allow without Principal grants nobody anything.
    const sample =
      '{"Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:ListObjects"], "Resource": ["acs:oss:*:*:*/user1/*"]}], "Version": "1"}';
    await c.putBucketACL('bp-sdk', 'private');
    assert.equal((await put(sample)).status, 200);
    assert.equal((await anonGet('bp-sdk', 'user1/a.txt')).status, 403);
    // A Deny without Principal applies to everyone but the owner.
    await c.putBucketACL('bp-sdk', 'public-read');
    const deny =
      '{"Version":"1","Statement":[{"Action":["oss:GetObject"],"Resource":"acs:oss:*:*:bp-sdk/other/*","Effect":"Deny"}]}';
    assert.equal((await put(deny)).status, 200);
    assert.equal((await anonGet('bp-sdk', 'other/b.txt')).status, 403);
    assert.equal((await anonGet('bp-sdk', 'user1/a.txt')).status, 200);
    assert.equal((await c.get('other/b.txt')).content.toString(), 'body of other/b.txt');
  });

  it('only the bucket owner may put, get or delete the policy, whatever the policy says', async () => {
    await withBucket(server, 'bp-owner');
    await pc(owner).putBucketPolicy(
      'bp-owner',
      doc({
        Effect: 'Allow',
        Action: 'oss:*',
        Principal: ['*'],
        Resource: ['acs:oss:*:*:bp-owner', 'acs:oss:*:*:bp-owner/*'],
      }),
    );
    const other = otherClient('bp-owner');
    await rejectsWith(pc(other).putBucketPolicy('bp-owner', doc()), 'AccessDenied');
    await rejectsWith(pc(other).deleteBucketPolicy('bp-owner'), 'AccessDenied');
    const r = await raw('GET', '/bp-owner/?policy');
    assert.equal(r.status, 403);
    assert.equal((await raw('DELETE', '/bp-owner/?policy')).status, 403);
    assert.equal((await raw('GET', '/bp-owner/?policyStatus')).status, 403);
    assert.ok((await pc(owner).getBucketPolicy('bp-owner')).policy);
  });

  it('an Allow grants anonymous read on a private bucket, only where it says', async () => {
    await bucketWith('bp-allow', 'private', ['pub/a.txt', 'priv/b.txt']);
    assert.equal((await anonGet('bp-allow', 'pub/a.txt')).status, 403);
    await pc(owner).putBucketPolicy(
      'bp-allow',
      doc({ Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['*'], Resource: ['acs:oss:*:*:bp-allow/pub/*'] }),
    );
    const got = await anonGet('bp-allow', 'pub/a.txt');
    assert.equal(got.status, 200);
    assert.equal(got.text, 'body of pub/a.txt');
    assert.equal((await anonGet('bp-allow', 'priv/b.txt')).status, 403);
    // Not a write grant, not a listing grant.
    assert.equal((await raw('PUT', '/bp-allow/pub/new.txt', { body: 'x' })).status, 403);
    assert.equal((await raw('GET', '/bp-allow/')).status, 403);
  });

  it("an Allow naming another account grants that account's keys and presigned URLs, not anyone else", async () => {
    await bucketWith('bp-cross', 'private', ['shared/x.txt']);
    const other = otherClient('bp-cross');
    await rejectsWith(other.get('shared/x.txt'), 'AccessDenied');
    await pc(owner).putBucketPolicy(
      'bp-cross',
      doc({
        Effect: 'Allow',
        Action: ['oss:GetObject', 'oss:PutObject', 'oss:ListObjects'],
        Principal: [OTHER],
        Resource: ['acs:oss:*:*:bp-cross', 'acs:oss:*:*:bp-cross/shared/*'],
      }),
    );
    assert.equal((await other.get('shared/x.txt')).content.toString(), 'body of shared/x.txt');
    await other.put('shared/y.txt', Buffer.from('from other'));
    owner.useBucket('bp-cross');
    assert.equal((await owner.get('shared/y.txt')).content.toString(), 'from other');
    const listed = await other.list({ prefix: 'shared/', 'max-keys': 10 }, {});
    assert.deepEqual(
      listed.objects.map((o) => o.name),
      ['shared/x.txt', 'shared/y.txt'],
    );
    await rejectsWith(other.put('elsewhere.txt', Buffer.from('no')), 'AccessDenied');
    const url = other.signatureUrl('shared/x.txt', { expires: 60 });
    assert.equal((await fetch(url)).status, 200);
    // Anonymous callers are not the named account.
    assert.equal((await anonGet('bp-cross', 'shared/x.txt')).status, 403);
  });

  it('a Deny by acs:SourceIp beats a public-read ACL, for the owner too (Principal * with a Condition)', async () => {
    const c = await bucketWith('bp-ipdeny', 'public-read', ['a.txt']);
    assert.equal((await anonGet('bp-ipdeny', 'a.txt')).status, 200);
    await pc(owner).putBucketPolicy(
      'bp-ipdeny',
      doc({
        Effect: 'Deny',
        Action: ['oss:GetObject'],
        Principal: ['*'],
        Resource: ['acs:oss:*:*:bp-ipdeny/*'],
        Condition: { IpAddress: { 'acs:SourceIp': ['127.0.0.0/8', '::1/128'] } },
      }),
    );
    const r = await anonGet('bp-ipdeny', 'a.txt');
    assert.equal(r.status, 403);
    assert.equal(r.code, 'AccessDenied');
    assert.equal(r.message, 'Access denied by bucket policy.');
    await rejectsWith(c.get('a.txt'), 'AccessDenied');
    // The owner can still manage the policy (no lock-out) and writing was not denied.
    await c.put('b.txt', Buffer.from('b'));
    await pc(owner).putBucketPolicy(
      'bp-ipdeny',
      doc({
        Effect: 'Deny',
        Action: ['oss:GetObject'],
        Principal: ['*'],
        Resource: ['acs:oss:*:*:bp-ipdeny/*'],
        Condition: { NotIpAddress: { 'acs:SourceIp': ['127.0.0.0/8', '::1/128'] } },
      }),
    );
    assert.equal((await anonGet('bp-ipdeny', 'a.txt')).status, 200);
    assert.equal((await c.get('a.txt')).content.toString(), 'body of a.txt');
  });

  it('a Deny on a prefix beats public-read for others; without a Condition it spares the owner', async () => {
    const c = await bucketWith('bp-prefix', 'public-read', ['private/s.txt', 'public/p.txt']);
    await pc(owner).putBucketPolicy(
      'bp-prefix',
      doc({ Effect: 'Deny', Action: ['oss:*'], Principal: ['*'], Resource: ['acs:oss:*:*:bp-prefix/private/*'] }),
    );
    assert.equal((await anonGet('bp-prefix', 'private/s.txt')).status, 403);
    assert.equal((await anonGet('bp-prefix', 'public/p.txt')).status, 200);
    await rejectsWith(otherClient('bp-prefix').get('private/s.txt'), 'AccessDenied');
    assert.equal((await c.get('private/s.txt')).content.toString(), 'body of private/s.txt');
  });

  it('a Deny naming the owner account applies to the owner, also inside DeleteMultipleObjects', async () => {
    const c = await bucketWith('bp-ownerdeny', 'private', ['keep/a.txt', 'free/b.txt']);
    await pc(owner).putBucketPolicy(
      'bp-ownerdeny',
      doc({
        Effect: 'Deny',
        Action: ['oss:DeleteObject'],
        Principal: [ROOT_ACCOUNT_ID],
        Resource: ['acs:oss:*:*:bp-ownerdeny/keep/*'],
      }),
    );
    await rejectsWith(c.delete('keep/a.txt'), 'AccessDenied');
    await rejectsWith(c.deleteMulti(['free/b.txt', 'keep/a.txt']), 'AccessDenied');
    assert.equal((await c.head('free/b.txt')).status, 200, 'nothing deleted when one key is denied');
    await c.deleteMulti(['free/b.txt']);
    await rejectsWith(c.head('free/b.txt'), 'NoSuchKey', 404);
  });

  it('oss:Prefix and oss:Delimiter conditions confine listings', async () => {
    await bucketWith('bp-list', 'public-read', ['docs/a.txt', 'docs/b.txt', 'secret/c.txt']);
    await pc(owner).putBucketPolicy(
      'bp-list',
      doc(
        {
          Effect: 'Deny',
          Action: ['oss:ListObjects'],
          Principal: ['*'],
          Resource: ['acs:oss:*:*:bp-list'],
          Condition: { StringNotLike: { 'oss:Prefix': ['docs/*'] } },
        },
        {
          Effect: 'Deny',
          Action: ['oss:ListObjects'],
          Principal: ['*'],
          Resource: ['acs:oss:*:*:bp-list'],
          Condition: { StringEquals: { 'oss:Delimiter': ['#'] } },
        },
      ),
    );
    const ok = await raw('GET', '/bp-list/?prefix=docs/');
    assert.equal(ok.status, 200);
    assert.match(ok.text, /docs\/a\.txt/);
    assert.equal((await raw('GET', '/bp-list/')).status, 403);
    assert.equal((await raw('GET', '/bp-list/?prefix=secret/')).status, 403);
    assert.equal((await raw('GET', '/bp-list/?list-type=2&prefix=secret/')).status, 403);
    assert.equal((await raw('GET', '/bp-list/?prefix=docs/&delimiter=%23')).status, 403);
    assert.equal((await raw('GET', '/bp-list/?prefix=docs/&delimiter=/')).status, 200);
  });

  it('acs:Referer, acs:UserAgent, acs:SecureTransport and acs:CurrentTime conditions', async () => {
    await bucketWith('bp-cond', 'private', ['r.txt', 't.txt', 's.txt']);
    const past = '2020-01-01T00:00:00Z';
    await pc(owner).putBucketPolicy(
      'bp-cond',
      doc(
        {
          Effect: 'Allow',
          Action: ['oss:GetObject'],
          Principal: ['*'],
          Resource: ['acs:oss:*:*:bp-cond/r.txt'],
          Condition: {
            StringLike: { 'acs:Referer': ['http://good.example/*'] },
            StringNotEquals: { 'acs:UserAgent': ['badbot'] },
          },
        },
        {
          Effect: 'Allow',
          Action: ['oss:GetObject'],
          Principal: ['*'],
          Resource: ['acs:oss:*:*:bp-cond/t.txt'],
          Condition: { DateLessThan: { 'acs:CurrentTime': past } },
        },
        {
          Effect: 'Allow',
          Action: ['oss:GetObject'],
          Principal: ['*'],
          Resource: ['acs:oss:*:*:bp-cond/s.txt'],
          Condition: { Bool: { 'acs:SecureTransport': ['true'] } },
        },
      ),
    );
    assert.equal((await anonGet('bp-cond', 'r.txt', { referer: 'http://good.example/page' })).status, 200);
    assert.equal((await anonGet('bp-cond', 'r.txt', { referer: 'http://bad.example/page' })).status, 403);
    assert.equal((await anonGet('bp-cond', 'r.txt')).status, 403);
    assert.equal(
      (await anonGet('bp-cond', 'r.txt', { referer: 'http://good.example/page', 'user-agent': 'badbot' })).status,
      403,
    );
    // The window closed in 2020; this plain-HTTP server is never secure transport.
    assert.equal((await anonGet('bp-cond', 't.txt')).status, 403);
    assert.equal((await anonGet('bp-cond', 's.txt')).status, 403);
  });

  it('an explicit Deny beats an STS token whose own policy allows the request', async () => {
    const c = await bucketWith('bp-sts', 'private', ['ok.txt', 'locked/x.txt']);
    const creds = await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, {
      durationSeconds: 900,
      policy: { buckets: ['bp-sts'] },
    });
    const sts = server.client({
      bucket: 'bp-sts',
      accessKeyId: creds.AccessKeyId,
      accessKeySecret: creds.AccessKeySecret,
      stsToken: creds.SecurityToken,
      refreshSTSTokenInterval: HOUR,
    } as Partial<OSS.Options>);
    assert.equal((await sts.get('locked/x.txt')).content.toString(), 'body of locked/x.txt');
    await pc(c).putBucketPolicy(
      'bp-sts',
      doc({
        Effect: 'Deny',
        Action: ['oss:GetObject'],
        Principal: [ROOT_ACCOUNT_ID],
        Resource: ['acs:oss:*:*:bp-sts/locked/*'],
      }),
    );
    await rejectsWith(sts.get('locked/x.txt'), 'AccessDenied');
    assert.equal((await sts.get('ok.txt')).content.toString(), 'body of ok.txt');
    // A presigned URL of the token meets the policy too.
    assert.equal((await fetch(sts.signatureUrl('locked/x.txt', { expires: 60 }))).status, 403);
    assert.equal((await fetch(sts.signatureUrl('ok.txt', { expires: 60 }))).status, 200);
  });

  it("an STS token's own Condition is evaluated by the same evaluator, with the same request facts", async () => {
    await bucketWith('bp-stscond', 'private', ['a.txt']);
    const tokenWith = async (op: 'IpAddress' | 'NotIpAddress') => {
      const creds = await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, {
        durationSeconds: 900,
        policy: doc({
          Effect: 'Allow',
          Action: ['oss:GetObject'],
          Resource: ['acs:oss:*:*:bp-stscond/*'],
          Condition: { [op]: { 'acs:SourceIp': ['10.0.0.0/8'] } },
        }),
      });
      return server.client({
        bucket: 'bp-stscond',
        accessKeyId: creds.AccessKeyId,
        accessKeySecret: creds.AccessKeySecret,
        stsToken: creds.SecurityToken,
        refreshSTSTokenInterval: HOUR,
      } as Partial<OSS.Options>);
    };
    await rejectsWith((await tokenWith('IpAddress')).get('a.txt'), 'AccessDenied');
    assert.equal((await (await tokenWith('NotIpAddress')).get('a.txt')).content.toString(), 'body of a.txt');
  });

  it("a symlink's target is authorised with the bucket policy too", async () => {
    const c = await bucketWith('bp-link', 'private', ['secret.txt', 'open/target.txt']);
    await c.putSymlink('open/link-secret', 'secret.txt');
    await c.putSymlink('open/link-ok', 'open/target.txt');
    await pc(c).putBucketPolicy(
      'bp-link',
      doc({ Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['*'], Resource: ['acs:oss:*:*:bp-link/open/*'] }),
    );
    assert.equal((await anonGet('bp-link', 'open/link-ok')).text, 'body of open/target.txt');
    assert.equal((await anonGet('bp-link', 'open/link-secret')).status, 403);
    assert.equal((await raw('HEAD', '/bp-link/open/link-secret')).status, 403);
    // And a Deny on the target holds although the link is in a public-read bucket.
    await c.putBucketACL('bp-link', 'public-read');
    await pc(c).putBucketPolicy(
      'bp-link',
      doc({
        Effect: 'Deny',
        Action: ['oss:GetObject'],
        Principal: ['*'],
        Resource: ['acs:oss:*:*:bp-link/secret.txt'],
      }),
    );
    assert.equal((await anonGet('bp-link', 'secret.txt')).status, 403);
    assert.equal((await anonGet('bp-link', 'open/link-secret')).status, 403);
    assert.equal((await anonGet('bp-link', 'open/link-ok')).status, 200);
  });

  it('a copy source in another bucket meets that bucket policy', async () => {
    await bucketWith('bp-src', 'public-read', ['no-copy.txt', 'copy-ok.txt']);
    await pc(owner).putBucketPolicy(
      'bp-src',
      doc({
        Effect: 'Deny',
        Action: ['oss:GetObject'],
        Principal: ['*'],
        Resource: ['acs:oss:*:*:bp-src/no-copy.txt'],
      }),
    );
    const other = otherClient('placeholder');
    await other.putBucket('bp-other-dst');
    other.useBucket('bp-other-dst');
    await other.copy('copied.txt', '/bp-src/copy-ok.txt');
    await rejectsWith(other.copy('copied2.txt', '/bp-src/no-copy.txt'), 'AccessDenied');
  });

  it('GetBucketPolicyStatus says whether the policy opens the bucket to everyone', async () => {
    await withBucket(server, 'bp-status');
    const status = async () => {
      const r = await raw('GET', '/bp-status/?policyStatus', {
        headers: signatureV1('GET', '/bp-status/?policyStatus', {}),
      });
      return { status: r.status, code: r.code, isPublic: /<IsPublic>([^<]*)<\/IsPublic>/.exec(r.text)?.[1] };
    };
    assert.deepEqual(await status(), { status: 404, code: 'NoSuchBucketPolicy', isPublic: undefined });
    const stmt = { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:bp-status/*'] };
    await pc(owner).putBucketPolicy('bp-status', doc({ ...stmt, Principal: [OTHER] }));
    assert.equal((await status()).isPublic, 'false');
    await pc(owner).putBucketPolicy(
      'bp-status',
      doc({ ...stmt, Principal: ['*'], Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }),
    );
    assert.equal((await status()).isPublic, 'false');
    await pc(owner).putBucketPolicy('bp-status', doc({ ...stmt, Principal: [] }));
    assert.equal((await status()).isPublic, 'true');
  });
});
