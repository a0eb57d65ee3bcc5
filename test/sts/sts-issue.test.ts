import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StsCredentials } from '../../src/auth/sts.js';
import { runToEnd } from '../helpers/spawn-ossd.js';
import {
  ONE_NODE_ONLY,
  ROOT_ID,
  ROOT_SECRET,
  startTestServer,
  type TestServer,
  withBucket,
} from '../helpers/start-server.js';

const BUCKET = 'sts-issue';

describe('issuing temporary credentials: admin API and CLI', () => {
  let server: TestServer;
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const post = (body: unknown, auth = basic(ROOT_ID, ROOT_SECRET), method = 'POST') =>
    fetch(`http://127.0.0.1:${server.port}/-/admin/sts`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
    });
  const stsClient = (c: StsCredentials) =>
    server.client({
      bucket: BUCKET,
      accessKeyId: c.AccessKeyId,
      accessKeySecret: c.AccessKeySecret,
      stsToken: c.SecurityToken,
      refreshSTSTokenInterval: 3600_000,
    });

  before(async () => {
    server = await startTestServer();
    await withBucket(server, BUCKET);
  });
  after(() => server.stop());

  it('POST /-/admin/sts returns AssumeRole Credentials that work and obey the policy', async () => {
    const res = await post({
      durationSeconds: 900,
      policy: { buckets: [BUCKET], prefixes: ['browser/'], actions: ['PutObject'] },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const { Credentials: c } = (await res.json()) as { Credentials: StsCredentials };
    assert.match(c.AccessKeyId, /^STS\./);
    const left = Date.parse(c.Expiration) - Date.now();
    assert.ok(left > 890_000 && left <= 900_000, String(left));
    const client = stsClient(c);
    await client.put('browser/a.txt', Buffer.from('a'));
    await assert.rejects(client.get('browser/a.txt'), { code: 'AccessDenied', status: 403 });
    await assert.rejects(client.put('server/a.txt', Buffer.from('a')), { code: 'AccessDenied', status: 403 });
  });

  it('accepts the AssumeRole spelling with a RAM policy as JSON text; default duration 3600 s', async () => {
    const Policy = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:${BUCKET}/browser/*` }],
    });
    const res = await post({ Policy });
    assert.equal(res.status, 200);
    const { Credentials: c } = (await res.json()) as { Credentials: StsCredentials };
    const left = Date.parse(c.Expiration) - Date.now();
    assert.ok(left > 3590_000 && left <= 3600_000, String(left));
    const client = stsClient(c);
    assert.equal((await client.get('browser/a.txt')).content.toString(), 'a');
    await assert.rejects(client.put('browser/b.txt', Buffer.from('b')), { code: 'AccessDenied' });
  });

  it('refuses bad requests, temporary keys as issuers, and other methods', async () => {
    for (const body of [
      { durationSeconds: 60 },
      { durationSeconds: 'soon' },
      { policy: { actions: ['Nope'] } },
      '[1]',
      '{',
    ]) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(((await r.json()) as { code: string }).code, 'InvalidArgument');
    }
    const ok = (await (await post({})).json()) as { Credentials: StsCredentials };
    const asTemp = await post({}, basic(ok.Credentials.AccessKeyId, ok.Credentials.AccessKeySecret));
    assert.equal(asTemp.status, 403);
    assert.equal((await post({}, basic(ROOT_ID, 'wrong'))).status, 403);
    assert.equal((await post({}, basic(ROOT_ID, ROOT_SECRET), 'GET')).status, 405);
  });

  it('ossd sts issue prints credentials and an ali-oss snippet; --json prints Credentials', {
    skip: ONE_NODE_ONLY,
  }, async () => {
    const cli = (args: string[]) =>
      runToEnd(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'sts', 'issue', '--data', server.dataDir, ...args],
        {},
        20_000,
      );
    const text = await cli([
      '--duration',
      '900',
      '--bucket',
      BUCKET,
      '--prefix',
      'cli/',
      '--action',
      'PutObject',
      '--action',
      'GetObject',
    ]);
    assert.equal(text.code, 0, text.output);
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(text.output)?.[1] ?? '';
    const c: StsCredentials = {
      AccessKeyId: field('AccessKeyId'),
      AccessKeySecret: field('AccessKeySecret'),
      SecurityToken: field('SecurityToken'),
      Expiration: field('Expiration'),
    };
    assert.match(c.AccessKeyId, /^STS\./);
    assert.match(text.output, /stsToken: '/);
    assert.match(text.output, new RegExp(`bucket: '${BUCKET}'`));
    const client = stsClient(c);
    await client.put('cli/x.txt', Buffer.from('x'));
    assert.equal((await client.get('cli/x.txt')).content.toString(), 'x');
    await assert.rejects(client.put('browser/x.txt', Buffer.from('x')), { code: 'AccessDenied' });

    const json = await cli(['--json']);
    assert.equal(json.code, 0, json.output);
    const parsed = JSON.parse(json.output) as { Credentials: StsCredentials };
    assert.equal((await stsClient(parsed.Credentials).get('cli/x.txt')).content.toString(), 'x');

    const bad = await cli(['--duration', '5']);
    assert.equal(bad.code, 2);
    assert.match(bad.output, /durationSeconds must be an integer from 900 to 43200/);
  });
});
