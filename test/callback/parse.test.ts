// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OSS callback templates are written ${…} in plain strings
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ADDRESS_POLICY } from '../../src/callback/address-policy.js';
import { parseCallbackParams, parseCallbackUrl, selectCallbackTransport } from '../../src/callback/parse.js';
import { OssError } from '../../src/errors/oss-error.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
const policy = DEFAULT_ADDRESS_POLICY;
const base = { callbackUrl: 'http://example.com/cb', callbackBody: 'bucket=${bucket}' };

function rejects(fn: () => unknown, ec: string, opts: { message?: string; name?: string } = {}) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OssError, String(err));
    assert.equal(err.code, 'InvalidArgument');
    assert.equal(err.status, 400);
    assert.equal(err.ec, ec);
    assert.equal(err.extra.ArgumentName, opts.name ?? 'callback');
    if (opts.message !== undefined) assert.equal(err.message, opts.message);
    return true;
  });
}

const parse = (cb: unknown, v?: unknown, p = policy) =>
  parseCallbackParams(b64(cb), v === undefined ? undefined : b64(v), { policy: p });

describe('parseCallbackParams', () => {
  it('parses a full callback with defaults', () => {
    const spec = parse(base);
    assert.equal(spec.bodyType, 'application/x-www-form-urlencoded');
    assert.equal(spec.sni, false);
    assert.equal(spec.host, undefined);
    assert.deepEqual(spec.additionalHeaders, {});
    assert.deepEqual(spec.customVars, {});
    assert.deepEqual(spec.targets, [
      { url: 'http://example.com/cb', protocol: 'http:', hostname: 'example.com', port: 80, pathAndQuery: '/cb' },
    ]);
    assert.equal(spec.raw.callback, b64(base));
  });

  it('parses several URLs, tolerates a trailing ;, defaults the scheme and keeps encoding', () => {
    const spec = parse(
      {
        ...base,
        callbackUrl: 'https://a.example.com:8443/p%20q?x=1&y=%2F;b.example.com:9090;HTTP://C.example.com?z;',
        callbackHost: 'app.example.com',
        callbackBodyType: 'application/json',
        callbackSNI: true,
        additionalHeaders: { 'X-Trace': 'abc' },
      },
      { 'x:a': 'b', 'x:n': 1 },
    );
    assert.deepEqual(
      spec.targets.map((t) => [t.url, t.protocol, t.hostname, t.port, t.pathAndQuery]),
      [
        ['https://a.example.com:8443/p%20q?x=1&y=%2F', 'https:', 'a.example.com', 8443, '/p%20q?x=1&y=%2F'],
        ['http://b.example.com:9090/', 'http:', 'b.example.com', 9090, '/'],
        ['http://c.example.com/?z', 'http:', 'c.example.com', 80, '/?z'],
      ],
    );
    assert.equal(spec.host, 'app.example.com');
    assert.equal(spec.bodyType, 'application/json');
    assert.equal(spec.sni, true);
    assert.deepEqual(spec.additionalHeaders, { 'X-Trace': 'abc' });
    assert.deepEqual(spec.customVars, { 'x:a': 'b', 'x:n': '1' });
  });

  it('accepts IPv6 literals', () => {
    const t = parseCallbackUrl('http://[::1]:8080/cb');
    assert.deepEqual(t, {
      url: 'http://[::1]:8080/cb',
      protocol: 'http:',
      hostname: '::1',
      port: 8080,
      pathAndQuery: '/cb',
    });
  });

  it('0007-00000001: callback longer than 5 KB', () => {
    rejects(() => parse({ ...base, callbackBody: `a=${'x'.repeat(5200)}` }), '0007-00000001');
  });
  it('0007-00000002: not base64', () => {
    rejects(() => parseCallbackParams('!!notbase64!!', undefined, { policy }), '0007-00000002');
    rejects(() => parseCallbackParams('abcde', undefined, { policy }), '0007-00000002');
  });
  it('0007-00000003: not JSON, with the real message', () => {
    const message = 'The callback configuration is not json format.';
    rejects(() => parse('{"callbackUrl":'), '0007-00000003', { message });
    rejects(() => parse('[1,2]'), '0007-00000003', { message });
    rejects(() => parse('null'), '0007-00000003', { message });
    rejects(
      () => parseCallbackParams(Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), undefined, { policy }),
      '0007-00000003',
    );
  });
  it('0007-00000004: invalid callbackUrl', () => {
    for (const url of [
      undefined,
      '',
      42,
      'ftp://example.com/cb',
      'http://example.com:abc/cb',
      'http://example.com:99999/cb',
      'http:///cb',
      'http://:80/cb',
      'http://user@example.com/cb',
      'http://exa mple.com/cb',
      'http://example.com/a b',
      'http://[::1/cb',
      'a.example.com;;b.example.com',
    ]) {
      rejects(() => parse({ ...base, callbackUrl: url }), '0007-00000004');
    }
  });
  it('0007-00000005: more than 5 URLs', () => {
    parse({ ...base, callbackUrl: 'a.com;b.com;c.com;d.com;e.com;' });
    rejects(() => parse({ ...base, callbackUrl: 'a.com;b.com;c.com;d.com;e.com;f.com' }), '0007-00000005');
  });
  it('0007-00000008: literal IP refused by the policy at request time', () => {
    rejects(() => parse({ ...base, callbackUrl: 'http://169.254.169.254/latest' }), '0007-00000008');
    rejects(() => parse({ ...base, callbackUrl: 'http://[::ffff:169.254.169.254]/' }), '0007-00000008');
    rejects(
      () =>
        parse({ ...base, callbackUrl: 'http://127.0.0.1:9000/' }, undefined, {
          denyPrivate: true,
          allowLinkLocal: false,
        }),
      '0007-00000008',
    );
    // allowed by default; DNS names are only checked at delivery
    parse({ ...base, callbackUrl: 'http://127.0.0.1:9000/' });
    parse({ ...base, callbackUrl: 'http://metadata.internal/' }, undefined, {
      denyPrivate: true,
      allowLinkLocal: false,
    });
  });
  it('0007-00000009: callbackHost not a string', () => {
    rejects(() => parse({ ...base, callbackHost: 12 }), '0007-00000009');
    rejects(() => parse({ ...base, callbackHost: 'a\r\nb' }), '0007-00000009');
  });

  it('0007-00000009: callbackHost not a hostname[:port], IPv4 or [IPv6] literal', () => {
    const bad = [
      'a b',
      'a.com/x',
      'a.com:',
      'a.com:0',
      'a.com:65536',
      'a.com:8a',
      '-a.com',
      'a..com',
      '::1',
      '[::1',
      '[zz]:80',
      'user@a.com',
      'a.com:80:80',
      `${'a'.repeat(64)}.com`,
      'é.com',
      ' a.com',
    ];
    for (const host of bad)
      rejects(() => parse({ ...base, callbackHost: host }), '0007-00000009', {
        message: 'The callbackHost is invalid.',
      });
    const good = [
      'app.example.com',
      'app.example.com:8080',
      'localhost',
      '10.0.0.1:80',
      '[::1]',
      '[2001:db8::1]:443',
      'my_host.internal',
      'example.com.',
    ];
    for (const host of good) assert.equal(parse({ ...base, callbackHost: host }).host, host);
  });
  it('0007-00000011: callbackBody missing or empty', () => {
    rejects(() => parse({ callbackUrl: base.callbackUrl }), '0007-00000011');
    rejects(() => parse({ ...base, callbackBody: '' }), '0007-00000011');
    rejects(() => parse({ ...base, callbackBody: 5 }), '0007-00000011');
  });
  it('0007-00000012: bad callbackBodyType', () => {
    rejects(() => parse({ ...base, callbackBodyType: 'text/plain' }), '0007-00000012');
    rejects(() => parse({ ...base, callbackBodyType: 1 }), '0007-00000012');
  });
  it('callbackSNI must be a JSON boolean', () => {
    rejects(() => parse({ ...base, callbackSNI: 'true' }), '0000-00000000', {
      message: 'The callback sni is invalid.',
    });
  });
  it('0007-00000026: bad additionalHeaders', () => {
    for (const h of [
      [],
      'x',
      { 'x-oss-meta': 'a' },
      { 'X-OSS-Foo': 'a' },
      { 'bad name': 'a' },
      { a: 1 },
      { a: 'x\ny' },
      { Host: 'h' },
      { authorization: 'a' },
    ]) {
      rejects(() => parse({ ...base, additionalHeaders: h }), '0007-00000026');
    }
  });
  it('0007-00000101/102/103: callback-var', () => {
    const cb = b64(base);
    rejects(() => parseCallbackParams(cb, b64({ 'x:a': 'y'.repeat(5200) }), { policy }), '0007-00000101', {
      name: 'callback-var',
    });
    rejects(() => parseCallbackParams(cb, '%%%', { policy }), '0007-00000102', { name: 'callback-var' });
    rejects(() => parseCallbackParams(cb, b64('not json'), { policy }), '0007-00000103', { name: 'callback-var' });
    rejects(() => parseCallbackParams(cb, b64({ 'x:a': { nested: 1 } }), { policy }), '0007-00000103', {
      name: 'callback-var',
    });
    assert.deepEqual(parseCallbackParams(cb, '', { policy }).customVars, {});
  });
  it('0007-00000105: malformed template', () => {
    const message = 'Left brace must be adjacent to dollar sign.';
    rejects(() => parse({ ...base, callbackBody: 'a=$x:a}' }), '0007-00000105', { message });
    rejects(() => parse({ ...base, callbackBody: 'a=${bucket' }), '0007-00000105');
  });
});

describe('selectCallbackTransport', () => {
  it('picks header or query, with its own -var', () => {
    assert.deepEqual(selectCallbackTransport({ header: 'h', headerVar: 'hv' }), {
      source: 'header',
      callback: 'h',
      callbackVar: 'hv',
    });
    assert.deepEqual(selectCallbackTransport({ query: 'q', queryVar: 'qv', headerVar: 'hv' }), {
      source: 'query',
      callback: 'q',
      callbackVar: 'qv',
    });
    assert.deepEqual(selectCallbackTransport({ query: 'q' }), { source: 'query', callback: 'q' });
    assert.equal(selectCallbackTransport({ headerVar: 'hv' }), undefined);
    assert.equal(selectCallbackTransport({}), undefined);
  });
  it('0007-00000027: both header and query', () => {
    rejects(() => selectCallbackTransport({ header: 'h', query: 'q' }), '0007-00000027');
  });
});
