/** /-/admin/keys: list, create and revoke the access keys of the caller's account (the console's Keys page). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const ROOT = basic(ROOT_ID, ROOT_SECRET);

describe('/-/admin/keys', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
  async function call(method: string, path: string, auth = ROOT): Promise<{ status: number; json: any }> {
    const r = await fetch(`${server.endpoint}/-/admin${path}`, { method, headers: { authorization: auth } });
    return { status: r.status, json: await r.json() };
  }

  it('needs the Basic credentials of a permanent key', async () => {
    const r = await call('GET', '/keys', basic('nobody', 'secret'));
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'AccessDenied');
  });

  it('creates a key that signs OSS requests, lists it without its secret, and revokes it', async () => {
    const created = await call('POST', '/keys');
    assert.equal(created.status, 200);
    const { accessKeyId, accessKeySecret } = created.json;
    assert.match(accessKeyId, /^[A-Za-z0-9]{16,}$/);
    assert.ok(accessKeySecret.length >= 24);
    assert.equal(created.json.accountId, (await call('GET', '/keys')).json.keys[0].accountId);

    const client = server.client({ accessKeyId, accessKeySecret });
    await client.putBucket('keys-made-here');
    const all = (await server.client().listBuckets({})) as unknown as { buckets: { name: string }[] };
    assert.ok(
      all.buckets.some((b) => b.name === 'keys-made-here'),
      'the new key works for its account',
    );

    const listed = await call('GET', '/keys');
    const mine = listed.json.keys.find((k: { accessKeyId: string }) => k.accessKeyId === accessKeyId);
    assert.deepEqual(Object.keys(mine).sort(), ['accessKeyId', 'accountId', 'createdAt', 'current', 'temporary']);
    assert.equal(mine.temporary, false);
    assert.equal(mine.current, false);
    assert.equal(listed.json.keys.find((k: { accessKeyId: string }) => k.accessKeyId === ROOT_ID).current, true);
    assert.doesNotMatch(JSON.stringify(listed.json), new RegExp(accessKeySecret));

    const revoked = await call('DELETE', `/keys/${accessKeyId}`);
    assert.deepEqual(revoked, { status: 200, json: { deleted: accessKeyId } });
    await assert.rejects(
      client.getBucketInfo('keys-made-here'),
      (e: { code: string }) => e.code === 'InvalidAccessKeyId',
    );
    assert.equal((await call('DELETE', `/keys/${accessKeyId}`)).status, 404);
  });

  it('lists STS keys as temporary with their expiry, and revokes them', async () => {
    const r = await fetch(`${server.endpoint}/-/admin/sts`, {
      method: 'POST',
      headers: { authorization: ROOT, 'content-type': 'application/json' },
      body: JSON.stringify({ durationSeconds: 900 }),
    });
    const { Credentials } = (await r.json()) as { Credentials: { AccessKeyId: string; Expiration: string } };
    const k = (await call('GET', '/keys')).json.keys.find(
      (x: { accessKeyId: string }) => x.accessKeyId === Credentials.AccessKeyId,
    );
    assert.equal(k.temporary, true);
    assert.equal(new Date(k.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z'), Credentials.Expiration);
    assert.equal((await call('DELETE', `/keys/${Credentials.AccessKeyId}`)).status, 200);
  });

  it('refuses to revoke the calling key and keys of other accounts', async () => {
    const self = await call('DELETE', `/keys/${ROOT_ID}`);
    assert.equal(self.status, 409);
    assert.equal(self.json.code, 'KeyInUse');
    const anonymous = await fetch(`${server.endpoint}/-/admin/keys/${ROOT_ID}`, { method: 'DELETE' });
    assert.equal(anonymous.status, 403);
    // A key of another account: invisible (not listed) and not revocable (404, as if absent).
    await server.services.meta.ensureAccount('other-acct', 'other');
    await server.services.meta.putAccessKey({
      id: 'OtherAccountKey01',
      secret: 'x'.repeat(30),
      accountId: 'other-acct',
      createdAt: 1,
    });
    const ids = (await call('GET', '/keys')).json.keys.map((k: { accessKeyId: string }) => k.accessKeyId);
    assert.ok(!ids.includes('OtherAccountKey01'));
    assert.equal((await call('DELETE', '/keys/OtherAccountKey01')).status, 404);
    assert.ok(await server.services.meta.getAccessKey('OtherAccountKey01'));
    const otherAuth = basic('OtherAccountKey01', 'x'.repeat(30));
    assert.equal((await call('DELETE', `/keys/${ROOT_ID}`, otherAuth)).status, 404);
    assert.equal((await call('PUT', '/keys')).status, 405);
    assert.equal((await call('DELETE', '/keys/no-such-key')).status, 404);
  });
});
