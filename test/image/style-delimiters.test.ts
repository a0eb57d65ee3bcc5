import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type OSS from 'ali-oss';
import { styleDelimitersCommand } from '../../src/cli/admin-commands.js';
import { loadStyleDelimiters } from '../../src/image/style-delimiters.js';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { describe, jpeg } from './fixtures.js';

let server: TestServer;
let client: OSS;
const BUCKET = 'img-delims';
const OTHER = 'img-delims-none';

async function putStyle(bucket: string, name: string, content: string): Promise<void> {
  const query = `style&styleName=${name}`;
  const body = `<Style><Content>${content}</Content></Style>`;
  const headers = signatureV1('PUT', `/${bucket}/?${query}`, { 'content-type': 'application/xml' });
  const res = await fetch(`http://localhost:${server.port}/${bucket}/?${query}`, { method: 'PUT', headers, body });
  assert.equal(res.status, 200, await res.text());
}

async function anonymousGet(bucket: string, key: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`http://localhost:${server.port}/${bucket}/${key}`);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

before(async () => {
  server = await startTestServer();
  client = await withBucket(server, BUCKET);
  await client.put('photo.jpg', await jpeg(400, 200));
  await putStyle(BUCKET, 'small', 'image/resize,w_100');
  await putStyle(BUCKET, 'thumb-sq', 'image/resize,m_fill,w_50,h_50/format,png');
  const lines: string[] = [];
  assert.equal(await styleDelimitersCommand(server.services.meta, BUCKET, '!-', {}, (l) => lines.push(l)), 0);
  // Invalid characters are refused and leave the setting alone.
  assert.equal(await styleDelimitersCommand(server.services.meta, BUCKET, '@', {}, (l) => lines.push(l)), 2);
  assert.deepEqual(lines, [`${BUCKET}: style delimiters - !`, '"@" cannot be a style delimiter; use any of - _ / !']);
  assert.equal(await loadStyleDelimiters(server.services.meta, BUCKET), '-!');
});

after(async () => {
  await server.stop();
});

test('KEY!STYLE returns KEY processed by STYLE, as ?x-oss-process=style/STYLE', async () => {
  const r = await client.get('photo.jpg!small');
  assert.equal(r.res.status, 200);
  assert.deepEqual(await describe(r.content as Buffer), { format: 'jpeg', width: 100, height: 50 });
  const direct = await client.get('photo.jpg', { process: 'style/small' });
  assert.deepEqual(r.content, direct.content);
  // The split is at the LAST configured delimiter: "thumb-sq" is not a style name here, "sq" is none.
  await assert.rejects(client.get('photo.jpg!thumb-sq'), (e) => errorCode(e) === 'NoSuchKey');
});

test('an object whose full name carries the delimiter is served as itself', async () => {
  const own = await jpeg(30, 20);
  await client.put('photo.jpg!small', own);
  try {
    const r = await client.get('photo.jpg!small');
    assert.deepEqual(r.content, own);
  } finally {
    await client.delete('photo.jpg!small');
  }
});

test('unknown style, missing source, or no delimiter configured: 404 NoSuchKey', async () => {
  await assert.rejects(client.get('photo.jpg!nosuchstyle'), (e) => errorCode(e) === 'NoSuchKey');
  await assert.rejects(client.get('missing.jpg!small'), (e) => errorCode(e) === 'NoSuchKey');
  // "/" is not configured on this bucket.
  await assert.rejects(client.get('photo.jpg/small'), (e) => errorCode(e) === 'NoSuchKey');

  const other = await withBucket(server, OTHER);
  await other.put('photo.jpg', await jpeg(400, 200));
  await putStyle(OTHER, 'small', 'image/resize,w_100');
  await assert.rejects(other.get('photo.jpg!small'), (e) => errorCode(e) === 'NoSuchKey');
  assert.equal((await other.get('photo.jpg', { process: 'style/small' })).res.status, 200);
});

test('--clear removes the delimiters: KEY!STYLE is a missing key again', async () => {
  const c = server.client({ bucket: BUCKET });
  const quiet = () => {};
  assert.equal(await styleDelimitersCommand(server.services.meta, BUCKET, undefined, { clear: true }, quiet), 0);
  await assert.rejects(c.get('photo.jpg!small'), (e) => errorCode(e) === 'NoSuchKey');
  assert.equal(await styleDelimitersCommand(server.services.meta, BUCKET, '!-', {}, quiet), 0);
  assert.equal((await c.get('photo.jpg!small')).res.status, 200);
});

test('anonymous: the source is checked like a direct GET of it', async () => {
  await client.putBucketACL(BUCKET, 'public-read');
  try {
    await client.put('secret.jpg', await jpeg(400, 200));
    await client.putACL('secret.jpg', 'private');
    // A direct GET of the private source is refused, and so is its delimiter form.
    assert.equal((await anonymousGet(BUCKET, 'secret.jpg')).status, 403);
    assert.equal((await anonymousGet(BUCKET, encodeURIComponent('secret.jpg!small'))).status, 403);
    // A public source is processed for anyone.
    const pub = await anonymousGet(BUCKET, encodeURIComponent('photo.jpg!small'));
    assert.equal(pub.status, 200);
    assert.deepEqual(await describe(pub.body), { format: 'jpeg', width: 100, height: 50 });
    // The hyphen works as well, with the last delimiter deciding.
    const hy = await anonymousGet(BUCKET, 'photo.jpg-small');
    assert.equal(hy.status, 200);
    assert.deepEqual(await describe(hy.body), { format: 'jpeg', width: 100, height: 50 });
  } finally {
    await client.putBucketACL(BUCKET, 'private');
  }
  // Private bucket: anonymous is refused before anything is looked up.
  assert.equal((await anonymousGet(BUCKET, encodeURIComponent('photo.jpg!small'))).status, 403);
});
