import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { authenticate } from '../../src/auth/authenticate.js';
import { canonicalResourceV1, type HeaderBag, signV1, stringToSignV1 } from '../../src/auth/signature-v1.js';
import { SUB_RESOURCES } from '../../src/auth/sub-resources.js';
import { OssError } from '../../src/errors/oss-error.js';
import type { AccessKey } from '../../src/storage/types.js';
import { ali } from './ali-sign-utils.js';

const ID = 'LTAIexample';
const SECRET = 'exampleSecret0123456789';
const DATE = 'Fri, 27 Nov 2026 17:14:27 GMT';
const KEY: AccessKey = { id: ID, secret: SECRET, accountId: '1', createdAt: 0 };
const lookupKey = async (id: string) => (id === ID ? KEY : undefined);

/** The ali-oss plain `query` keys (never signed in V1). */
const PLAIN = [
  'prefix',
  'marker',
  'max-keys',
  'delimiter',
  'encoding-type',
  'list-type',
  'start-after',
  'fetch-owner',
  'max-uploads',
  'key-marker',
  'upload-id-marker',
  'max-parts',
  'part-number-marker',
];

describe('V1 string to sign', () => {
  const md5 = createHash('md5').update('hello').digest('base64');
  const headers: HeaderBag = {
    'content-md5': md5,
    'content-type': 'text/plain',
    'x-oss-date': DATE,
    'x-oss-meta-author': 'me',
    'user-agent': 'aliyun-sdk-nodejs/6.23.0',
    host: 'localhost:1234',
  };
  const key = 'dir/a b+c 中.txt';

  it('matches the captured example from the spec', () => {
    const sts = stringToSignV1('PUT', headers, DATE, canonicalResourceV1('mybucket', key, []));
    assert.equal(
      sts,
      `PUT\n${md5}\ntext/plain\n${DATE}\nx-oss-date:${DATE}\nx-oss-meta-author:me\n/mybucket/dir/a b+c 中.txt`,
    );
    // ali-oss computes the same text and the same signature.
    const theirs = ali.buildCanonicalString('PUT', `/mybucket/${key}`, {
      headers: { 'Content-MD5': md5, 'Content-Type': 'text/plain', 'x-oss-date': DATE, 'x-oss-meta-author': 'me' },
    });
    assert.equal(sts, theirs);
    assert.equal(signV1(SECRET, sts), ali.computeSignature(SECRET, theirs));
    assert.equal(signV1(SECRET, sts), createHmac('sha1', SECRET).update(Buffer.from(sts, 'utf8')).digest('base64'));
  });

  it('uses empty slots for missing Content-MD5 / Content-Type and prefers Date in the caller', () => {
    const sts = stringToSignV1('get', { 'x-oss-date': DATE }, DATE, '/');
    assert.equal(sts, `GET\n\n\n${DATE}\nx-oss-date:${DATE}\n/`);
  });

  it('trims x-oss-* values, lowercases/sorts names and ignores non x-oss headers', () => {
    const sts = stringToSignV1(
      'PUT',
      { 'x-oss-meta-b': '  two ', 'x-oss-meta-a': 'one', 'x-oss-security-token': 'tok', 'x-other': 'no' },
      DATE,
      '/b/k',
    );
    assert.equal(sts, `PUT\n\n\n${DATE}\nx-oss-meta-a:one\nx-oss-meta-b:two\nx-oss-security-token:tok\n/b/k`);
  });
});

describe('V1 canonical resource', () => {
  const table: { name: string; bucket?: string; key: string; query: [string, string][]; want: string }[] = [
    { name: 'service', key: '', query: [], want: '/' },
    { name: 'bucket', bucket: 'b', key: '', query: [], want: '/b/' },
    { name: 'raw utf-8 key', bucket: 'b', key: 'a b/%2F/中', query: [], want: '/b/a b/%2F/中' },
    {
      name: 'sorted sub-resources, bare keys, plain params dropped',
      bucket: 'b',
      key: 'k',
      query: [
        ['uploadId', 'ID'],
        ['partNumber', '3'],
        ['prefix', 'p'],
        ['max-keys', '5'],
        ['acl', ''],
      ],
      want: '/b/k?acl&partNumber=3&uploadId=ID',
    },
    {
      name: 'response-* values raw (not URL-encoded)',
      bucket: 'b',
      key: 'k.txt',
      query: [
        ['response-content-type', 'text/html; charset=utf-8'],
        ['response-content-disposition', 'attachment; filename="a b&c.txt"'],
      ],
      want: '/b/k.txt?response-content-disposition=attachment; filename="a b&c.txt"&response-content-type=text/html; charset=utf-8',
    },
    {
      name: 'continuation-token is signed, uploads bare',
      bucket: 'b',
      key: '',
      query: [
        ['list-type', '2'],
        ['continuation-token', 'abc'],
        ['uploads', ''],
      ],
      want: '/b/?continuation-token=abc&uploads',
    },
    {
      name: 'unknown parameters are not signed',
      bucket: 'b',
      key: 'k',
      query: [['foo', 'bar']],
      want: '/b/k',
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      assert.equal(canonicalResourceV1(t.bucket, t.key, t.query), t.want);
      const base = t.bucket === undefined ? '/' : `/${t.bucket}/${t.key}`;
      const subres = Object.fromEntries(t.query.filter(([k]) => SUB_RESOURCES.has(k)));
      assert.equal(ali.buildCanonicalizedResource(base, Object.keys(subres).length ? subres : undefined), t.want);
    });
  }

  it('ali-oss string/array sub-resource forms agree', () => {
    assert.equal(canonicalResourceV1('b', '', [['acl', '']]), ali.buildCanonicalizedResource('/b/', 'acl'));
    assert.equal(
      canonicalResourceV1('b', 'k', [
        ['uploads', ''],
        ['acl', ''],
      ]),
      ali.buildCanonicalizedResource('/b/k', ['uploads', 'acl']),
    );
  });
});

// Arbitraries shared by the property tests.
const subresArb = fc.dictionary(
  fc.constantFrom(
    'acl',
    'uploads',
    'uploadId',
    'partNumber',
    'tagging',
    'symlink',
    'response-content-type',
    'response-content-disposition',
    'response-cache-control',
    'x-oss-process',
    'continuation-token',
    'versionId',
    'append',
    'position',
  ),
  fc.oneof(fc.constant(''), fc.string({ minLength: 1, maxLength: 20 })),
  { maxKeys: 4 },
);
const plainArb = fc.dictionary(fc.constantFrom(...PLAIN), fc.string({ maxLength: 12 }), { maxKeys: 4 });
const headerValueArb = fc.string({ minLength: 1, maxLength: 16 }).filter((s) => /^[\x20-\x7e]+$/.test(s));
const metaArb = fc.dictionary(
  fc.stringMatching(/^[a-z0-9-]{1,10}$/).map((s) => `x-oss-meta-${s}`),
  headerValueArb,
  { maxKeys: 3 },
);
const keyArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
const bucketArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,10}[a-z0-9]$/);

describe('V1 property: ossd verifies what ali-oss signs', () => {
  it('header signatures over random keys, sub-resources, plain params and x-oss headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
        bucketArb,
        fc.option(keyArb, { nil: undefined }),
        subresArb,
        plainArb,
        metaArb,
        fc.option(fc.constantFrom('text/plain', 'application/octet-stream', 'application/xml'), { nil: undefined }),
        async (method, bucket, key, subres, plain, meta, contentType) => {
          const headers: Record<string, string> = { 'x-oss-date': DATE, ...meta };
          if (contentType) headers['Content-Type'] = contentType;
          const resource = `/${bucket}/${key ?? ''}`;
          const sts = ali.buildCanonicalString(method, resource, { headers, parameters: subres });
          const authorization = ali.authorization(ID, SECRET, sts);
          const bag: HeaderBag = { authorization, host: 'localhost:9' };
          for (const [k, v] of Object.entries(headers)) bag[k.toLowerCase()] = v;
          const query: [string, string][] = [...Object.entries(plain), ...Object.entries(subres)];
          const r = await authenticate(
            { method, headers: bag, query, targets: [{ bucket, key: key ?? '', style: 'path' }] },
            { lookupKey, now: Date.parse(DATE), maxSkewMs: 900_000 },
          );
          assert.equal(r.principal?.accessKeyId, ID);
          // …and refuses the same request with a different key.
          await assert.rejects(
            authenticate(
              { method, headers: bag, query, targets: [{ bucket, key: `${key ?? ''}x`, style: 'path' }] },
              { lookupKey, now: Date.parse(DATE), maxSkewMs: 900_000 },
            ),
            (e: unknown) => e instanceof OssError && e.code === 'SignatureDoesNotMatch',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('presigned URL signatures (Expires in the DATE slot)', async () => {
    await fc.assert(
      fc.asyncProperty(
        bucketArb,
        keyArb,
        fc.record({
          method: fc.constantFrom('GET', 'PUT'),
          contentType: fc.option(fc.constant('text/plain'), { nil: undefined }),
          disposition: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        }),
        async (bucket, key, o) => {
          const expires = Math.floor(Date.parse(DATE) / 1000) + 60;
          const opts: Record<string, unknown> = { method: o.method };
          if (o.contentType) opts['Content-Type'] = o.contentType;
          if (o.disposition) opts.response = { 'content-disposition': o.disposition };
          const { Signature, subResource } = ali._signatureForURL(SECRET, opts, `/${bucket}/${key}`, expires);
          const query: [string, string][] = [
            ['OSSAccessKeyId', ID],
            ['Expires', String(expires)],
            ['Signature', Signature],
            ...Object.entries(subResource),
          ];
          const headers: HeaderBag = o.contentType ? { 'content-type': o.contentType } : {};
          const r = await authenticate(
            { method: o.method, headers, query, targets: [{ bucket, key, style: 'path' }] },
            { lookupKey, now: Date.parse(DATE), maxSkewMs: 900_000 },
          );
          assert.equal(r.principal?.accessKeyId, ID);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('V1 authenticate edge cases', () => {
  const now = Date.parse(DATE);
  const sign = (headers: HeaderBag, resource: string) =>
    `OSS ${ID}:${signV1(SECRET, stringToSignV1('GET', headers, headers.date ?? headers['x-oss-date'] ?? '', resource))}`;

  it('uses Date when present (Go SDK style) and x-oss-date otherwise', async () => {
    const headers: HeaderBag = { date: DATE };
    headers.authorization = sign(headers, '/b/k');
    const r = await authenticate(
      { method: 'GET', headers, query: [], targets: [{ bucket: 'b', key: 'k', style: 'path' }] },
      { lookupKey, now, maxSkewMs: 900_000 },
    );
    assert.equal(r.principal?.accessKeyId, ID);
  });

  it('picks the (bucket, key) reading whose signature verifies', async () => {
    const headers: HeaderBag = { 'x-oss-date': DATE };
    headers.authorization = sign(headers, '/mybucket/k');
    const r = await authenticate(
      {
        method: 'GET',
        headers,
        query: [],
        targets: [
          { bucket: 'mybucket', key: 'mybucket/k', style: 'vhost' },
          { bucket: 'mybucket', key: 'k', style: 'path' },
        ],
      },
      { lookupKey, now, maxSkewMs: 900_000 },
    );
    assert.deepEqual(r.target, { bucket: 'mybucket', key: 'k', style: 'path' });
  });

  it('reports the string to sign of the first reading on mismatch', async () => {
    const headers: HeaderBag = { 'x-oss-date': DATE, authorization: `OSS ${ID}:AAAA` };
    await assert.rejects(
      authenticate(
        { method: 'GET', headers, query: [], targets: [{ bucket: 'b', key: 'k', style: 'path' }] },
        { lookupKey, now, maxSkewMs: 900_000 },
      ),
      (e: unknown) =>
        e instanceof OssError &&
        e.code === 'SignatureDoesNotMatch' &&
        e.extra.StringToSign === `GET\n\n\n${DATE}\nx-oss-date:${DATE}\n/b/k` &&
        e.extra.SignatureProvided === 'AAAA' &&
        e.extra.OSSAccessKeyId === ID,
    );
  });

  it('anonymous requests get no principal', async () => {
    const r = await authenticate(
      { method: 'GET', headers: {}, query: [], targets: [{ bucket: 'b', key: 'k', style: 'path' }] },
      { lookupKey, now, maxSkewMs: 900_000 },
    );
    assert.equal(r.principal, null);
  });
});
