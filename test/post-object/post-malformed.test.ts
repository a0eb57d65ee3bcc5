import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { MAX_FIELD_BYTES, MAX_PRE_DATA_BYTES } from '../../src/api/bucket/post-form.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import {
  buildForm,
  type Fields,
  type FormResponse,
  fieldPart,
  policyOf,
  postForm,
  postRaw,
  rawMultipart,
  v1Fields,
  xmlText,
} from './post-helpers.js';

const BUCKET = 'post-malformed';
const BOUNDARY = '----ossdTestBoundary7MA4YWxkTrZu0gW';

function assertError(r: FormResponse, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(xmlText(r.text, 'Code'), code, r.text);
}

describe('PostObject: malformed forms, limits and field order', () => {
  let server: TestServer;
  let client: OSS;
  let port: number;
  let signed: Fields;
  const path = `/${BUCKET}/`;
  const raw = (parts: Parameters<typeof rawMultipart>[1], opts?: { close?: boolean; contentType?: string }) =>
    postRaw(port, {
      path,
      body: rawMultipart(BOUNDARY, parts, opts),
      headers: { 'content-type': opts?.contentType ?? `multipart/form-data; boundary=${BOUNDARY}` },
    });
  const signedParts = () => signed.map(([k, v]) => fieldPart(k, v));

  before(async () => {
    server = await startTestServer();
    port = server.port;
    client = await withBucket(server, BUCKET);
    signed = v1Fields(client, policyOf([]));
  });
  after(async () => {
    await server.stop();
  });

  it('a body that is not multipart/form-data → 400 RequestIsNotMultiPartContent', async () => {
    const r = await postRaw(port, {
      path,
      body: 'key=a&file=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertError(r, 400, 'RequestIsNotMultiPartContent');
    assertError(await postRaw(port, { path, body: 'x' }), 400, 'RequestIsNotMultiPartContent');
  });

  it('multipart without a boundary, or cut short → 400 MalformedPOSTRequest, nothing stored', async () => {
    const noBoundary = await postRaw(port, {
      path,
      body: 'whatever',
      headers: { 'content-type': 'multipart/form-data' },
    });
    assertError(noBoundary, 400, 'MalformedPOSTRequest');
    const truncated = await raw(
      [
        fieldPart('key', 'cut.txt'),
        ...signedParts(),
        {
          headers: ['Content-Disposition: form-data; name="file"; filename="a.txt"', 'Content-Type: text/plain'],
          body: 'partial data without the closing boundary',
        },
      ],
      { close: false },
    );
    assertError(truncated, 400, 'MalformedPOSTRequest');
    const badHeader = await postRaw(port, {
      path,
      body: `--${BOUNDARY}\r\nthis is not a header line\r\n\r\nvalue\r\n--${BOUNDARY}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    assert.equal(badHeader.status, 400, badHeader.text);
    await assert.rejects(client.head('cut.txt'), { status: 404 });
  });

  it('no file → 400 IncorrectNumberOfFilesInPOSTRequest', async () => {
    const r = await postForm(port, buildForm([['key', 'none.txt'], ...signed], null), { path });
    assertError(r, 400, 'IncorrectNumberOfFilesInPOSTRequest');
  });

  it('two files → 400 IncorrectNumberOfFilesInPOSTRequest, nothing stored', async () => {
    const r = await raw([
      fieldPart('key', 'two.txt'),
      ...signedParts(),
      { headers: ['Content-Disposition: form-data; name="file"; filename="a.txt"'], body: 'one' },
      { headers: ['Content-Disposition: form-data; name="file"; filename="b.txt"'], body: 'two' },
    ]);
    assertError(r, 400, 'IncorrectNumberOfFilesInPOSTRequest');
    await assert.rejects(client.head('two.txt'), { status: 404 });
  });

  it('a file part not named "file" is refused', async () => {
    const fd = buildForm([['key', 'named.txt'], ...signed], { name: 'upload', data: 'x' });
    assertError(await postForm(port, fd, { path }), 400, 'IncorrectNumberOfFilesInPOSTRequest');
  });

  it('fields after the file are ignored', async () => {
    const fd = buildForm([['key', 'order.txt'], ...signed], { data: 'ordered' }, [
      ['success_action_status', '201'],
      ['x-oss-meta-late', 'yes'],
      ['key', 'other-key.txt'],
    ]);
    const r = await postForm(port, fd, { path });
    assert.equal(r.status, 204, r.text);
    const head = await client.head('order.txt');
    assert.equal((head.res.headers as Record<string, string>)['x-oss-meta-late'], undefined);
    await assert.rejects(client.head('other-key.txt'), { status: 404 });
  });

  it('fields before the file (e.g. key) are required: key after the file is missing', async () => {
    const fd = buildForm(signed, { data: 'x' }, [['key', 'after.txt']]);
    assertError(await postForm(port, fd, { path }), 400, 'InvalidArgument');
  });

  it('a file part without a filename is still the file', async () => {
    const r = await raw([
      fieldPart('key', 'nofilename.txt'),
      ...signedParts(),
      { headers: ['Content-Disposition: form-data; name="file"'], body: 'plain content' },
    ]);
    assert.equal(r.status, 204, r.text);
    assert.equal((await client.get('nofilename.txt')).content.toString(), 'plain content');
  });

  it('a huge field → 400 FieldItemTooLong', async () => {
    const fd = buildForm([['key', 'huge.txt'], ['x-oss-meta-big', 'a'.repeat(MAX_FIELD_BYTES + 1)], ...signed], {
      data: 'x',
    });
    assertError(await postForm(port, fd, { path }), 400, 'FieldItemTooLong');
  });

  it('too much data before the file → 400 MaxPOSTPreDataLengthExceeded', async () => {
    const fields: Fields = [['key', 'pre.txt']];
    const chunk = 'b'.repeat(Math.floor(MAX_FIELD_BYTES / 2));
    for (let i = 0; i * chunk.length <= MAX_PRE_DATA_BYTES; i++) fields.push([`pad${i}`, chunk]);
    const fd = buildForm([...fields, ...signed], { data: 'x' });
    assertError(await postForm(port, fd, { path }), 400, 'MaxPOSTPreDataLengthExceeded');
    // The server answered only after draining the rest of the body, and keeps serving.
    const ok = await postForm(port, buildForm([['key', 'after-limit.txt'], ...signed], { data: 'ok' }), { path });
    assert.equal(ok.status, 204, ok.text);
  });

  it('an invalid callback field → 400 InvalidArgument with its EC, nothing stored', async () => {
    const notJson = Buffer.from('not json').toString('base64');
    const fd = buildForm([['key', 'cb-bad.txt'], ['callback', notJson], ...signed], { data: 'x' });
    const r = await postForm(port, fd, { path });
    assertError(r, 400, 'InvalidArgument');
    assert.equal(xmlText(r.text, 'EC'), '0007-00000003');
    assert.equal(xmlText(r.text, 'ArgumentName'), 'callback');
    await assert.rejects(client.head('cb-bad.txt'), { status: 404 });
  });
});
