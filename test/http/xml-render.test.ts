/**
 * renderXml writes OSS response bodies by hand: it must produce exactly what fast-xml-parser's XMLBuilder
 * (with the options ossd used before) produces, for any body shape a handler builds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { XMLBuilder } from 'fast-xml-parser';
import { renderXml, type XmlObject, type XmlValue } from '../../src/http/xml.js';

const oracle = new XMLBuilder({
  ignoreAttributes: true,
  suppressEmptyNode: false,
  processEntities: false,
  tagValueProcessor: (_name, value) => String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
});

function clean(v: XmlValue): XmlValue {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out: XmlObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k] = clean(x);
    return out;
  }
  return typeof v === 'boolean' ? String(v) : v;
}

const expected = (root: string, body: XmlObject) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${oracle.build({ [root]: clean(body) })}`;

const tag = fc.constantFrom('Key', 'Size', 'ETag', 'Contents', 'Prefix', 'Owner', 'ID', 'A', 'B');
const present = fc.oneof(
  fc.string(),
  fc.constantFrom('', '"quoted"', 'a&b<c>d', "it's", '中文', '&amp;'),
  fc.integer(),
  fc.boolean(),
);
// An absent element (undefined or null) is dropped; inside an array XMLBuilder wrote `<K/>` for null, a
// shape no handler builds.
const leaf = fc.oneof(present, fc.constant(undefined), fc.constant(null));
const tree = fc.letrec<{ node: XmlObject; value: XmlValue }>((t) => ({
  node: fc.dictionary(tag, t('value'), { maxKeys: 5 }) as fc.Arbitrary<XmlObject>,
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    t('node'),
    fc.array(fc.oneof(present, t('node')), { maxLength: 4 }) as fc.Arbitrary<XmlValue>,
  ),
}));

describe('renderXml', () => {
  it('writes what XMLBuilder wrote for any body', () => {
    fc.assert(
      fc.property(tree.node, (body) => {
        assert.equal(renderXml('ListBucketResult', body), expected('ListBucketResult', body));
      }),
      { numRuns: 500 },
    );
  });

  it('writes a listing entry and text-only elements as OSS does', () => {
    assert.equal(
      renderXml('ListBucketResult', {
        Name: 'b',
        Prefix: '',
        Contents: [
          { Key: 'a&b', ETag: '"E"', Size: 3 },
          { Key: 'c', ETag: '"F"', Size: 0 },
        ],
        CommonPrefixes: [],
        IsTruncated: false,
        Empty: {},
        Skipped: undefined,
      }),
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name><Prefix></Prefix>' +
        '<Contents><Key>a&amp;b</Key><ETag>"E"</ETag><Size>3</Size></Contents>' +
        '<Contents><Key>c</Key><ETag>"F"</ETag><Size>0</Size></Contents>' +
        '<IsTruncated>false</IsTruncated><Empty></Empty></ListBucketResult>',
    );
    const location = { '#text': 'oss-cn-hangzhou' };
    assert.equal(renderXml('LocationConstraint', location), expected('LocationConstraint', location));
    assert.equal(
      renderXml('LocationConstraint', location),
      '<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint>oss-cn-hangzhou</LocationConstraint>',
    );
  });
});
