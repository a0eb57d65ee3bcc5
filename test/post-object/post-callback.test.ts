import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields, xmlText } from './post-helpers.js';

const BUCKET = 'post-callback';

function b64json(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64');
}

describe('PostObject with a callback form field', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  let port: number;
  const path = `/${BUCKET}/`;

  before(async () => {
    server = await startTestServer((c) => {
      c.callback.timeoutMs = 400;
    });
    port = server.port;
    client = await withBucket(server, BUCKET);
    app = await startCallbackReceiver();
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('success: 200 with the application JSON (whatever success_action_status says); exact body sent', async () => {
    const reply = { Status: 'OK', id: 42 };
    app.setBehaviour({ kind: 'json', body: reply });
    const callback = b64json({
      callbackUrl: `${app.url}/cb`,
      callbackBody:
        'bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&md5=${contentMd5}&crc=${crc64}&op=${operation}&v1=${x:var1}&v2=${x:Var2}&v3=${x:v3}',
    });
    const data = Buffer.from('form upload with callback');
    const before = app.requests.length;
    const fd = buildForm(
      [
        ['key', 'cb/ok.txt'],
        ['success_action_status', '201'],
        ['callback', callback],
        ['x:var1', 'value 1'],
        ['x:Var2', 'two/2'],
        ['callback-var', b64json({ 'x:v3': 'from callback-var', 'x:var1': 'overridden' })],
        ...v1Fields(client, policyOf([])),
      ],
      { data, type: 'text/plain' },
    );
    const r = await postForm(port, fd, { path });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.text), reply);
    const md5 = createHash('md5').update(data).digest();
    assert.equal(r.headers.etag, `"${md5.toString('hex').toUpperCase()}"`);
    assert.equal(app.requests.length, before + 1);
    const cb = app.requests[before];
    assert.equal(cb.method, 'POST');
    assert.equal(cb.url, '/cb');
    assert.equal(
      cb.body.toString(),
      `bucket=${BUCKET}&object=cb%2Fok.txt&size=${data.length}&mimeType=text%2Fplain` +
        `&md5=${encodeURIComponent(md5.toString('base64'))}&crc=${crc64(data)}&op=PostObject` +
        '&v1=value%201&v2=two%2F2&v3=from%20callback-var',
    );
    assert.equal(cb.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.ok(cb.headers.authorization);
    assert.equal((await client.get('cb/ok.txt')).content.toString(), data.toString());
  });

  it('JSON body type renders the PostObject variables as JSON', async () => {
    app.setBehaviour({ kind: 'json', body: { ok: true } });
    const before = app.requests.length;
    const callback = b64json({
      callbackUrl: `${app.url}/json`,
      callbackBody: '{"object":${object},"size":${size},"operation":${operation},"who":${x:who}}',
      callbackBodyType: 'application/json',
    });
    const fd = buildForm(
      [['key', 'cb/json.bin'], ['callback', callback], ['x:who', 'me'], ...v1Fields(client, policyOf([]))],
      { data: '12345' },
    );
    const r = await postForm(port, fd, { path });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(app.requests[before].body.toString()), {
      object: 'cb/json.bin',
      size: 5,
      operation: 'PostObject',
      who: 'me',
    });
  });

  it('failure: 203 CallbackFailed, ETag still sent, the object is kept', async () => {
    app.setBehaviour({ kind: 'status', status: 500 });
    const callback = b64json({ callbackUrl: `${app.url}/fail`, callbackBody: 'object=${object}' });
    const fd = buildForm([['key', 'cb/fail.txt'], ['callback', callback], ...v1Fields(client, policyOf([]))], {
      data: 'kept',
    });
    const r = await postForm(port, fd, { path });
    assert.equal(r.status, 203, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'CallbackFailed');
    assert.equal(xmlText(r.text, 'Message'), 'Error status : 500.');
    assert.ok(r.headers.etag);
    assert.equal((await client.get('cb/fail.txt')).content.toString(), 'kept');
  });

  it('refuses before storing a template that x: form fields would render past 256 KiB', async () => {
    const callback = b64json({ callbackUrl: `${app.url}/amp`, callbackBody: '${x:v}'.repeat(830) });
    const sent = app.requests.length;
    const fd = buildForm(
      [['key', 'cb/amp.txt'], ['callback', callback], ['x:v', 'a'.repeat(5000)], ...v1Fields(client, policyOf([]))],
      { data: 'amp' },
    );
    const r = await postForm(port, fd, { path });
    assert.equal(r.status, 400, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
    assert.match(xmlText(r.text, 'Message') ?? '', /renders to more than 262144 bytes/);
    await assert.rejects(client.head('cb/amp.txt'), { status: 404 });
    assert.equal(app.requests.length, sent);
  });

  it('a callback policy condition pins the callback', async () => {
    app.setBehaviour({ kind: 'json' });
    const pinned = b64json({ callbackUrl: `${app.url}/pinned`, callbackBody: 'object=${object}' });
    const other = b64json({ callbackUrl: `${app.url}/other`, callbackBody: 'object=${object}' });
    const policy = policyOf([{ callback: pinned }]);
    const denied = await postForm(
      port,
      buildForm([['key', 'cb/pin.txt'], ['callback', other], ...v1Fields(client, policy)], { data: 'p' }),
      { path },
    );
    assert.equal(denied.status, 403, denied.text);
    assert.equal(xmlText(denied.text, 'Code'), 'AccessDenied');
    assert.match(xmlText(denied.text, 'Message') ?? '', /Policy Condition failed: \["eq", "\$callback", /);
    await assert.rejects(client.head('cb/pin.txt'), { status: 404 });
    const ok = await postForm(
      port,
      buildForm([['key', 'cb/pin.txt'], ['callback', pinned], ...v1Fields(client, policy)], { data: 'p' }),
      { path },
    );
    assert.equal(ok.status, 200, ok.text);
  });
});
