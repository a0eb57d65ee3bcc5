import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields } from '../post-object/post-helpers.js';

const BUCKET = 'sse';
const SSE = 'x-oss-server-side-encryption';
const KEY_ID = 'x-oss-server-side-encryption-key-id';
const DATA = 'x-oss-server-side-data-encryption';

function headersOf(r: { res: OSS.NormalSuccessResponse }): Record<string, string | undefined> {
  return r.res.headers as Record<string, string | undefined>;
}

function sseOf(h: Record<string, string | string[] | undefined>): [unknown, unknown, unknown] {
  return [h[SSE], h[KEY_ID], h[DATA]];
}

describe('Server-side encryption headers are stored with the object and echoed as OSS does', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, BUCKET);
  });
  after(() => server.stop());

  async function echoedOnRead(key: string): Promise<[unknown, unknown, unknown][]> {
    const head = await client.head(key);
    const get = await client.get(key);
    return [sseOf(headersOf(head)), sseOf(headersOf(get))];
  }

  it('PutObject: AES256 echoed on the PUT, GET and HEAD and kept in the object record', async () => {
    const put = await client.put('aes.txt', Buffer.from('secret'), { headers: { [SSE]: 'AES256' } });
    assert.deepEqual(sseOf(headersOf(put)), ['AES256', undefined, undefined]);
    assert.deepEqual(await echoedOnRead('aes.txt'), [
      ['AES256', undefined, undefined],
      ['AES256', undefined, undefined],
    ]);
    const stored = await server.services.meta.getObject(BUCKET, 'aes.txt');
    assert.deepEqual(stored?.serverSideEncryption, { algorithm: 'AES256' });
  });

  it('PutObject: KMS with a key id and SM4 data encryption; an object without SSE sends none', async () => {
    const headers = { [SSE]: 'KMS', [KEY_ID]: 'cmk-123', [DATA]: 'SM4' };
    const put = await client.put('kms.txt', Buffer.from('secret'), { headers });
    assert.deepEqual(sseOf(headersOf(put)), ['KMS', 'cmk-123', 'SM4']);
    assert.deepEqual(await echoedOnRead('kms.txt'), [
      ['KMS', 'cmk-123', 'SM4'],
      ['KMS', 'cmk-123', 'SM4'],
    ]);
    await client.put('plain.txt', Buffer.from('x'));
    assert.deepEqual(await echoedOnRead('plain.txt'), [
      [undefined, undefined, undefined],
      [undefined, undefined, undefined],
    ]);
  });

  it('refuses an unknown algorithm (InvalidEncryptionAlgorithmError) and misplaced KMS options (InvalidArgument)', async () => {
    await rejectsWith(
      client.put('bad.txt', Buffer.from('x'), { headers: { [SSE]: 'DES' } }),
      'InvalidEncryptionAlgorithmError',
      400,
    );
    await rejectsWith(
      client.put('bad.txt', Buffer.from('x'), { headers: { [SSE]: 'AES256', [KEY_ID]: 'k' } }),
      'InvalidArgument',
      400,
    );
    await rejectsWith(
      client.put('bad.txt', Buffer.from('x'), { headers: { [SSE]: 'KMS', [DATA]: 'AES256' } }),
      'InvalidArgument',
      400,
    );
    await rejectsWith(
      client.initMultipartUpload('bad.txt', { headers: { [SSE]: 'aes256' } }),
      'InvalidEncryptionAlgorithmError',
      400,
    );
    await rejectsWith(client.head('bad.txt'), 'NoSuchKey', 404);
  });

  it('InitiateMultipartUpload echoes it; Complete and the final object carry it', async () => {
    const init = await client.initMultipartUpload('mpu.bin', { headers: { [SSE]: 'SM4' } });
    assert.equal(headersOf(init)[SSE], 'SM4');
    const part = await client.uploadPart('mpu.bin', init.uploadId, 1, Buffer.alloc(2048, 7), 0, 2048);
    const done = await client.completeMultipartUpload('mpu.bin', init.uploadId, [{ number: 1, etag: part.etag }]);
    assert.equal(headersOf(done)[SSE], 'SM4');
    assert.deepEqual(await echoedOnRead('mpu.bin'), [
      ['SM4', undefined, undefined],
      ['SM4', undefined, undefined],
    ]);
  });

  it("CopyObject: the target takes the request's encryption, not the source's", async () => {
    const copied = await client.copy('copy-kms.txt', 'aes.txt', { headers: { [SSE]: 'KMS', [KEY_ID]: 'cmk-9' } });
    assert.deepEqual(sseOf(headersOf(copied)), ['KMS', 'cmk-9', undefined]);
    assert.equal(headersOf(await client.head('copy-kms.txt'))[SSE], 'KMS');
    await client.copy('copy-plain.txt', 'aes.txt');
    assert.equal(headersOf(await client.head('copy-plain.txt'))[SSE], undefined);
  });

  it('AppendObject: the first append sets it and every append echoes it', async () => {
    const first = await client.append('log.txt', Buffer.from('one'), { headers: { [SSE]: 'AES256' } } as never);
    assert.equal(headersOf(first)[SSE], 'AES256');
    const next = await client.append('log.txt', Buffer.from('two'), { position: '3' } as never);
    assert.equal(headersOf(next)[SSE], 'AES256');
    assert.equal(headersOf(await client.head('log.txt'))[SSE], 'AES256');
  });

  it('PostObject: the form field is stored and echoed', async () => {
    const policy = policyOf([{ bucket: BUCKET }]);
    const r = await postForm(
      server.port,
      buildForm([['key', 'form.txt'], [SSE, 'AES256'], ...v1Fields(client, policy)], { data: 'from a form' }),
      { path: `/${BUCKET}/` },
    );
    assert.equal(r.status, 204, r.text);
    assert.equal(r.headers[SSE], 'AES256');
    assert.equal(headersOf(await client.head('form.txt'))[SSE], 'AES256');
  });
});
