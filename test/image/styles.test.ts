import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type OSS from 'ali-oss';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { describe, jpeg } from './fixtures.js';

let server: TestServer;
/** ali-oss has processObjectSave; @types/ali-oss does not declare it. */
type SaveResult = { status: number; res: unknown };
let client: OSS & {
  processObjectSave(source: string, target: string, process: string, bucket?: string): Promise<SaveResult>;
};
const BUCKET = 'img-styles';

async function styleRequest(
  method: string,
  query: string,
  body?: string,
  bucket = BUCKET,
): Promise<{ status: number; text: string }> {
  const headers = signatureV1(method, `/${bucket}/?${query}`, body ? { 'content-type': 'application/xml' } : {});
  const res = await fetch(`http://localhost:${server.port}/${bucket}/?${query}`, { method, headers, body });
  return { status: res.status, text: await res.text() };
}

function styleXml(content: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Style><Content>${content}</Content></Style>`;
}

before(async () => {
  server = await startTestServer();
  client = (await withBucket(server, BUCKET)) as typeof client;
  await client.put('photo.jpg', await jpeg(400, 200));
});

after(async () => {
  await server.stop();
});

test('PutStyle, GetStyle, ListStyle, DeleteStyle', async () => {
  assert.equal((await styleRequest('PUT', 'style&styleName=thumb', styleXml('image/resize,w_100'))).status, 200);
  assert.equal(
    (await styleRequest('PUT', 'style&styleName=small.png', styleXml('image/resize,p_10/format,png'))).status,
    200,
  );

  const got = await styleRequest('GET', 'style&styleName=thumb');
  assert.equal(got.status, 200);
  assert.match(got.text, /<Style>\s*<Name>thumb<\/Name>\s*<Content>image\/resize,w_100<\/Content>/);
  assert.match(got.text, /<CreateTime>.+<\/CreateTime>/);
  assert.match(got.text, /<LastModifyTime>.+<\/LastModifyTime>/);

  const list = await styleRequest('GET', 'style');
  assert.equal(list.status, 200);
  assert.match(list.text, /<StyleList>/);
  assert.deepEqual(
    [...list.text.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]),
    ['small.png', 'thumb'],
  );

  // Replacing keeps the creation time and changes the content.
  assert.equal((await styleRequest('PUT', 'style&styleName=thumb', styleXml('image/resize,w_120'))).status, 200);
  assert.match((await styleRequest('GET', 'style&styleName=thumb')).text, /image\/resize,w_120/);

  assert.equal((await styleRequest('DELETE', 'style&styleName=small.png')).status, 204);
  const gone = await styleRequest('GET', 'style&styleName=small.png');
  assert.equal(gone.status, 404);
  assert.match(gone.text, /<Code>NoSuchStyle<\/Code>/);
});

test('a style is used with x-oss-process=style/NAME, and a changed style changes the result', async () => {
  await styleRequest('PUT', 'style&styleName=card', styleXml('image/resize,m_fill,w_80,h_80/format,webp'));
  const r = await client.get('photo.jpg', { process: 'style/card' });
  assert.equal((r.res.headers as Record<string, string>)['content-type'], 'image/webp');
  assert.deepEqual(await describe(r.content as Buffer), { format: 'webp', width: 80, height: 80 });

  await styleRequest('PUT', 'style&styleName=card', styleXml('image/resize,m_fill,w_60,h_60/format,png'));
  const r2 = await client.get('photo.jpg', { process: 'style/card' });
  assert.deepEqual(await describe(r2.content as Buffer), { format: 'png', width: 60, height: 60 });
});

test('PutStyle refuses a bad name, bad XML and unknown actions; styles are owner-only', async () => {
  const badName = await styleRequest('PUT', 'style&styleName=bad!name', styleXml('image/resize,w_1'));
  assert.equal(badName.status, 400);
  const badXml = await styleRequest('PUT', 'style&styleName=x', '<Nope/>');
  assert.equal(badXml.status, 400);
  assert.match(badXml.text, /MalformedXML/);
  const badAction = await styleRequest('PUT', 'style&styleName=x', styleXml('image/explode,x_1'));
  assert.equal(badAction.status, 400);
  assert.match(badAction.text, /InvalidArgument/);
  await client.putBucketACL(BUCKET, 'public-read-write');
  const anon = await fetch(`http://localhost:${server.port}/${BUCKET}/?style`);
  assert.equal(anon.status, 403);
  await client.putBucketACL(BUCKET, 'private');
});

test('processObjectSave writes the processed image as a new object, in this or another bucket', async () => {
  const r = await client.processObjectSave('photo.jpg', 'saved/thumb.png', 'image/resize,w_50/format,png');
  assert.equal(r.status, 200);
  const saved = await client.get('saved/thumb.png');
  assert.equal((saved.res.headers as Record<string, string>)['content-type'], 'image/png');
  assert.deepEqual(await describe(saved.content as Buffer), { format: 'png', width: 50, height: 25 });

  await client.putBucket('img-styles-target');
  await client.processObjectSave('photo.jpg', 'copy.jpg', 'image/crop,w_10,h_10', 'img-styles-target');
  const other = server.client({ bucket: 'img-styles-target' });
  assert.deepEqual(await describe((await other.get('copy.jpg')).content as Buffer), {
    format: 'jpeg',
    width: 10,
    height: 10,
  });

  await styleRequest('PUT', 'style&styleName=tiny', styleXml('image/resize,w_20'));
  await client.processObjectSave('photo.jpg', 'styled.jpg', 'style/tiny');
  assert.deepEqual(await describe((await client.get('styled.jpg')).content as Buffer), {
    format: 'jpeg',
    width: 20,
    height: 10,
  });

  // ali-oss's processObjectSave resolves with any status: the caller reads `status`.
  const noBucket = await client.processObjectSave('photo.jpg', 'x.jpg', 'image/resize,w_20', 'no-such-bucket-here');
  assert.equal(noBucket.status, 404);
  assert.match(String((noBucket.res as unknown as { data: Buffer }).data), /<Code>NoSuchBucket<\/Code>/);
  const noKey = await client.processObjectSave('nothing.jpg', 'x.jpg', 'image/resize,w_20');
  assert.equal(noKey.status, 404);
  assert.match(String((noKey.res as unknown as { data: Buffer }).data), /<Code>NoSuchKey<\/Code>/);
});

test('sys/saveas needs write access to the target: anonymous on a public-read bucket is refused', async () => {
  await client.putBucket('img-public');
  const pub = server.client({ bucket: 'img-public' });
  await pub.putBucketACL('img-public', 'public-read');
  await pub.put('p.jpg', await jpeg(40, 20));
  const body = `x-oss-process=${encodeURIComponent(`image/resize,w_10|sys/saveas,o_${Buffer.from('out.jpg').toString('base64url')}`)}`;
  const url = `http://localhost:${server.port}/img-public/p.jpg?x-oss-process`;
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /AccessDenied/);
  await assert.rejects(pub.head('out.jpg'), { status: 404 });
  await pub.putBucketACL('img-public', 'public-read-write');
  const ok = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.equal(((await ok.json()) as { status: string }).status, 'OK');
  assert.deepEqual(await describe((await pub.get('out.jpg')).content as Buffer), {
    format: 'jpeg',
    width: 10,
    height: 5,
  });
});
