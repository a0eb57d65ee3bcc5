import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { children, childText, parseXml, type XmlValue } from '../../src/http/xml.js';
import { ROOT_ACCOUNT_ID } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** OSS orders keys by their UTF-8 bytes (code point order), not by JavaScript's UTF-16 order. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function putAll(client: OSS, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(keys.slice(i, i + 25).map((k) => client.put(k, Buffer.from(k))));
  }
}

/** The ListBucketResult as the server rendered it (ali-oss keeps the raw body in res.data). */
function rawResult(res: OSS.NormalSuccessResponse): XmlValue {
  const data = (res as unknown as { data: Buffer }).data;
  return parseXml(data.toString('utf8')).ListBucketResult;
}

/** What a delimiter listing of `keys` must contain, in order: keys and common prefixes merged. */
function expectedEntries(keys: string[], prefix: string, delimiter: string, after = ''): string[] {
  const out = new Set<string>();
  for (const k of [...keys].sort(byteOrder)) {
    if (!k.startsWith(prefix) || byteOrder(k, after) <= 0) continue;
    const i = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
    const entry = i >= 0 ? k.slice(0, i + delimiter.length) : k;
    if (entry === after) continue;
    out.add(entry);
  }
  return [...out];
}

// 13 directories × 20 files + a sub-directory + top-level files: 284 keys.
const TREE: string[] = [];
for (let d = 0; d < 13; d++) {
  for (let f = 0; f < 20; f++) TREE.push(`dir${String(d).padStart(2, '0')}/file${String(f).padStart(2, '0')}.txt`);
}
for (let f = 0; f < 6; f++) TREE.push(`dir03/sub/deep${f}.txt`, `dir07/sub${f}/x.txt`);
for (let f = 0; f < 12; f++) TREE.push(`top${String(f).padStart(2, '0')}.txt`);
TREE.push('dir05/', 'dir05-sibling.txt', 'dir0');

describe('ListObjects (v1) with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'listing');
    await putAll(client, TREE);
  });
  after(() => server.stop());

  it('pages through every key without a delimiter, in byte order, NextMarker = last key', async () => {
    const seen: string[] = [];
    let marker = '';
    let pages = 0;
    for (;;) {
      const r = await client.list({ 'max-keys': 7, ...(marker ? { marker } : {}) }, {});
      pages++;
      assert.equal(r.prefixes, null);
      assert.ok(r.objects.length <= 7);
      seen.push(...r.objects.map((o) => o.name));
      if (!r.isTruncated) {
        assert.equal(r.nextMarker, null);
        break;
      }
      assert.equal(r.objects.length, 7);
      assert.equal(r.nextMarker, r.objects[r.objects.length - 1].name);
      marker = r.nextMarker;
      assert.ok(pages < 100, 'runaway pagination');
    }
    assert.deepEqual(seen, [...TREE].sort(byteOrder));
    assert.equal(pages, Math.ceil(TREE.length / 7));
  });

  for (const maxKeys of [1, 3, 10, 1000]) {
    it(`pages with delimiter '/' and max-keys ${maxKeys}: every key and prefix exactly once`, async () => {
      const entries: string[] = [];
      let marker = '';
      for (let page = 0; page < 400; page++) {
        const r = await client.list({ delimiter: '/', 'max-keys': maxKeys, ...(marker ? { marker } : {}) }, {});
        const got = [...r.objects.map((o) => o.name), ...(r.prefixes ?? [])];
        assert.ok(got.length <= maxKeys);
        entries.push(...got);
        if (!r.isTruncated) break;
        assert.equal(got.length, maxKeys);
        assert.ok(r.nextMarker, 'a truncated page carries NextMarker');
        // NextMarker is the greatest key or prefix of the page.
        assert.equal(r.nextMarker, [...got].sort(byteOrder)[got.length - 1]);
        marker = r.nextMarker;
      }
      const expected = expectedEntries(TREE, '', '/');
      assert.equal(expected.length, 13 + 12 + 2); // dir00/..dir12/, top*.txt, dir05-sibling.txt, dir0
      assert.deepEqual([...entries].sort(byteOrder), expected);
      assert.equal(new Set(entries).size, entries.length);
    });
  }

  it('pages inside a prefix with a delimiter (keys, sub-prefixes and the prefix-named key)', async () => {
    for (const [prefix, maxKeys] of [
      ['dir03/', 4],
      ['dir07/', 2],
      ['dir05', 3],
    ] as const) {
      const entries: string[] = [];
      let marker = '';
      for (let page = 0; page < 100; page++) {
        const r = await client.list({ prefix, delimiter: '/', 'max-keys': maxKeys, ...(marker ? { marker } : {}) }, {});
        entries.push(...r.objects.map((o) => o.name), ...(r.prefixes ?? []));
        if (!r.isTruncated) break;
        marker = r.nextMarker;
      }
      assert.deepEqual([...entries].sort(byteOrder), expectedEntries(TREE, prefix, '/'), prefix);
    }
    const one = await client.list({ prefix: 'dir03/', delimiter: '/', 'max-keys': 100 }, {});
    assert.deepEqual(one.prefixes, ['dir03/sub/']);
    assert.equal(one.objects.length, 20);
    const dir05 = await client.list({ prefix: 'dir05', delimiter: '/', 'max-keys': 100 }, {});
    assert.deepEqual(dir05.prefixes, ['dir05/']);
    assert.deepEqual(
      dir05.objects.map((o) => o.name),
      ['dir05-sibling.txt'],
    );
  });

  it('treats marker as exclusive, skips a common prefix given as marker, and honours marker < prefix', async () => {
    const r1 = await client.list({ marker: 'top05.txt', 'max-keys': 100 }, {});
    assert.deepEqual(
      r1.objects.map((o) => o.name),
      ['top06.txt', 'top07.txt', 'top08.txt', 'top09.txt', 'top10.txt', 'top11.txt'],
    );
    const r2 = await client.list({ delimiter: '/', marker: 'dir11/', 'max-keys': 3 }, {});
    assert.deepEqual(r2.prefixes, ['dir12/']);
    assert.deepEqual(
      r2.objects.map((o) => o.name),
      ['top00.txt', 'top01.txt'],
    );
    assert.equal(r2.isTruncated, true);
    assert.equal(r2.nextMarker, 'top01.txt');
    // A marker inside a directory still lists the rest of it as that directory's prefix.
    const r3 = await client.list({ delimiter: '/', marker: 'dir12/file05.txt', 'max-keys': 2 }, {});
    assert.deepEqual(r3.prefixes, ['dir12/']);
    assert.deepEqual(
      r3.objects.map((o) => o.name),
      ['top00.txt'],
    );
    // A marker before the prefix does not hide anything in it; one after it hides everything.
    const r4 = await client.list({ prefix: 'dir12/', marker: 'dir00', 'max-keys': 2 }, {});
    assert.deepEqual(
      r4.objects.map((o) => o.name),
      ['dir12/file00.txt', 'dir12/file01.txt'],
    );
    const r5 = await client.list({ prefix: 'dir01/', marker: 'dir02', 'max-keys': 5 }, {});
    assert.deepEqual(r5.objects, []);
    assert.equal(r5.isTruncated, false);
  });

  it('renders Contents with Owner and the echoed request fields', async () => {
    const r = await client.list({ prefix: 'top0', marker: 'top01.txt', 'max-keys': 2, delimiter: '/' }, {});
    assert.equal(r.res.status, 200);
    const o = r.objects[0];
    assert.equal(o.name, 'top02.txt');
    assert.equal(o.size, 'top02.txt'.length);
    assert.equal(o.type, 'Normal');
    assert.equal(o.storageClass, 'Standard');
    assert.match(o.etag, /^"[0-9A-F]{32}"$/);
    assert.match(o.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(o.owner, { id: ROOT_ACCOUNT_ID, displayName: ROOT_ACCOUNT_ID });
    const raw = rawResult(r.res);
    assert.equal(childText(raw, 'Name'), 'listing');
    assert.equal(childText(raw, 'Prefix'), 'top0');
    assert.equal(childText(raw, 'Marker'), 'top01.txt');
    assert.equal(childText(raw, 'MaxKeys'), '2');
    assert.equal(childText(raw, 'Delimiter'), '/');
    assert.equal(childText(raw, 'IsTruncated'), 'true');
    assert.equal(childText(raw, 'NextMarker'), 'top03.txt');
    assert.equal(childText(raw, 'EncodingType'), undefined);
  });

  it('defaults max-keys to 100 and refuses values outside 0..1000', async () => {
    const r = await client.list(null, {});
    assert.equal(r.objects.length, 100);
    assert.equal(r.isTruncated, true);
    assert.equal(childText(rawResult(r.res), 'MaxKeys'), '100');
    await rejectsWith(client.list({ 'max-keys': 1001 }, {}), 'InvalidArgument', 400);
    await rejectsWith(client.list({ 'max-keys': -1 }, {}), 'InvalidArgument', 400);
    await rejectsWith(client.list({ 'max-keys': 'ten' }, {}), 'InvalidArgument', 400);
    await rejectsWith(client.list({ 'max-keys': 5, 'encoding-type': 'base64' as 'url' }, {}), 'InvalidArgument', 400);
  });

  it('answers an empty page for a prefix with no keys, and NoSuchBucket for a missing bucket', async () => {
    const r = await client.list({ prefix: 'nothing-here/', delimiter: '/', 'max-keys': 10 }, {});
    assert.deepEqual(r.objects, []);
    assert.equal(r.prefixes, null);
    assert.equal(r.isTruncated, false);
    await rejectsWith(server.client({ bucket: 'no-such-bucket' }).list({ 'max-keys': 1 }, {}), 'NoSuchBucket', 404);
  });
});

describe('ListObjects with special keys and encoding-type=url', () => {
  const SPECIAL = [
    'sp ace/a b.txt',
    'sp ace/c  d.txt',
    'xml/b&<>.txt',
    'xml/"quote\'s".txt',
    'uni/中文 ключ.txt',
    'uni/😀/emoji.bin',
    'uni/\uFFFD.txt',
    'plus+/c%d#e?.txt',
    'tab\there.txt',
  ];
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'special');
    await putAll(client, SPECIAL);
  });
  after(() => server.stop());

  it('returns raw keys (XML-escaped on the wire) without encoding-type', async () => {
    const r = await client.list({ 'max-keys': 100 }, {});
    assert.deepEqual(
      r.objects.map((o) => o.name),
      [...SPECIAL].sort(byteOrder),
    );
    const body = (r.res as unknown as { data: Buffer }).data.toString('utf8');
    assert.ok(body.includes('<Key>xml/b&amp;&lt;&gt;.txt</Key>'), body);
  });

  it('URL-encodes Key, Prefix, Marker, NextMarker and Delimiter with encoding-type=url', async () => {
    const r = await client.list(
      { prefix: 'uni/', marker: 'uni/', delimiter: '/', 'max-keys': 1, 'encoding-type': 'url' },
      {},
    );
    // Byte order: '中' (E4) < '😀' (F0 9F) but '\uFFFD' (EF BF BD) sits between them.
    assert.deepEqual(
      r.objects.map((o) => decodeURIComponent(o.name)),
      ['uni/中文 ключ.txt'],
    );
    assert.equal(r.objects[0].name, encodeURIComponent('uni/中文 ключ.txt'));
    assert.equal(r.isTruncated, true);
    assert.equal(decodeURIComponent(r.nextMarker), 'uni/中文 ключ.txt');
    const raw = rawResult(r.res);
    assert.equal(childText(raw, 'EncodingType'), 'url');
    assert.equal(childText(raw, 'Prefix'), 'uni%2F');
    assert.equal(childText(raw, 'Marker'), 'uni%2F');
    assert.equal(childText(raw, 'Delimiter'), '%2F');

    // Continue with the decoded marker, as clients must.
    const rest: string[] = [];
    let marker = decodeURIComponent(r.nextMarker);
    for (let i = 0; i < 10; i++) {
      const p = await client.list(
        { prefix: 'uni/', marker, delimiter: '/', 'max-keys': 1, 'encoding-type': 'url' },
        {},
      );
      rest.push(...p.objects.map((o) => decodeURIComponent(o.name)), ...(p.prefixes ?? []).map(decodeURIComponent));
      if (!p.isTruncated) break;
      marker = decodeURIComponent(p.nextMarker);
    }
    assert.deepEqual(rest, ['uni/\uFFFD.txt', 'uni/😀/']);
  });

  it('round-trips every special key through encoding-type=url and through prefix/marker queries', async () => {
    const r = await client.list({ 'max-keys': 100, 'encoding-type': 'url' }, {});
    assert.deepEqual(
      r.objects.map((o) => decodeURIComponent(o.name)),
      [...SPECIAL].sort(byteOrder),
    );
    for (const o of r.objects) assert.match(o.name, /^[A-Za-z0-9%._~!*'()-]+$/);
    const sp = await client.list({ prefix: 'sp ace/', delimiter: '/', 'max-keys': 1 }, {});
    assert.deepEqual(
      sp.objects.map((o) => o.name),
      ['sp ace/a b.txt'],
    );
    assert.equal(sp.nextMarker, 'sp ace/a b.txt');
    const sp2 = await client.list({ prefix: 'sp ace/', delimiter: '/', marker: sp.nextMarker, 'max-keys': 1 }, {});
    assert.deepEqual(
      sp2.objects.map((o) => o.name),
      ['sp ace/c  d.txt'],
    );
    const xml = await client.list({ prefix: 'xml/b&<', 'max-keys': 10 }, {});
    assert.deepEqual(
      xml.objects.map((o) => o.name),
      ['xml/b&<>.txt'],
    );
    const plus = await client.list({ prefix: 'plus+/', 'max-keys': 10 }, {});
    assert.deepEqual(
      plus.objects.map((o) => o.name),
      ['plus+/c%d#e?.txt'],
    );
    const top = await client.list({ delimiter: '/', 'max-keys': 100, 'encoding-type': 'url' }, {});
    assert.deepEqual((top.prefixes ?? []).map(decodeURIComponent), ['plus+/', 'sp ace/', 'uni/', 'xml/']);
    assert.deepEqual(
      top.objects.map((o) => decodeURIComponent(o.name)),
      ['tab\there.txt'],
    );
  });

  it('compares marker and prefix in code point order (a marker past the prefix range lists nothing)', async () => {
    // '😀' (U+1F600) sorts after '\uFFFD' in UTF-8 but before it in UTF-16.
    const r = await client.list({ prefix: 'uni/\uFFFD', marker: 'uni/😀', 'max-keys': 10 }, {});
    assert.deepEqual(r.objects, []);
    const v2 = await client.listV2({ prefix: 'uni/\uFFFD', 'start-after': 'uni/😀', 'max-keys': 10 });
    assert.deepEqual(v2.objects, []);
    const before = await client.list({ prefix: 'uni/😀', marker: 'uni/\uFFFD', 'max-keys': 10 }, {});
    assert.deepEqual(
      before.objects.map((o) => o.name),
      ['uni/😀/emoji.bin'],
    );
  });

  it('lists a common prefix of U+10FFFF (no successor string) once and stops', async () => {
    const max = '\u{10FFFF}';
    await putAll(client, [max, `${max}${max}a`]);
    const r = await client.list({ delimiter: max, 'max-keys': 100 }, {});
    assert.deepEqual(r.prefixes, [max]);
    assert.deepEqual(
      r.objects.map((o) => o.name),
      [...SPECIAL].sort(byteOrder),
    );
    assert.equal(r.isTruncated, false);
  });
});

describe('ListObjectsV2 with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'listing-v2');
    await putAll(client, TREE);
  });
  after(() => server.stop());

  for (const maxKeys of [2, 9, 1000]) {
    it(`pages with continuation-token, delimiter '/' and max-keys ${maxKeys}`, async () => {
      const entries: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 400; page++) {
        const r = await client.listV2({
          delimiter: '/',
          'max-keys': maxKeys,
          ...(token ? { 'continuation-token': token } : {}),
        });
        const got = [...r.objects.map((o) => o.name), ...(r.prefixes ?? [])];
        assert.equal(r.keyCount, got.length);
        assert.ok(got.length <= maxKeys);
        const echoed = (r as unknown as { continuationToken: string | null }).continuationToken;
        assert.equal(echoed, token ?? null);
        for (const o of r.objects) assert.equal(o.owner, null);
        entries.push(...got);
        if (!r.isTruncated) {
          assert.equal(r.nextContinuationToken, null);
          break;
        }
        assert.equal(got.length, maxKeys);
        assert.ok(r.nextContinuationToken);
        token = r.nextContinuationToken;
      }
      assert.deepEqual([...entries].sort(byteOrder), expectedEntries(TREE, '', '/'));
      assert.equal(new Set(entries).size, entries.length);
    });
  }

  it('pages every key without a delimiter; start-after is exclusive and echoed', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await client.listV2({ 'max-keys': 50, ...(token ? { 'continuation-token': token } : {}) });
      seen.push(...r.objects.map((o) => o.name));
      if (!r.isTruncated) break;
      token = r.nextContinuationToken;
    }
    assert.deepEqual(seen, [...TREE].sort(byteOrder));

    const r = await client.listV2({ 'start-after': 'top09.txt', 'max-keys': 10 });
    assert.deepEqual(
      r.objects.map((o) => o.name),
      ['top10.txt', 'top11.txt'],
    );
    assert.equal(r.keyCount, 2);
    assert.equal(r.isTruncated, false);
    const raw = rawResult(r.res);
    assert.equal(childText(raw, 'StartAfter'), 'top09.txt');
    assert.equal(childText(raw, 'MaxKeys'), '10');
    assert.equal(childText(raw, 'Name'), 'listing-v2');
    assert.equal(childText(raw, 'ContinuationToken'), undefined);
  });

  it('continuation-token wins over start-after', async () => {
    const first = await client.listV2({ prefix: 'top', 'max-keys': 3 });
    assert.deepEqual(
      first.objects.map((o) => o.name),
      ['top00.txt', 'top01.txt', 'top02.txt'],
    );
    const next = await client.listV2({
      prefix: 'top',
      'max-keys': 3,
      'start-after': 'top08.txt',
      'continuation-token': first.nextContinuationToken,
    });
    assert.deepEqual(
      next.objects.map((o) => o.name),
      ['top03.txt', 'top04.txt', 'top05.txt'],
    );
  });

  it('fetch-owner=true adds Owner to every Contents', async () => {
    const r = await client.listV2({ prefix: 'dir00/', 'max-keys': 3, 'fetch-owner': true });
    assert.equal(r.objects.length, 3);
    for (const o of r.objects) assert.deepEqual(o.owner, { id: ROOT_ACCOUNT_ID, displayName: ROOT_ACCOUNT_ID });
    const raw = rawResult(r.res);
    assert.equal(children(raw, 'Contents').length, 3);
    assert.equal(childText(raw, 'KeyCount'), '3');
    assert.equal(childText(raw, 'IsTruncated'), 'true');
  });

  it('KeyCount counts common prefixes; prefix + delimiter lists one level', async () => {
    const r = await client.listV2({ prefix: 'dir07/', delimiter: '/', 'max-keys': 100 });
    assert.equal(r.objects.length, 20);
    assert.deepEqual(r.prefixes, [
      'dir07/sub0/',
      'dir07/sub1/',
      'dir07/sub2/',
      'dir07/sub3/',
      'dir07/sub4/',
      'dir07/sub5/',
    ]);
    assert.equal(r.keyCount, 26);
  });

  it('refuses a forged continuation token and bad max-keys with InvalidArgument', async () => {
    await rejectsWith(client.listV2({ 'continuation-token': 'not a token!' }), 'InvalidArgument', 400);
    await rejectsWith(client.listV2({ 'continuation-token': '////' }), 'InvalidArgument', 400);
    await rejectsWith(client.listV2({ 'max-keys': 1001 }), 'InvalidArgument', 400);
  });

  it('URL-encodes keys, prefixes and StartAfter with encoding-type=url', async () => {
    await putAll(client, ['enc dir/a&b.txt', 'enc dir/sub/x', 'enc dir/ü.txt']);
    const r = await client.listV2({
      prefix: 'enc dir/',
      delimiter: '/',
      'start-after': 'enc dir/a',
      'encoding-type': 'url',
      'max-keys': 100,
    });
    assert.deepEqual(
      r.objects.map((o) => o.name),
      ['enc%20dir%2Fa%26b.txt', 'enc%20dir%2F%C3%BC.txt'],
    );
    assert.deepEqual(r.prefixes, ['enc%20dir%2Fsub%2F']);
    const raw = rawResult(r.res);
    assert.equal(childText(raw, 'Prefix'), 'enc%20dir%2F');
    assert.equal(childText(raw, 'StartAfter'), 'enc%20dir%2Fa');
    assert.equal(childText(raw, 'EncodingType'), 'url');
    assert.equal(r.keyCount, 3);
  });
});
