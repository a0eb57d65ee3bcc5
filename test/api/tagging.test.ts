import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { parseTagging } from '../../src/api/object/put-object-tagging.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** ali-oss 6.23 has these at runtime; @types/ali-oss does not declare them. */
interface TaggingClient {
  putObjectTagging(
    name: string,
    tag: Record<string, string>,
  ): Promise<{ status: number; res: OSS.NormalSuccessResponse }>;
  getObjectTagging(
    name: string,
  ): Promise<{ status: number; tag: Record<string, string>; res: OSS.NormalSuccessResponse }>;
  deleteObjectTagging(name: string): Promise<{ status: number; res: OSS.NormalSuccessResponse }>;
}

/** A signed raw request, for bodies the client would refuse to send. */
async function rawTagging(client: OSS, key: string, method: string, body?: string): Promise<Response> {
  const url = client.signatureUrl(key, {
    method: method as 'PUT',
    subResource: { tagging: '' },
    'Content-Type': body === undefined ? undefined : 'application/xml',
  } as OSS.SignatureUrlOptions);
  return fetch(url, {
    method,
    body,
    headers: body === undefined ? {} : { 'content-type': 'application/xml' },
  });
}

describe('parseTagging', () => {
  it('reads Tag elements, an empty TagSet and empty values', () => {
    assert.deepEqual(
      parseTagging(
        '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>',
      ),
      { a: '1', b: '' },
    );
    assert.deepEqual(parseTagging('<Tagging><TagSet></TagSet></Tagging>'), {});
    assert.deepEqual(parseTagging('<?xml version="1.0"?>\n<Tagging><TagSet/></Tagging>'), {});
    assert.deepEqual(
      parseTagging('<Tagging><TagSet><Tag><Key>k &amp; v</Key><Value> x </Value></Tag></TagSet></Tagging>'),
      {
        'k & v': ' x ',
      },
    );
  });

  it('refuses malformed documents, duplicates and limits', () => {
    const code = (xml: string) => {
      try {
        parseTagging(xml);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    assert.equal(code('<Tagging>'), 'MalformedXML');
    assert.equal(code('<Tagging></Tagging>'), 'MalformedXML');
    assert.equal(code('<Other><TagSet/></Other>'), 'MalformedXML');
    assert.equal(code('<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>'), 'MalformedXML');
    const tag = (k: string, v: string) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`;
    const doc = (tags: string) => `<Tagging><TagSet>${tags}</TagSet></Tagging>`;
    assert.equal(code(doc(tag('a', '1') + tag('a', '2'))), 'InvalidTag');
    assert.equal(code(doc(Array.from({ length: 11 }, (_, i) => tag(`k${i}`, 'v')).join(''))), 'InvalidTag');
    assert.equal(code(doc(Array.from({ length: 10 }, (_, i) => tag(`k${i}`, 'v')).join(''))), 'ok');
    assert.equal(code(doc(tag('k'.repeat(129), 'v'))), 'InvalidTag');
    assert.equal(code(doc(tag('k'.repeat(128), 'v'.repeat(256)))), 'ok');
    assert.equal(code(doc(tag('k', 'v'.repeat(257)))), 'InvalidTag');
    assert.equal(code(doc(tag('', 'v'))), 'InvalidTag');
  });
});

describe('Put/Get/DeleteObjectTagging with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  let tagging: TaggingClient;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'tags');
    tagging = client as unknown as TaggingClient;
  });
  after(() => server.stop());

  it('puts, gets (one and many tags) and replaces the whole tag set', async () => {
    await client.put('t.txt', Buffer.from('t'));
    const put = await tagging.putObjectTagging('t.txt', { project: 'ossd', 'a:b/c': 'x y+z=1' });
    assert.equal(put.status, 200);
    assert.deepEqual((await tagging.getObjectTagging('t.txt')).tag, { project: 'ossd', 'a:b/c': 'x y+z=1' });
    await tagging.putObjectTagging('t.txt', { only: 'one' });
    const got = await tagging.getObjectTagging('t.txt');
    assert.equal(got.status, 200);
    assert.deepEqual(got.tag, { only: 'one' });
    assert.equal((got.res.headers as Record<string, string>)['content-type'], 'application/xml');
    assert.equal((await client.head('t.txt')).res.headers['x-oss-tagging-count' as keyof object], '1');
    // Tagging does not touch the bytes.
    assert.equal((await client.get('t.txt')).content.toString(), 't');
  });

  it('returns an empty TagSet element for an untagged object', async () => {
    await client.put('untagged', Buffer.from('u'));
    assert.deepEqual((await tagging.getObjectTagging('untagged')).tag, {});
    const res = await rawTagging(client, 'untagged', 'GET');
    assert.equal(res.status, 200);
    const xml = await res.text();
    assert.match(xml, /<Tagging><TagSet><\/TagSet><\/Tagging>/);
  });

  it('DeleteObjectTagging answers 204 and clears the tags', async () => {
    await client.put('d.txt', Buffer.from('d'), { headers: { 'x-oss-tagging': 'a=1&b=2' } });
    assert.deepEqual((await tagging.getObjectTagging('d.txt')).tag, { a: '1', b: '2' });
    const del = await tagging.deleteObjectTagging('d.txt');
    assert.equal(del.status, 204);
    assert.deepEqual((await tagging.getObjectTagging('d.txt')).tag, {});
    assert.equal((await client.head('d.txt')).res.headers['x-oss-tagging-count' as keyof object], undefined);
  });

  it('reflects x-oss-tagging from PutObject (URL-encoded)', async () => {
    await client.put('p.txt', Buffer.from('p'), { headers: { 'x-oss-tagging': 'k%201=v%2B1&empty=' } });
    assert.deepEqual((await tagging.getObjectTagging('p.txt')).tag, { 'k 1': 'v+1', empty: '' });
  });

  it('a missing object is NoSuchKey for all three', async () => {
    await rejectsWith(tagging.putObjectTagging('nope', { a: '1' }), 'NoSuchKey', 404);
    await rejectsWith(tagging.getObjectTagging('nope'), 'NoSuchKey', 404);
    await rejectsWith(tagging.deleteObjectTagging('nope'), 'NoSuchKey', 404);
  });

  it('refuses more than 10 tags, long keys and values with InvalidTag (server side)', async () => {
    await client.put('lim.txt', Buffer.from('l'));
    const tags = (n: number) =>
      Array.from({ length: n }, (_, i) => `<Tag><Key>k${i}</Key><Value>v</Value></Tag>`).join('');
    let res = await rawTagging(client, 'lim.txt', 'PUT', `<Tagging><TagSet>${tags(11)}</TagSet></Tagging>`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>InvalidTag<\/Code>/);
    res = await rawTagging(
      client,
      'lim.txt',
      'PUT',
      `<Tagging><TagSet><Tag><Key>${'k'.repeat(129)}</Key><Value>v</Value></Tag></TagSet></Tagging>`,
    );
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>InvalidTag<\/Code>/);
    res = await rawTagging(
      client,
      'lim.txt',
      'PUT',
      `<Tagging><TagSet><Tag><Key>k</Key><Value>${'v'.repeat(257)}</Value></Tag></TagSet></Tagging>`,
    );
    assert.equal(res.status, 400);
    res = await rawTagging(client, 'lim.txt', 'PUT', '<Tagging><TagSet>');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>MalformedXML<\/Code>/);
    assert.deepEqual((await tagging.getObjectTagging('lim.txt')).tag, {});
    // Exactly at the limits is accepted.
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'.repeat(256)]));
    ten.k0 = 'v';
    const maxKey = 'k'.repeat(128);
    delete ten.k9;
    ten[maxKey] = 'v';
    await tagging.putObjectTagging('lim.txt', ten);
    assert.deepEqual((await tagging.getObjectTagging('lim.txt')).tag, ten);
  });

  it('PutObject with more than 10 tags in x-oss-tagging is InvalidTag', async () => {
    const header = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    await rejectsWith(
      client.put('too-many', Buffer.from('x'), { headers: { 'x-oss-tagging': header } }),
      'InvalidTag',
      400,
    );
  });

  it('a symlink has its own tags', async () => {
    await client.put('sl-target', Buffer.from('x'), { headers: { 'x-oss-tagging': 'of=target' } });
    await client.putSymlink('sl', 'sl-target');
    assert.deepEqual((await tagging.getObjectTagging('sl')).tag, {});
    await tagging.putObjectTagging('sl', { of: 'link' });
    assert.deepEqual((await tagging.getObjectTagging('sl')).tag, { of: 'link' });
    assert.deepEqual((await tagging.getObjectTagging('sl-target')).tag, { of: 'target' });
  });
});
