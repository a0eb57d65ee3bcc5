import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OssError } from '../../src/errors/oss-error.js';
import { child, children, childText, parseXml, renderXml, text } from '../../src/http/xml.js';

/** C0 controls other than tab, LF and CR cannot appear in XML 1.0. */
function isRestrictedControl(c: string): boolean {
  const n = c.codePointAt(0) ?? 0;
  return n < 0x20 && n !== 9 && n !== 10 && n !== 13;
}

const malformed = (e: unknown) => e instanceof OssError && e.code === 'MalformedXML' && e.status === 400;

describe('renderXml', () => {
  it('writes the declaration, escapes text and drops undefined/null', () => {
    const xml = renderXml('ListBucketResult', {
      Name: 'b',
      Prefix: '',
      Marker: undefined,
      Delimiter: null,
      IsTruncated: false,
      MaxKeys: 100,
      Contents: [{ Key: `a&b<c>d"e'f` }, { Key: '中 文' }],
      Owner: { ID: '1', DisplayName: '1' },
    });
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name><Prefix></Prefix><IsTruncated>false</IsTruncated>' +
        // Quotes stay literal in text, as OSS writes them (ETag "…").
        `<MaxKeys>100</MaxKeys><Contents><Key>a&amp;b&lt;c&gt;d"e'f</Key></Contents><Contents><Key>中 文</Key></Contents>` +
        '<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner></ListBucketResult>',
    );
  });

  it('round-trips any printable text through render and parse', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => ![...s].some(isRestrictedControl)),
        (s) => {
          const parsed = parseXml(renderXml('R', { K: s }));
          assert.equal(childText(parsed.R, 'K'), s);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseXml', () => {
  it('decodes the five XML entities and numeric references (Go encoding/xml writes &#39; and &#x9;)', () => {
    const doc = parseXml('<a><k>a&amp;b&lt;c&gt;&quot;&apos;</k><k>it&#39;s&#x9;&#34;x&#34;</k></a>');
    assert.deepEqual(
      children(doc.a, 'k').map((k) => text(k)),
      [`a&b<c>"'`, `it's\t"x"`],
    );
  });

  it('reads a DeleteMultipleObjects body as ali-oss sends it', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Delete><Quiet>false</Quiet><Object><Key>a.txt</Key></Object>' +
      '<Object><Key>b&amp;&lt;.txt</Key><VersionId></VersionId></Object></Delete>';
    const doc = parseXml(body);
    const del = child(doc, 'Delete');
    assert.equal(childText(del, 'Quiet'), 'false');
    const objects = children(del, 'Object');
    assert.deepEqual(
      objects.map((o) => childText(o, 'Key')),
      ['a.txt', 'b&<.txt'],
    );
    assert.equal(childText(objects[1], 'VersionId'), '');
    assert.equal(childText(objects[0], 'VersionId'), undefined);
  });

  it('keeps whitespace and leading zeros as text (no value parsing)', () => {
    const doc = parseXml('<a><k> x </k><n>007</n><b>true</b></a>');
    assert.equal(childText(doc.a, 'k'), ' x ');
    assert.equal(childText(doc.a, 'n'), '007');
    assert.equal(childText(doc.a, 'b'), 'true');
  });

  it('reads CDATA as text and ignores comments', () => {
    assert.equal(childText(parseXml('<a><k><![CDATA[<x>&y;]]></k></a>').a, 'k'), '<x>&y;');
    assert.equal(childText(parseXml('<!-- &c; --><a><k>v</k></a><!-- after -->\n').a, 'k'), 'v');
  });

  const refused: [string, string][] = [
    ['DOCTYPE with internal entity', '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    [
      'billion laughs',
      '<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]><l>&c;</l>',
    ],
    ['external entity', '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'],
    ['lower-case doctype', '<!doctype a><a/>'],
    ['DOCTYPE without subset', '<!DOCTYPE a SYSTEM "http://127.0.0.1/x.dtd"><a/>'],
    ['undefined entity with no DOCTYPE', '<a>&x;</a>'],
    ['deep nesting', `<a>${'<b>'.repeat(200)}x${'</b>'.repeat(200)}</a>`],
    ['unclosed element', '<a><b></a>'],
    ['empty body', ''],
    ['not XML', 'hello'],
    ['JSON', '{"Delete":[]}'],
    ['two roots', '<a/><b/>'],
    ['repeated root', '<a/><a/>'],
    ['text after the root', '<a/>junk'],
    ['bare ampersand', '<a>a & b</a>'],
    ['HTML entity', '<a>&nbsp;</a>'],
  ];
  for (const [name, body] of refused) {
    it(`refuses ${name} with MalformedXML`, () => {
      assert.throws(() => parseXml(body), malformed);
    });
  }

  it('accepts moderate nesting', () => {
    const doc = parseXml(`<a>${'<b>'.repeat(20)}x${'</b>'.repeat(20)}</a>`);
    let node = doc.a;
    for (let i = 0; i < 20; i++) node = child(node, 'b');
    assert.equal(text(node), 'x');
  });
});
