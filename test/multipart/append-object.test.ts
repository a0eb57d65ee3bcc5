import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { appendEtag } from '../../src/api/object/append-object.js';
import { crc64 } from '../../src/storage/crc64.js';
import { b64 } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { rawObjectRequest, rejectsWith, storedBlobs } from './helpers.js';

interface AppendResult {
  nextAppendPosition: string;
  res: { status: number; headers: Record<string, string> };
}

describe('AppendObject with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'appends');
    app = await startCallbackReceiver();
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  const append = (name: string, data: Buffer, position: number | string, options: object = {}) =>
    client.append(name, data, {
      position: String(position),
      ...options,
    } as OSS.AppendObjectOptions) as unknown as Promise<AppendResult>;

  it('appends a sequence: next position, CRC64 of the whole object, one blob per append, chained ETag', async () => {
    const chunks = [randomBytes(1000), randomBytes(1), randomBytes(70_000), Buffer.from('tail')];
    const blobsBefore = (await storedBlobs(server)).size;
    let position = 0;
    let etag: string | undefined;
    for (const [i, chunk] of chunks.entries()) {
      const r = await append('log.txt', chunk, position, i === 0 ? { mime: 'text/x-log', meta: { k: 'v' } } : {});
      position += chunk.length;
      const whole = Buffer.concat(chunks.slice(0, i + 1));
      assert.equal(r.res.status, 200);
      assert.equal(r.nextAppendPosition, String(position));
      assert.equal(r.res.headers['x-oss-hash-crc64ecma'], crc64(whole));
      assert.equal(r.res.headers['x-oss-object-type'], 'Appendable');
      etag = appendEtag(etag, createHash('md5').update(chunk).digest());
      assert.equal(r.res.headers.etag, `"${etag}"`);
    }
    // The first ETag is the MD5 of the first append.
    assert.equal(
      appendEtag(undefined, createHash('md5').update(chunks[0]).digest()),
      createHash('md5').update(chunks[0]).digest('hex').toUpperCase(),
    );
    assert.equal((await storedBlobs(server)).size, blobsBefore + chunks.length);
    const whole = Buffer.concat(chunks);
    const got = await client.get('log.txt');
    assert.ok(Buffer.from(got.content).equals(whole));
    const h = got.res.headers as Record<string, string>;
    assert.equal(h['x-oss-object-type'], 'Appendable');
    assert.equal(h['x-oss-next-append-position'], String(whole.length));
    assert.equal(h['x-oss-hash-crc64ecma'], crc64(whole));
    assert.equal(h['content-type'], 'text/x-log');
    assert.equal(h['x-oss-meta-k'], 'v');
    assert.equal(h.etag, `"${etag}"`);
    // A range across the append boundaries.
    const r = await client.get('log.txt', { headers: { Range: 'bytes=990-1010' } });
    assert.ok(Buffer.from(r.content).equals(whole.subarray(990, 1011)));
  });

  it('PositionNotEqualToLength (409) carries the current length in x-oss-next-append-position', async () => {
    await append('pos.bin', Buffer.from('12345'), 0);
    for (const bad of [0, 4, 6]) {
      await rejectsWith(append('pos.bin', Buffer.from('x'), bad), 'PositionNotEqualToLength', 409);
    }
    // ali-oss errors drop the headers: read the 409 as a "success" to see them.
    const raw = await rawObjectRequest(
      client,
      'POST',
      'pos.bin',
      { append: '', position: '3' },
      {
        content: 'x',
        successStatuses: [409],
      },
    );
    assert.equal(raw.res.headers['x-oss-next-append-position'], '5');
    assert.match(raw.data.toString(), /<Code>PositionNotEqualToLength<\/Code>/);
    const fresh = await rawObjectRequest(
      client,
      'POST',
      'fresh.bin',
      { append: '', position: '3' },
      {
        content: 'x',
        successStatuses: [409],
      },
    );
    assert.equal(fresh.res.headers['x-oss-next-append-position'], '0');
    await rejectsWith(client.head('fresh.bin'), 'NoSuchKey', 404);
    await rejectsWith(append('pos.bin', Buffer.from('x'), 'abc'), 'InvalidArgument', 400);
    assert.equal((await client.get('pos.bin')).content.toString(), '12345');
  });

  it('ObjectNotAppendable (409) for Normal and Multipart objects', async () => {
    await client.put('normal.bin', Buffer.from('n'));
    await rejectsWith(append('normal.bin', Buffer.from('x'), 1), 'ObjectNotAppendable', 409);
    const { uploadId } = await client.initMultipartUpload('mp.bin');
    const p = await client.uploadPart('mp.bin', uploadId, 1, Buffer.from('m') as unknown as string, 0, 1);
    await client.completeMultipartUpload('mp.bin', uploadId, [{ number: 1, etag: p.etag }]);
    await rejectsWith(append('mp.bin', Buffer.from('x'), 1), 'ObjectNotAppendable', 409);
    // A PUT over an appendable object makes it Normal again.
    await append('becomes-normal.bin', Buffer.from('a'), 0);
    await client.put('becomes-normal.bin', Buffer.from('b'));
    await rejectsWith(append('becomes-normal.bin', Buffer.from('c'), 1), 'ObjectNotAppendable', 409);
  });

  it('concurrent appends at the same position: exactly one wins, the losers leave no blob', async () => {
    await append('race.bin', Buffer.from('start'), 0);
    const blobsBefore = (await storedBlobs(server)).size;
    const contenders = Array.from({ length: 6 }, (_, i) => Buffer.from(`contender-${i}`));
    const results = await Promise.allSettled(contenders.map((c) => append('race.bin', c, 5)));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'PositionNotEqualToLength');
    }
    const winner = contenders[results.indexOf(won[0])];
    const whole = Buffer.concat([Buffer.from('start'), winner]);
    const got = await client.get('race.bin');
    assert.ok(Buffer.from(got.content).equals(whole));
    assert.equal((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(whole));
    assert.equal((await storedBlobs(server)).size, blobsBefore + 1);
  });

  it('never runs a callback for an append (ali-oss then fails to JSON.parse the empty body)', async () => {
    const seen = app.requests.length;
    // ali-oss's append() goes through put(), which JSON.parses the body whenever x-oss-callback is set;
    // OSS runs no callback for AppendObject, so the client throws although the append succeeded.
    await assert.rejects(
      append('cb.bin', Buffer.from('data'), 0, {
        headers: { 'x-oss-callback': b64({ callbackUrl: `${app.url}/x`, callbackBody: 'a=${size}' }) },
      }),
      SyntaxError,
    );
    assert.equal((await client.get('cb.bin')).content.toString(), 'data');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(app.requests.length, seen);
  });
});
