// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OSS callback templates are written ${…} in plain strings
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CallbackVariables,
  MAX_RENDERED_BODY_BYTES,
  RenderedBodyTooLargeError,
  renderCallbackBody,
  renderedLowerBound,
  TemplateSyntaxError,
  validateTemplate,
} from '../../src/callback/template.js';

const vars: CallbackVariables = {
  bucket: 'chat-oss-bucket',
  object: 'rubbish/1612272492048.jpg',
  etag: 'F0F18C2C66AE1DD512BDCD4366F76DA3',
  size: 9,
  mimeType: 'image/jpeg',
  crc64: '18446744073709551615',
  contentMd5: 'ICy5YqxZB1uWSwcVLSNLcA==',
  vpcId: '',
  clientIp: '10.0.0.7',
  reqId: '5F1A2B3C4D5E6F7A8B9C0D1E',
  operation: 'PutObject',
};
const real = { absentNumbersAsNull: false };
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

describe('validateTemplate', () => {
  it('accepts templates, including literal JSON braces', () => {
    validateTemplate('bucket=${bucket}&x=${x:a}');
    validateTemplate('{"a":${bucket},"b":{"c":${size}}}');
    validateTemplate('no variables at all');
  });
  it('rejects a $ not followed by { and an unclosed ${', () => {
    assert.throws(
      () => validateTemplate('a=$x:a}'),
      new TemplateSyntaxError('Left brace must be adjacent to dollar sign.'),
    );
    assert.throws(() => validateTemplate('a=$ {bucket}'), TemplateSyntaxError);
    assert.throws(() => validateTemplate('a=${bucket'), TemplateSyntaxError);
    assert.throws(() => validateTemplate('price=$'), TemplateSyntaxError);
  });
});

describe('renderCallbackBody: form', () => {
  it("renders the seed sample's body exactly", () => {
    const body = renderCallbackBody(
      'bucket=${bucket}&object=${object}&var1=${x:var1}&var2=${x:var2}',
      FORM,
      { ...vars, bucket: 'examplebucket', object: 'exampleobject.txt' },
      { 'x:var1': 'value1', 'x:var2': 'value2' },
      real,
    );
    assert.equal(body, 'bucket=examplebucket&object=exampleobject.txt&var1=value1&var2=value2');
  });
  it('percent-encodes substituted values only (encodeURIComponent semantics)', () => {
    const body = renderCallbackBody(
      'o=${object}&m=${mimeType}&x=${x:v}&lit=a b/c',
      FORM,
      { ...vars, object: 'dir/a b+c&d=é.txt', mimeType: 'text/plain' },
      { 'x:v': "日本 !*'()~-_." },
      real,
    );
    assert.equal(body, "o=dir%2Fa%20b%2Bc%26d%3D%C3%A9.txt&m=text%2Fplain&x=%E6%97%A5%E6%9C%AC%20!*'()~-_.&lit=a b/c");
  });
  it('renders absent, unknown and unsupplied values empty', () => {
    const body = renderCallbackBody(
      'h=${imageInfo.height}&w=${imageInfo.width}&f=${imageInfo.format}&v=${vpcId}&u=${nope}&x=${x:missing}&s=${size}&c=${crc64}',
      FORM,
      vars,
      {},
      real,
    );
    assert.equal(body, 'h=&w=&f=&v=&u=&x=&s=9&c=18446744073709551615');
  });
  it('renders every system variable', () => {
    const body = renderCallbackBody(
      '${bucket}|${object}|${etag}|${size}|${mimeType}|${imageInfo.height}|${imageInfo.width}|${imageInfo.format}|${crc64}|${contentMd5}|${vpcId}|${clientIp}|${reqId}|${operation}',
      FORM,
      { ...vars, imageInfo: { width: 640, height: 480, format: 'jpg' } },
      {},
      real,
    );
    assert.equal(
      body,
      'chat-oss-bucket|rubbish%2F1612272492048.jpg|F0F18C2C66AE1DD512BDCD4366F76DA3|9|image%2Fjpeg|480|640|jpg|18446744073709551615|ICy5YqxZB1uWSwcVLSNLcA%3D%3D||10.0.0.7|5F1A2B3C4D5E6F7A8B9C0D1E|PutObject',
    );
  });
  it('does not throw on lone surrogates', () => {
    assert.equal(renderCallbackBody('x=${x:a}', FORM, vars, { 'x:a': '\ud800' }, real), 'x=%EF%BF%BD');
  });
});

describe('renderCallbackBody: JSON', () => {
  const realTemplate =
    '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},"imageInfo.height":${imageInfo.height},"imageInfo.width":${imageInfo.width},"imageInfo.format":${imageInfo.format}}';

  it("reproduces the real service's bytes for a non-image upload", () => {
    assert.equal(
      renderCallbackBody(realTemplate, JSON_TYPE, vars, {}, real),
      '{"bucket":"chat-oss-bucket","object":"rubbish/1612272492048.jpg","etag":"F0F18C2C66AE1DD512BDCD4366F76DA3","size":9,"mimeType":"image/jpeg","imageInfo.height":,"imageInfo.width":,"imageInfo.format":null}',
    );
  });
  it('renders absent numbers as null with the option (valid JSON)', () => {
    const body = renderCallbackBody(realTemplate, JSON_TYPE, vars, {}, { absentNumbersAsNull: true });
    assert.deepEqual(JSON.parse(body), {
      bucket: 'chat-oss-bucket',
      object: 'rubbish/1612272492048.jpg',
      etag: 'F0F18C2C66AE1DD512BDCD4366F76DA3',
      size: 9,
      mimeType: 'image/jpeg',
      'imageInfo.height': null,
      'imageInfo.width': null,
      'imageInfo.format': null,
    });
  });
  it('renders image info as numbers and the format as a string', () => {
    const body = renderCallbackBody(
      realTemplate,
      JSON_TYPE,
      { ...vars, imageInfo: { width: 640, height: 480, format: 'jpg' } },
      {},
      real,
    );
    assert.match(body, /"imageInfo.height":480,"imageInfo.width":640,"imageInfo.format":"jpg"}$/);
  });
  it('emits crc64 digits as-is, even beyond 2^53', () => {
    assert.equal(renderCallbackBody('{"c":${crc64}}', JSON_TYPE, vars, {}, real), '{"c":18446744073709551615}');
  });
  it('quotes and escapes strings, keeps Unicode, renders missing strings as null', () => {
    const body = renderCallbackBody(
      '{"o":${object},"x":${x:v},"e":${x:empty},"m":${x:missing},"u":${nope},"v":${vpcId},"md5":${contentMd5}}',
      JSON_TYPE,
      { ...vars, object: 'a"b\\c\n\u0001é日本', contentMd5: '' },
      { 'x:v': '</script>"', 'x:empty': '' },
      real,
    );
    assert.equal(
      body,
      '{"o":"a\\"b\\\\c\\n\\u0001é日本","x":"</script>\\"","e":"","m":null,"u":null,"v":null,"md5":null}',
    );
    assert.deepEqual(JSON.parse(body).o, 'a"b\\c\n\u0001é日本');
  });
});

describe('the rendered body cap', () => {
  it('renders up to the cap and refuses one byte more', () => {
    const custom = { 'x:v': 'a'.repeat(1000) };
    const body = renderCallbackBody('${x:v}'.repeat(10), FORM, vars, custom, { ...real, maxBytes: 10_000 });
    assert.equal(body.length, 10_000);
    assert.throws(
      () => renderCallbackBody('${x:v}'.repeat(10) + '!', FORM, vars, custom, { ...real, maxBytes: 10_000 }),
      RenderedBodyTooLargeError,
    );
    assert.equal(MAX_RENDERED_BODY_BYTES, 256 * 1024);
  });

  it('stops rendering as soon as the cap is passed (reads the variable only that often)', () => {
    let reads = 0;
    const custom: Record<string, string> = {};
    Object.defineProperty(custom, 'x:v', {
      enumerable: true,
      get: () => {
        reads++;
        return 'b'.repeat(5000);
      },
    });
    assert.throws(
      () => renderCallbackBody('${x:v}'.repeat(830), JSON_TYPE, vars, custom, real),
      (err: unknown) => err instanceof RenderedBodyTooLargeError && err.limit === MAX_RENDERED_BODY_BYTES,
    );
    assert.ok(reads <= Math.ceil(MAX_RENDERED_BODY_BYTES / 5002) + 1, `read ${reads} times`);
  });

  it('counts bytes, not characters, and bounds from below with custom variables only', () => {
    const custom = { 'x:v': 'é'.repeat(100) };
    // form: each é is %C3%A9 (6 bytes); json: 2 UTF-8 bytes + quotes.
    assert.equal(renderedLowerBound('${x:v}-${object}', FORM, custom), 601);
    assert.equal(renderedLowerBound('${x:v}${size}', JSON_TYPE, custom), 202);
    assert.equal(renderedLowerBound('${x:missing}', JSON_TYPE, {}), 4);
    assert.throws(
      () => renderCallbackBody('${x:v}'.repeat(10), JSON_TYPE, vars, custom, { ...real, maxBytes: 2019 }),
      RenderedBodyTooLargeError,
    );
  });
});
