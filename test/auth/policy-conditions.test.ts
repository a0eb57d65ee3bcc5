/**
 * The shared policy evaluator's Condition semantics and the Referer matcher, as pure functions (the
 * request-level behaviour is in test/api/bucket-policy.test.ts and test/api/bucket-referer.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileConditions, conditionsHold, type RequestFacts } from '../../src/auth/policy/conditions.js';
import { PolicyError } from '../../src/auth/policy/errors.js';
import { DEFAULT_REFERER_CONFIG, refererAllowed } from '../../src/auth/referer.js';

const facts: RequestFacts = {
  sourceIp: '192.168.7.9',
  referer: 'https://shop.example/page',
  userAgent: 'Mozilla/5.0',
  secureTransport: true,
  now: Date.parse('2026-06-01T12:00:00Z'),
  accessKeyId: 'KEY1',
};
const holds = (c: object, f: RequestFacts = facts) => conditionsHold(compileConditions(c, 'Condition'), f);

describe('policy conditions', () => {
  it('string, IP, date, numeric and boolean operators', () => {
    assert.equal(holds({ StringEquals: { 'acs:AccessId': 'KEY1' } }), true);
    assert.equal(holds({ StringEqualsIgnoreCase: { 'acs:UserAgent': 'mozilla/5.0' } }), true);
    assert.equal(holds({ StringEquals: { 'acs:UserAgent': 'mozilla/5.0' } }), false);
    assert.equal(holds({ StringLike: { 'acs:Referer': ['http://*', 'https://shop.*'] } }), true);
    assert.equal(holds({ StringNotLike: { 'acs:Referer': ['https://shop.*'] } }), false);
    assert.equal(holds({ IpAddress: { 'acs:SourceIp': '192.168.0.0/16' } }), true);
    assert.equal(holds({ IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.168.7.9'] } }), true);
    assert.equal(holds({ NotIpAddress: { 'acs:SourceIp': '192.168.0.0/16' } }), false);
    assert.equal(holds({ IpAddress: { 'acs:SourceIp': '2001:db8::/32' } }), false);
    assert.equal(
      holds({ IpAddress: { 'acs:SourceIp': '2001:db8::/32' } }, { ...facts, sourceIp: '2001:db8::5' }),
      true,
    );
    assert.equal(holds({ DateGreaterThan: { 'acs:CurrentTime': '2026-01-01T00:00:00Z' } }), true);
    assert.equal(holds({ DateLessThan: { 'acs:CurrentTime': '2026-01-01T00:00:00Z' } }), false);
    assert.equal(holds({ Bool: { 'acs:SecureTransport': true } }), true);
    assert.equal(holds({ Bool: { 'acs:SecureTransport': 'false' } }), false);
    // Keys are case-insensitive; every pair must hold.
    assert.equal(holds({ Bool: { 'ACS:securetransport': 'true' }, StringEquals: { 'acs:AccessId': 'KEY2' } }), false);
  });

  it('a key the request lacks: positive operators fail, negated ones hold', () => {
    assert.equal(holds({ StringLike: { 'oss:Prefix': 'docs/*' } }), false);
    assert.equal(holds({ StringNotLike: { 'oss:Prefix': 'docs/*' } }), true);
    assert.equal(holds({ StringEquals: { 'acs:SourceVpc': 'vpc-1' } }), false);
    assert.equal(holds({ StringNotLike: { 'oss:Prefix': 'docs/*' } }, { ...facts, prefix: 'x/' }), true);
    assert.equal(holds({ StringNotLike: { 'oss:Prefix': 'docs/*' } }, { ...facts, prefix: 'docs/a' }), false);
    assert.equal(holds({ NumericLessThan: { 'oss:Delimiter': 5 } }, { ...facts, delimiter: '3' }), true);
  });

  it('refuses what it cannot evaluate', () => {
    const bad: object[] = [
      { ForAnyValue: { 'acs:SourceIp': '1.2.3.4' } },
      { StringEquals: { 'acs:MFAPresent': 'true' } },
      { IpAddress: { 'acs:SourceIp': '300.1.1.1' } },
      { IpAddress: { 'acs:SourceIp': '10.0.0.0/33' } },
      { DateLessThan: { 'acs:CurrentTime': 'soon' } },
      { NumericEquals: { 'oss:Delimiter': 'x' } },
      { Bool: { 'acs:SecureTransport': 'yes' } },
      { StringEquals: { 'acs:Referer': [] } },
      { StringEquals: { 'acs:Referer': { nested: 1 } } },
      { StringEquals: 'acs:Referer' },
    ];
    for (const c of bad) assert.throws(() => compileConditions(c, 'Condition'), PolicyError, JSON.stringify(c));
  });
});

describe('Referer matching', () => {
  const cfg = (over: Partial<typeof DEFAULT_REFERER_CONFIG>) => ({ ...DEFAULT_REFERER_CONFIG, ...over });
  it('empty Referer, allow and block lists, wildcards, scheme', () => {
    assert.equal(refererAllowed(DEFAULT_REFERER_CONFIG, undefined), true);
    assert.equal(refererAllowed(DEFAULT_REFERER_CONFIG, 'http://any.test/'), true);
    const c = cfg({
      allowEmpty: false,
      allow: ['http://a.test', 'www.b.test', '*.c.test'],
      block: ['http://bad.c.test'],
    });
    assert.equal(refererAllowed(c, undefined), false);
    assert.equal(refererAllowed(c, ''), false);
    assert.equal(refererAllowed(c, 'http://a.test/x/y.html'), true);
    assert.equal(refererAllowed(c, 'HTTP://A.TEST/x'), true);
    assert.equal(refererAllowed(c, 'https://a.test/x'), false);
    assert.equal(refererAllowed(c, 'http://a.test.evil/x'), false);
    assert.equal(refererAllowed(c, 'https://www.b.test/'), true, 'an entry without a scheme covers both');
    assert.equal(refererAllowed(c, 'https://x.c.test/p'), true);
    assert.equal(refererAllowed(c, 'http://bad.c.test/p'), false, 'blocked before allowed');
    // Not allowing the empty Referer only matters when there is an allow list.
    assert.equal(refererAllowed(cfg({ allowEmpty: false, block: ['http://x'] }), undefined), true);
  });
  it('query string and path truncation', () => {
    const q = (allowTruncateQueryString: boolean, truncatePath = false) =>
      cfg({ allowEmpty: false, allow: ['http://a.test/p'], allowTruncateQueryString, truncatePath });
    assert.equal(refererAllowed(q(true), 'http://a.test/p?x=1#f'), true);
    assert.equal(refererAllowed(q(false), 'http://a.test/p?x=1'), false);
    const p = cfg({ allowEmpty: false, allow: ['http://a.test'], truncatePath: true });
    assert.equal(refererAllowed(p, 'http://a.test/deep/path?q'), true);
    const host = (truncatePath: boolean) => cfg({ allowEmpty: false, allow: ['*.a.test'], truncatePath });
    assert.equal(refererAllowed(host(false), 'http://evil.test/x.a.test'), true);
    assert.equal(refererAllowed(host(true), 'http://evil.test/x.a.test'), false);
  });
});
