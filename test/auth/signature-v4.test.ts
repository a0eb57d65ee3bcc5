import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { authenticate } from '../../src/auth/authenticate.js';
import type { HeaderBag } from '../../src/auth/signature-v1.js';
import {
  canonicalQueryV4,
  canonicalRequestV4,
  canonicalUriV4,
  encV4,
  parseAuthorizationV4,
  parseCredentialV4,
  parseV4Date,
  signingKeyV4,
  signV4,
  stringToSignV4,
} from '../../src/auth/signature-v4.js';
import { OssError } from '../../src/errors/oss-error.js';
import type { AccessKey } from '../../src/storage/types.js';
import { ali } from './ali-sign-utils.js';

const ID = 'LTAIexample';
const SECRET = 'exampleSecret0123456789';
const DATE = '20261127T171429Z';
const DAY = '20261127';
const REGION = 'cn-hangzhou';
const SCOPE = `${DAY}/${REGION}/oss/aliyun_v4_request`;
const KEY: AccessKey = { id: ID, secret: SECRET, accountId: '1', createdAt: 0 };
const lookupKey = async (id: string) => (id === ID ? KEY : undefined);
const NOW = parseV4Date(DATE)!;

describe('V4 encoding and canonical parts', () => {
  it("escapes !'()* on top of encodeURIComponent", () => {
    assert.equal(encV4("a!b'c(d)e*f g/h+中~"), 'a%21b%27c%28d%29e%2Af%20g%2Fh%2B%E4%B8%AD~');
  });

  it('canonical URI keeps / and encodes the rest', () => {
    assert.equal(canonicalUriV4(undefined, ''), '/');
    assert.equal(canonicalUriV4('b', ''), '/b/');
    assert.equal(canonicalUriV4('b', 'dir/a b+c (1)!.txt'), '/b/dir/a%20b%2Bc%20%281%29%21.txt');
    assert.equal(canonicalUriV4('b', 'a//b/../c/'), '/b/a//b/../c/');
  });

  it('canonical query: localeCompare order, bare empty sub-resource, k= for empty plain param', () => {
    const q: [string, string][] = [
      ['prefix', ''],
      ['uploads', ''],
      ['max-keys', '10'],
      ['Zeta', 'z'],
      ['acl', ''],
      ['response-content-disposition', 'attachment; filename="a b!\'()*.txt"'],
    ];
    assert.equal(
      canonicalQueryV4(q),
      'acl&max-keys=10&prefix=&response-content-disposition=attachment%3B%20filename%3D%22a%20b%21%27%28%29%2A.txt%22&uploads&Zeta=z',
    );
    // ali-oss's qs-based rendering of the same request (sub-resources null, plain '' kept).
    assert.equal(
      ali
        .getCanonicalRequest(
          'GET',
          {
            headers: {},
            queries: {
              prefix: '',
              uploads: null,
              'max-keys': '10',
              Zeta: 'z',
              acl: null,
              'response-content-disposition': 'attachment; filename="a b!\'()*.txt"',
            },
          },
          'b',
        )
        .split('\n')[2],
      canonicalQueryV4(q),
    );
  });

  it('localeCompare differs from code-unit order (upper/lower case, - vs _)', () => {
    const q: [string, string][] = [
      ['b', '1'],
      ['B', '2'],
      ['a_b', '3'],
      ['a-b', '4'],
    ];
    const ours = canonicalQueryV4(q);
    const theirs = ali.getCanonicalRequest('GET', { headers: {}, queries: Object.fromEntries(q) }, 'x').split('\n')[2];
    assert.equal(ours, theirs);
  });

  it('canonical request for a PUT matches ali-oss', () => {
    const headers: HeaderBag = {
      'content-type': 'text/plain',
      'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
      'x-oss-date': DATE,
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-meta-author': ' me ',
      host: 'localhost:1',
      'user-agent': 'ua',
    };
    const cr = canonicalRequestV4('put', 'mybucket', 'dir/a b+c 中.txt', [], headers, [], 'UNSIGNED-PAYLOAD');
    assert.equal(
      cr,
      [
        'PUT',
        '/mybucket/dir/a%20b%2Bc%20%E4%B8%AD.txt',
        '',
        'content-md5:XUFAKrxLKna5cZ2REBfFkg==\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20261127T171429Z\nx-oss-meta-author:me\n',
        '',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
    const h = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'host' && k !== 'user-agent')) as Record<
      string,
      string
    >;
    assert.equal(cr, ali.getCanonicalRequest('PUT', { headers: h, queries: {} }, 'mybucket', 'dir/a b+c 中.txt'));
  });

  it('additional headers are signed and listed', () => {
    const headers: HeaderBag = { host: 'localhost:1', range: 'bytes=0-1', 'x-oss-date': DATE };
    const cr = canonicalRequestV4('GET', 'b', 'k', [], headers, ['host', 'range'], 'UNSIGNED-PAYLOAD');
    assert.equal(
      cr,
      ali.getCanonicalRequest('GET', { headers: headers as Record<string, string> }, 'b', 'k', ['host', 'range']),
    );
    assert.match(cr, /\nhost;range\nUNSIGNED-PAYLOAD$/);
  });

  it('string to sign, signing key and signature match ali-oss', () => {
    const cr = canonicalRequestV4('GET', 'b', 'k', [['acl', '']], { 'x-oss-date': DATE }, [], 'UNSIGNED-PAYLOAD');
    const sts = stringToSignV4(DATE, SCOPE, cr);
    assert.equal(sts, ali.getStringToSign(REGION, DATE, cr));
    assert.match(
      sts,
      /^OSS4-HMAC-SHA256\n20261127T171429Z\n20261127\/cn-hangzhou\/oss\/aliyun_v4_request\n[0-9a-f]{64}$/,
    );
    const key = signingKeyV4(SECRET, DAY, REGION, 'oss');
    const kDate = createHmac('sha256', `aliyun_v4${SECRET}`).update(DAY).digest();
    const kRegion = createHmac('sha256', kDate).update(REGION).digest();
    const kProd = createHmac('sha256', kRegion).update('oss').digest();
    assert.deepEqual(key, createHmac('sha256', kProd).update('aliyun_v4_request').digest());
    assert.equal(signV4(key, sts), ali.getSignatureV4(SECRET, DAY, REGION, sts));
    // cloudbox product
    assert.equal(
      signV4(signingKeyV4(SECRET, DAY, 'cb-1', 'oss-cloudbox'), sts),
      ali.getSignatureV4(SECRET, DAY, 'cb-1', sts, 'oss-cloudbox'),
    );
  });

  it('parses Authorization with and without spaces, with AdditionalHeaders', () => {
    const sig = 'a'.repeat(64);
    for (const h of [
      `OSS4-HMAC-SHA256 Credential=${ID}/${SCOPE},AdditionalHeaders=host;range,Signature=${sig}`,
      `OSS4-HMAC-SHA256 Credential=${ID}/${SCOPE}, AdditionalHeaders=Host;Range, Signature=${sig}`,
    ]) {
      const p = parseAuthorizationV4(h);
      assert.deepEqual(p, { credential: `${ID}/${SCOPE}`, signature: sig, additionalHeaders: ['host', 'range'] });
    }
    assert.equal(parseAuthorizationV4('OSS4-HMAC-SHA256 Credential=x'), undefined);
    assert.deepEqual(parseCredentialV4(`${ID}/${SCOPE}`), {
      accessKeyId: ID,
      day: DAY,
      region: REGION,
      product: 'oss',
      scope: SCOPE,
    });
    assert.equal(parseCredentialV4(`${ID}/2026/${REGION}/oss/aliyun_v4_request`), undefined);
    assert.equal(parseCredentialV4(`${ID}/${DAY}/${REGION}/oss/other`), undefined);
    assert.equal(parseV4Date('20261127T171429Z'), Date.UTC(2026, 10, 27, 17, 14, 29));
    assert.equal(parseV4Date('Fri, 27 Nov 2026 17:14:27 GMT'), undefined);
  });
});

const SUBS = [
  'acl',
  'uploads',
  'uploadId',
  'partNumber',
  'tagging',
  'symlink',
  'response-content-type',
  'response-content-disposition',
  'x-oss-process',
  'continuation-token',
  'versionId',
  'append',
  'position',
  'delete',
];
const PLAIN = ['prefix', 'marker', 'max-keys', 'delimiter', 'encoding-type', 'list-type', 'start-after', 'fetch-owner'];
const valueArb = fc.oneof(fc.constant(''), fc.string({ maxLength: 16 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
const printable = fc
  .string({ minLength: 1, maxLength: 16 })
  .filter((s) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s));

describe('V4 property: ossd verifies what ali-oss signs', () => {
  it('Authorization header over random keys, queries, headers and additional headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
        fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,10}[a-z0-9]$/),
        fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), { nil: undefined }),
        fc.dictionary(fc.constantFrom(...SUBS), valueArb, { maxKeys: 4 }),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(...PLAIN),
            fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !SUBS.includes(k) && k !== '__proto__'),
          ),
          valueArb,
          { maxKeys: 4 },
        ),
        fc.dictionary(
          fc.stringMatching(/^[a-z0-9-]{1,10}$/).map((s) => `x-oss-meta-${s}`),
          printable,
          { maxKeys: 3 },
        ),
        fc.subarray(['host', 'range', 'x-custom']),
        fc.constantFrom('cn-hangzhou', 'us-west-1', 'ap-southeast-1'),
        async (method, bucket, key, subres, plain, meta, additional, region) => {
          // Keys that collide between the two sets: ali-oss lets the plain value win.
          for (const k of Object.keys(plain)) delete subres[k];
          const headers: Record<string, string> = {
            'x-oss-date': DATE,
            'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
            'Content-Type': 'application/octet-stream',
            ...meta,
          };
          if (additional.includes('host')) headers.host = 'localhost:1234';
          if (additional.includes('range')) headers.range = 'bytes=0-9';
          if (additional.includes('x-custom')) headers['x-custom'] = 'v';
          const queries: Record<string, string | null> = {};
          for (const [k, v] of Object.entries(subres)) queries[k] = v === '' ? null : v;
          Object.assign(queries, plain);
          const authorization = ali.authorizationV4(
            ID,
            SECRET,
            region,
            method,
            { headers, queries },
            bucket,
            key,
            additional,
          );
          const bag: HeaderBag = { authorization, 'user-agent': 'x' };
          for (const [k, v] of Object.entries(headers)) bag[k.toLowerCase()] = v;
          const query: [string, string][] = Object.entries(queries).map(([k, v]) => [k, v ?? '']);
          const r = await authenticate(
            { method, headers: bag, query, targets: [{ bucket, key: key ?? '', style: 'path' }] },
            { lookupKey, now: NOW, maxSkewMs: 900_000 },
          );
          assert.equal(r.principal?.accessKeyId, ID);
          await assert.rejects(
            authenticate(
              { method, headers: { ...bag, 'x-oss-meta-zz-extra': '1' }, query, targets: r.target ? [r.target] : [] },
              { lookupKey, now: NOW, maxSkewMs: 900_000 },
            ),
            (e: unknown) => e instanceof OssError && e.code === 'SignatureDoesNotMatch',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  // signatureUrlV4 passes the caller's queries to qs unchanged: '' renders `k=` and null a bare `k`,
  // even for sub-resources, while header signing renders an empty sub-resource bare. ossd accepts all.
  it('presigned V4 query over random keys and queries (empty and null values)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
        fc.dictionary(
          fc.constantFrom('response-content-disposition', 'response-content-type', 'x-oss-process', 'acl'),
          valueArb,
          { maxKeys: 3 },
        ),
        fc.boolean(),
        async (key, extra, emptyAsNull) => {
          // A caller passes either '' or null for its empty values (mixing both in one URL is not covered).
          const queries: Record<string, string | null> = {};
          for (const [k, v] of Object.entries(extra)) queries[k] = v === '' && emptyAsNull ? null : v;
          queries['x-oss-credential'] = `${ID}/${SCOPE}`;
          queries['x-oss-date'] = DATE;
          queries['x-oss-expires'] = '600';
          queries['x-oss-signature-version'] = 'OSS4-HMAC-SHA256';
          const cr = ali.getCanonicalRequest('GET', { headers: {}, queries }, 'bkt', key, []);
          const sig = ali.getSignatureV4(SECRET, DAY, REGION, ali.getStringToSign(REGION, DATE, cr));
          const query: [string, string][] = [
            ...Object.entries(queries).map(([k, v]): [string, string] => [k, v ?? '']),
            ['x-oss-signature', sig],
          ];
          const r = await authenticate(
            { method: 'GET', headers: {}, query, targets: [{ bucket: 'bkt', key, style: 'path' }] },
            { lookupKey, now: NOW + 1000, maxSkewMs: 900_000 },
          );
          assert.equal(r.principal?.accessKeyId, ID);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('V4 authenticate refusals', () => {
  const signed = () => {
    const headers: Record<string, string> = { 'x-oss-date': DATE, 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' };
    const authorization = ali.authorizationV4(ID, SECRET, REGION, 'GET', { headers, queries: {} }, 'b', 'k');
    return { ...headers, authorization } as HeaderBag;
  };
  const run = (headers: HeaderBag, now: number) =>
    authenticate(
      { method: 'GET', headers, query: [], targets: [{ bucket: 'b', key: 'k', style: 'path' }] },
      { lookupKey, now, maxSkewMs: 900_000 },
    );
  const code = (c: string) => (e: unknown) => e instanceof OssError && e.code === c;

  it('accepts within the window, refuses a replay 16 minutes later', async () => {
    assert.equal((await run(signed(), NOW + 14 * 60_000)).principal?.accessKeyId, ID);
    await assert.rejects(run(signed(), NOW + 16 * 60_000), code('RequestTimeTooSkewed'));
    await assert.rejects(run(signed(), NOW - 16 * 60_000), code('RequestTimeTooSkewed'));
  });

  it('unknown key id → InvalidAccessKeyId; bad signature → SignatureDoesNotMatch with StringToSign', async () => {
    const h = signed();
    await assert.rejects(
      run({ ...h, authorization: h.authorization!.replace(ID, 'nobody') }, NOW),
      code('InvalidAccessKeyId'),
    );
    await assert.rejects(
      run({ ...h, authorization: h.authorization!.replace(/Signature=.*/, `Signature=${'0'.repeat(64)}`) }, NOW),
      (e: unknown) =>
        e instanceof OssError &&
        e.code === 'SignatureDoesNotMatch' &&
        e.extra.StringToSign.startsWith(`OSS4-HMAC-SHA256\n${DATE}\n${SCOPE}\n`),
    );
  });
});
