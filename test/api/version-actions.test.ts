/**
 * RAM version-specific actions: a request naming a version (`?versionId=`) needs its own action and the
 * version action too (oss:GetObjectVersion, oss:DeleteObjectVersion, oss:GetObjectVersionTagging, …), in
 * an STS token's policy and in a bucket policy. Real ossd, ali-oss clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { issueCredentials } from '../../src/auth/sts.js';
import { ROOT_ACCOUNT_ID, randomKeyId, randomSecret } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const OTHER = '2000000000000078';
const HOUR = 3600 * 1000;

interface VersionClient {
  putBucketVersioning(name: string, status: 'Enabled' | 'Suspended'): Promise<unknown>;
  putBucketPolicy(bucket: string, policy: object): Promise<{ status: number }>;
  getObjectMeta(name: string, options?: object): Promise<{ status: number }>;
  getObjectTagging(name: string, options?: object): Promise<{ tag: Record<string, string> }>;
  putObjectTagging(name: string, tag: Record<string, string>, options?: object): Promise<unknown>;
  delete(name: string, options?: object): Promise<{ res: { status: number } }>;
  deleteMulti(names: { key: string; versionId: string }[], options?: object): Promise<{ deleted: object[] }>;
}
type Client = OSS & VersionClient;

describe('RAM version actions (requests with versionId)', () => {
  let server: TestServer;
  let owner: Client;
  let v1 = '';
  let v2 = '';
  const bucket = 'ver-actions';

  before(async () => {
    server = await startTestServer();
    owner = (await withBucket(server, bucket)) as Client;
    await owner.putBucketVersioning(bucket, 'Enabled');
    v1 = ((await owner.put('doc', Buffer.from('one'))).res.headers as Record<string, string>)['x-oss-version-id'];
    v2 = ((await owner.put('doc', Buffer.from('two'))).res.headers as Record<string, string>)['x-oss-version-id'];
    await owner.putObjectTagging('doc', { t: '1' }, { versionId: v1 });
  });
  after(() => server.stop());

  async function stsClient(actions: string[]): Promise<Client> {
    const creds = await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, {
      durationSeconds: 900,
      policy: { buckets: [bucket], actions },
    });
    return server.client({
      bucket,
      accessKeyId: creds.AccessKeyId,
      accessKeySecret: creds.AccessKeySecret,
      stsToken: creds.SecurityToken,
      refreshSTSTokenInterval: HOUR,
    } as Partial<OSS.Options>) as Client;
  }

  it('an STS token allowing only oss:GetObject reads the current version, not a named one', async () => {
    const sts = await stsClient(['GetObject', 'GetObjectTagging']);
    assert.equal((await sts.get('doc')).content.toString(), 'two');
    await rejectsWith(sts.get('doc', undefined, { versionId: v1 } as object), 'AccessDenied');
    await rejectsWith(sts.getObjectMeta('doc', { versionId: v1 }), 'AccessDenied');
    await rejectsWith(sts.getObjectTagging('doc', { versionId: v1 }), 'AccessDenied');
    assert.deepEqual((await sts.getObjectTagging('doc')).tag, {});
    // The version action alone is not enough either: OSS requires both.
    const onlyVersion = await stsClient(['GetObjectVersion']);
    await rejectsWith(onlyVersion.get('doc', undefined, { versionId: v1 } as object), 'AccessDenied');
  });

  it('with oss:GetObjectVersion (and the tagging action) the token reads named versions', async () => {
    const sts = await stsClient([
      'oss:GetObject',
      'oss:GetObjectVersion',
      'GetObjectTagging',
      'GetObjectVersionTagging',
    ]);
    assert.equal((await sts.get('doc', undefined, { versionId: v1 } as object)).content.toString(), 'one');
    assert.equal((await sts.getObjectMeta('doc', { versionId: v1 })).status, 200);
    assert.deepEqual((await sts.getObjectTagging('doc', { versionId: v1 })).tag, { t: '1' });
  });

  it('deleting a version needs oss:DeleteObjectVersion; a plain delete (a marker) does not', async () => {
    await owner.put('gone', Buffer.from('g1'));
    const g = ((await owner.put('gone', Buffer.from('g2'))).res.headers as Record<string, string>)['x-oss-version-id'];
    const plain = await stsClient(['DeleteObject']);
    await rejectsWith(plain.delete('gone', { versionId: g }), 'AccessDenied');
    assert.equal((await plain.delete('gone')).res.status, 204);
    await rejectsWith(plain.deleteMulti([{ key: 'gone', versionId: g }]), 'AccessDenied');
    const versioned = await stsClient(['DeleteObject', 'DeleteObjectVersion']);
    assert.equal((await versioned.delete('gone', { versionId: g })).res.status, 204);
    await owner.put('gone2', Buffer.from('x'));
    const g2 = ((await owner.put('gone2', Buffer.from('y'))).res.headers as Record<string, string>)['x-oss-version-id'];
    const multi = await versioned.deleteMulti([{ key: 'gone2', versionId: g2 }]);
    assert.equal(multi.deleted.length, 1);
    assert.equal((await owner.get('gone2')).content.toString(), 'x');
  });

  it('a bucket policy granting another account oss:GetObject does not grant named versions', async () => {
    await server.services.meta.ensureAccount(OTHER, 'other');
    const id = randomKeyId();
    const secret = randomSecret();
    await server.services.meta.putAccessKey({ id, secret, accountId: OTHER, createdAt: Date.now() });
    const other = server.client({ bucket, accessKeyId: id, accessKeySecret: secret }) as Client;
    const policy = (actions: string[], deny?: string[]) => ({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: actions, Principal: [OTHER], Resource: [`acs:oss:*:*:${bucket}/*`] },
        ...(deny ? [{ Effect: 'Deny', Action: deny, Principal: [OTHER], Resource: [`acs:oss:*:*:${bucket}/*`] }] : []),
      ],
    });
    await owner.putBucketPolicy(bucket, policy(['oss:GetObject']));
    assert.equal((await other.get('doc')).content.toString(), 'two');
    await rejectsWith(other.get('doc', undefined, { versionId: v1 } as object), 'AccessDenied');
    await owner.putBucketPolicy(bucket, policy(['oss:GetObject', 'oss:GetObjectVersion']));
    assert.equal((await other.get('doc', undefined, { versionId: v1 } as object)).content.toString(), 'one');
    assert.equal((await other.get('doc', undefined, { versionId: v2 } as object)).content.toString(), 'two');
    // An explicit Deny of the version action leaves the current version readable.
    await owner.putBucketPolicy(bucket, policy(['oss:GetObject*'], ['oss:GetObjectVersion']));
    await rejectsWith(other.get('doc', undefined, { versionId: v1 } as object), 'AccessDenied');
    assert.equal((await other.get('doc')).content.toString(), 'two');
    // The owner is not confined by an Allow it lacks (ownership), only by a Deny naming it.
    assert.equal((await owner.get('doc', undefined, { versionId: v1 } as object)).content.toString(), 'one');
  });
});
