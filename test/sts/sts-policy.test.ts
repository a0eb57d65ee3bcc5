import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { issueCredentials, purgeExpiredKeys, type StsCredentials, StsRequestError } from '../../src/auth/sts.js';
import { compilePolicy, PolicyError, policyAllows, type StsPolicy } from '../../src/auth/sts-policy.js';
import { ROOT_ACCOUNT_ID } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const ACCOUNT = ROOT_ACCOUNT_ID;

describe('STS policy: compile and evaluate', () => {
  it('the simple form confines buckets, prefixes and actions', () => {
    const p = compilePolicy({ buckets: ['b'], prefixes: ['up/'], actions: ['PutObject', 'oss:GetObject'] }, ACCOUNT)!;
    const allows = (q: Parameters<typeof policyAllows>[1]) => policyAllows(p, q);
    assert.equal(allows({ operation: 'PutObject', bucket: 'b', key: 'up/x' }), true);
    assert.equal(allows({ operation: 'InitiateMultipartUpload', bucket: 'b', key: 'up/x' }), true);
    assert.equal(allows({ operation: 'HeadObject', bucket: 'b', key: 'up/x' }), true);
    assert.equal(allows({ operation: 'PutObject', bucket: 'b', key: 'down/x' }), false);
    assert.equal(allows({ operation: 'PutObject', bucket: 'c', key: 'up/x' }), false);
    assert.equal(allows({ operation: 'DeleteObject', bucket: 'b', key: 'up/x' }), false);
    assert.equal(allows({ operation: 'ListBuckets' }), false);
  });

  it('listings must stay inside an allowed prefix', () => {
    const p = compilePolicy({ buckets: ['b'], prefixes: ['up/'], actions: ['ListObjects'] }, ACCOUNT)!;
    assert.equal(policyAllows(p, { operation: 'ListObjectsV2', bucket: 'b', listPrefix: 'up/' }), true);
    assert.equal(policyAllows(p, { operation: 'ListObjects', bucket: 'b', listPrefix: 'up/deeper' }), true);
    assert.equal(policyAllows(p, { operation: 'ListObjects', bucket: 'b', listPrefix: 'u' }), false);
    assert.equal(policyAllows(p, { operation: 'ListObjects', bucket: 'b', listPrefix: '' }), false);
    const whole = compilePolicy({ buckets: ['b'], actions: ['ListObjects'] }, ACCOUNT)!;
    assert.equal(policyAllows(whole, { operation: 'ListObjects', bucket: 'b', listPrefix: '' }), true);
    assert.equal(policyAllows(whole, { operation: 'GetBucketInfo', bucket: 'b' }), false);
  });

  it('a RAM document: wildcards, explicit Deny wins, other accounts never match', () => {
    const doc = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: ['acs:oss:*:*:b', 'acs:oss:*:*:b/*'] },
        { Effect: 'Deny', Action: ['oss:Delete*'], Resource: 'acs:oss:*:*:b/keep/*' },
        { Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:999:other/*' },
      ],
    };
    const p = compilePolicy(JSON.stringify(doc), ACCOUNT) as StsPolicy;
    assert.equal(policyAllows(p, { operation: 'DeleteObject', bucket: 'b', key: 'tmp/x' }), true);
    assert.equal(policyAllows(p, { operation: 'DeleteObject', bucket: 'b', key: 'keep/x' }), false);
    assert.equal(policyAllows(p, { operation: 'GetObject', bucket: 'b', key: 'keep/x' }), true);
    assert.equal(policyAllows(p, { operation: 'GetBucketInfo', bucket: 'b' }), true);
    assert.equal(policyAllows(p, { operation: 'GetObject', bucket: 'other', key: 'x' }), false);
  });

  it('rejects what it cannot enforce faithfully', () => {
    const bad: unknown[] = [
      { bucket: ['b'] },
      { actions: ['Frobnicate'] },
      { actions: ['ecs:RunInstances'] },
      { buckets: ['Not_A/Bucket'] },
      { prefixes: [] },
      { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] },
      // Conditions are evaluated, but an operator or key ossd cannot evaluate is refused, not ignored.
      {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'oss:*',
            Resource: 'acs:oss:*:*:b/*',
            Condition: { IpAddressMaybe: { 'acs:SourceIp': '1.2.3.4' } },
          },
        ],
      },
      {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'oss:*',
            Resource: 'acs:oss:*:*:b/*',
            Condition: { StringEquals: { 'acs:MFAPresent': 'true' } },
          },
        ],
      },
      {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'oss:*',
            Resource: 'acs:oss:*:*:b/*',
            Condition: { IpAddress: { 'acs:SourceIp': '1.2.3' } },
          },
        ],
      },
      { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:b/*', Principal: '*' }] },
      { Version: '1', Statement: [{ Effect: 'Maybe', Action: 'oss:*', Resource: 'acs:oss:*:*:b/*' }] },
      '{not json',
      { prefixes: ['x'.repeat(3000)] },
    ];
    for (const b of bad) assert.throws(() => compilePolicy(b, ACCOUNT), PolicyError, JSON.stringify(b).slice(0, 80));
  });

  it('evaluates Condition blocks with the request facts (shared with bucket policies)', () => {
    const p = compilePolicy(
      {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'oss:GetObject',
            Resource: 'acs:oss:*:*:b/*',
            Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] }, Bool: { 'acs:SecureTransport': 'false' } },
          },
        ],
      },
      ACCOUNT,
    ) as StsPolicy;
    const q = { operation: 'GetObject' as const, bucket: 'b', key: 'k' };
    const facts = (ip: string) => ({ sourceIp: ip, secureTransport: false, now: Date.now() });
    assert.equal(policyAllows(p, q, facts('10.1.2.3')), true);
    assert.equal(policyAllows(p, q, facts('127.0.0.1')), false);
    assert.equal(policyAllows(p, q, { ...facts('10.1.2.3'), secureTransport: true }), false);
    // Without facts a conditional Allow cannot be shown to apply.
    assert.equal(policyAllows(p, q), false);
  });
});

describe('STS policy enforced on ali-oss requests', () => {
  let server: TestServer;
  let sts: (policy: unknown, bucket?: string, accountId?: string) => Promise<OSS>;
  before(async () => {
    server = await startTestServer();
    const root = await withBucket(server, 'upb');
    await root.put('outside/secret.txt', Buffer.from('secret'));
    await root.put('uploads/seed.txt', Buffer.from('seed'));
    await server.client().putBucket('elsewhere');
    sts = async (policy, bucket = 'upb', accountId = ACCOUNT) => {
      const c: StsCredentials = await issueCredentials(server.services.meta, accountId, { policy });
      return server.client({
        bucket,
        accessKeyId: c.AccessKeyId,
        accessKeySecret: c.AccessKeySecret,
        stsToken: c.SecurityToken,
        refreshSTSTokenInterval: 3600_000,
      });
    };
  });
  after(() => server.stop());

  it('in-policy put / get / head / list succeed; out-of-policy prefix, bucket and action are AccessDenied', async () => {
    const policy = { buckets: ['upb'], prefixes: ['uploads/'], actions: ['PutObject', 'GetObject', 'ListObjects'] };
    const client = await sts(policy);
    await client.put('uploads/new.txt', Buffer.from('new'));
    assert.equal((await client.get('uploads/new.txt')).content.toString(), 'new');
    assert.equal((await client.head('uploads/seed.txt')).status, 200);
    const listed = await client.list({ prefix: 'uploads/', 'max-keys': 10 }, {});
    assert.deepEqual(listed.objects.map((o) => o.name).sort(), ['uploads/new.txt', 'uploads/seed.txt']);

    await rejectsWith(client.put('outside/x.txt', Buffer.from('x')), 'AccessDenied');
    await rejectsWith(client.get('outside/secret.txt'), 'AccessDenied');
    await rejectsWith(client.list({ 'max-keys': 10 }, {}), 'AccessDenied');
    await rejectsWith(client.list({ prefix: 'out', 'max-keys': 10 }, {}), 'AccessDenied');
    await rejectsWith(client.delete('uploads/new.txt'), 'AccessDenied');
    await rejectsWith(client.getBucketInfo('upb'), 'AccessDenied');
    await rejectsWith(client.copy('uploads/copy.txt', '/upb/outside/secret.txt'), 'AccessDenied');
    const other = await sts(policy, 'elsewhere');
    await rejectsWith(other.put('uploads/x.txt', Buffer.from('x')), 'AccessDenied');
    await rejectsWith(other.listBuckets({}), 'AccessDenied');
    // The denial names the STS policy (EC 0003-00000301), as OSS does.
    await assert.rejects(client.get('outside/secret.txt'), (err: { ecCode?: string }) => {
      assert.equal(err.ecCode, '0003-00000301');
      return true;
    });
  });

  it('copy inside the policy works; tagging on upload needs PutObjectTagging', async () => {
    const client = await sts({ buckets: ['upb'], prefixes: ['uploads/'], actions: ['PutObject', 'GetObject'] });
    await client.copy('uploads/copied.txt', '/upb/uploads/seed.txt');
    await rejectsWith(
      client.put('uploads/tagged.txt', Buffer.from('t'), { headers: { 'x-oss-tagging': 'a=1' } }),
      'AccessDenied',
    );
  });

  it('a RAM policy document with an explicit Deny', async () => {
    const client = await sts({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:*'], Resource: ['acs:oss:*:*:upb/*'] },
        { Effect: 'Deny', Action: ['oss:DeleteObject'], Resource: ['acs:oss:*:*:upb/uploads/*'] },
      ],
    });
    await client.put('scratch/a.txt', Buffer.from('a'));
    await client.delete('scratch/a.txt');
    await rejectsWith(client.delete('uploads/seed.txt'), 'AccessDenied');
    assert.equal((await client.get('outside/secret.txt')).content.toString(), 'secret');
  });

  it('never exceeds the issuing account: an unrestricted token of another account meets the bucket ACL', async () => {
    await server.services.meta.ensureAccount('2000000000000002', 'other');
    const stranger = await sts(undefined, 'upb', '2000000000000002');
    await rejectsWith(stranger.get('uploads/seed.txt'), 'AccessDenied');
    await rejectsWith(stranger.put('uploads/x.txt', Buffer.from('x')), 'AccessDenied');
  });

  it('issuing validates duration, policy and account', async () => {
    const meta = server.services.meta;
    await assert.rejects(issueCredentials(meta, ACCOUNT, { durationSeconds: 899 }), StsRequestError);
    await assert.rejects(issueCredentials(meta, ACCOUNT, { durationSeconds: 43201 }), StsRequestError);
    await assert.rejects(issueCredentials(meta, ACCOUNT, { policy: { actions: ['Nope'] } }), StsRequestError);
    await assert.rejects(issueCredentials(meta, 'no-such-account', {}), StsRequestError);
  });

  it('purges keys long expired: they then fail as unknown access keys', async () => {
    const meta = server.services.meta;
    const old = await issueCredentials(meta, ACCOUNT, {}, Date.now() - 3 * 24 * 3600_000);
    const recent = await issueCredentials(meta, ACCOUNT, {}, Date.now() - 2 * 3600_000);
    const removed = await purgeExpiredKeys(meta);
    assert.ok(removed >= 1);
    assert.equal(await meta.getAccessKey(old.AccessKeyId), undefined);
    assert.ok(await meta.getAccessKey(recent.AccessKeyId), 'an expired key inside the grace period is kept');
    const c = server.client({
      bucket: 'upb',
      accessKeyId: old.AccessKeyId,
      accessKeySecret: old.AccessKeySecret,
      stsToken: old.SecurityToken,
      refreshSTSTokenInterval: 3600_000,
    });
    await rejectsWith(c.get('uploads/seed.txt'), 'InvalidAccessKeyId');
  });
});
