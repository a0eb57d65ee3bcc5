import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { issueCredentials, type StsCredentials } from '../../src/auth/sts.js';
import { ROOT_ACCOUNT_ID } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const BUCKET = 'sts-client';
const HOUR = 3600 * 1000;

function stsOptions(c: StsCredentials, extra: Partial<OSS.Options> = {}): Partial<OSS.Options> {
  return {
    bucket: BUCKET,
    accessKeyId: c.AccessKeyId,
    accessKeySecret: c.AccessKeySecret,
    stsToken: c.SecurityToken,
    refreshSTSTokenInterval: HOUR,
    ...extra,
  };
}

describe('STS temporary credentials with ali-oss', () => {
  let server: TestServer;
  let creds: StsCredentials;
  before(async () => {
    server = await startTestServer();
    const root = await withBucket(server, BUCKET);
    await root.put('seed.txt', Buffer.from('seed'));
    creds = await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, { durationSeconds: 900 });
  });
  after(() => server.stop());

  it('issues AssumeRole-shaped credentials', () => {
    assert.match(creds.AccessKeyId, /^STS\.[A-Za-z0-9]{24}$/);
    assert.ok(creds.AccessKeySecret.length >= 30);
    assert.ok(creds.SecurityToken.length > 64);
    assert.match(creds.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const left = Date.parse(creds.Expiration) - Date.now();
    assert.ok(left > 890_000 && left <= 900_000, String(left));
  });

  it('V1 header signature: put, get, head, list and delete', async () => {
    const client = server.client(stsOptions(creds));
    await client.put('v1/a.txt', Buffer.from('one'));
    assert.equal((await client.get('v1/a.txt')).content.toString(), 'one');
    assert.equal((await client.head('seed.txt')).status, 200);
    const listed = await client.list({ prefix: 'v1/', 'max-keys': 10 }, {});
    assert.deepEqual(
      listed.objects.map((o) => o.name),
      ['v1/a.txt'],
    );
    await client.delete('v1/a.txt');
  });

  it('V4 header signature (authorizationV4)', async () => {
    const client = server.client(stsOptions(creds, { authorizationV4: true } as Partial<OSS.Options>));
    await client.put('v4/a.txt', Buffer.from('four'));
    assert.equal((await client.get('v4/a.txt')).content.toString(), 'four');
  });

  it('V1 presigned URL carries security-token; V4 presigned URL carries x-oss-security-token', async () => {
    const client = server.client(stsOptions(creds));
    const v1 = client.signatureUrl('seed.txt', { expires: 60 });
    assert.match(v1, /[?&]security-token=/);
    const r1 = await fetch(v1);
    assert.equal(r1.status, 200);
    assert.equal(await r1.text(), 'seed');

    const v4 = await client.signatureUrlV4('GET', 60, undefined, 'seed.txt');
    assert.match(v4, /[?&]x-oss-security-token=/);
    const r4 = await fetch(v4);
    assert.equal(r4.status, 200);
    assert.equal(await r4.text(), 'seed');

    // The URL without its token is refused.
    const stripped = new URL(v1);
    stripped.searchParams.delete('security-token');
    const r0 = await fetch(stripped);
    assert.equal(r0.status, 403);
    assert.match(await r0.text(), /<Code>InvalidSecurityToken<\/Code>/);
  });

  it('a tampered or missing token is InvalidSecurityToken', async () => {
    const t = creds.SecurityToken;
    const i = Math.floor(t.length / 2);
    const tampered = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    await rejectsWith(server.client(stsOptions(creds, { stsToken: tampered })).get('seed.txt'), 'InvalidSecurityToken');
    await rejectsWith(
      server
        .client(stsOptions(creds, { authorizationV4: true, stsToken: tampered } as Partial<OSS.Options>))
        .get('seed.txt'),
      'InvalidSecurityToken',
    );
    const noToken = server.client({
      bucket: BUCKET,
      accessKeyId: creds.AccessKeyId,
      accessKeySecret: creds.AccessKeySecret,
    });
    await rejectsWith(noToken.get('seed.txt'), 'InvalidSecurityToken');
  });

  it('an expired token is SecurityTokenExpired (403), for headers, HEAD and presigned URLs', async () => {
    const old = await issueCredentials(server.services.meta, ROOT_ACCOUNT_ID, {}, Date.now() - 2 * HOUR);
    const client = server.client(stsOptions(old));
    await rejectsWith(client.get('seed.txt'), 'SecurityTokenExpired');
    await rejectsWith(client.head('seed.txt'), 'SecurityTokenExpired');
    const url = client.signatureUrl('seed.txt', { expires: 60 });
    const r = await fetch(url);
    assert.equal(r.status, 403);
    const body = await r.text();
    assert.match(body, /<Code>SecurityTokenExpired<\/Code>/);
    assert.match(body, /The security token you provided has expired\./);
  });

  it('refreshSTSToken: the client refreshes after refreshSTSTokenInterval and keeps working', async () => {
    // Issued 900 s - 1.5 s ago with the minimum duration: expires 1.5 s from now.
    const short = await issueCredentials(
      server.services.meta,
      ROOT_ACCOUNT_ID,
      { durationSeconds: 900 },
      Date.now() - 898_500,
    );
    let refreshed = 0;
    const basic = Buffer.from(`${ROOT_ID}:${ROOT_SECRET}`).toString('base64');
    const client = server.client(
      stsOptions(short, {
        refreshSTSTokenInterval: 1000,
        refreshSTSToken: async () => {
          refreshed++;
          const res = await fetch(`http://127.0.0.1:${server.port}/-/admin/sts`, {
            method: 'POST',
            headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
            body: JSON.stringify({ durationSeconds: 900 }),
          });
          assert.equal(res.status, 200);
          const { Credentials } = (await res.json()) as { Credentials: StsCredentials };
          return {
            accessKeyId: Credentials.AccessKeyId,
            accessKeySecret: Credentials.AccessKeySecret,
            stsToken: Credentials.SecurityToken,
          };
        },
      }),
    );
    await client.put('refresh/1.txt', Buffer.from('1'));
    assert.equal(refreshed, 0);
    await new Promise((r) => setTimeout(r, 1800));
    // The old token is dead by now…
    await rejectsWith(server.client(stsOptions(short)).get('refresh/1.txt'), 'SecurityTokenExpired');
    // …but the client refreshed before sending and carries on.
    await client.put('refresh/2.txt', Buffer.from('2'));
    assert.equal(refreshed, 1);
    const opts = (client as unknown as { options: { accessKeyId: string } }).options;
    assert.notEqual(opts.accessKeyId, short.AccessKeyId);
    assert.match(opts.accessKeyId, /^STS\./);
    assert.equal((await client.get('refresh/2.txt')).content.toString(), '2');
  });
});
