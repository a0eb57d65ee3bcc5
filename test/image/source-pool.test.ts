/**
 * Sources are read into reused buffers (one per --image-concurrency slot): the same memory serves
 * request after request, and a buffer reused for a smaller or a different image never leaks the
 * previous image's bytes into the result.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type OSS from 'ali-oss';
import sharp from 'sharp';
import { imageService } from '../../src/image/service.js';
import { SourcePool } from '../../src/image/source-pool.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { jpeg } from './fixtures.js';

let server: TestServer;
let client: OSS;

before(async () => {
  server = await startTestServer((c) => {
    c.imageConcurrency = 2;
    c.imageCacheBytes = 0;
  });
  client = await withBucket(server, 'img-source-pool');
});

after(async () => {
  await server.stop();
});

test('SourcePool: a released buffer is leased again; sizes past the cap or the count get their own', () => {
  const pool = new SourcePool(4 * 2 ** 20, 2);
  const a = pool.lease(3_000_000);
  assert.equal(a.bytes.length, 3_000_000);
  const b = pool.lease(100);
  const c = pool.lease(100); // both kept buffers are leased: a buffer of its own
  assert.equal(pool.buffers, 2);
  assert.notEqual(c.bytes.buffer, a.bytes.buffer);
  assert.notEqual(c.bytes.buffer, b.bytes.buffer);
  a.release();
  a.release(); // twice is harmless: the buffer is not handed out twice
  const d = pool.lease(2_000_000);
  assert.equal(d.bytes.buffer, a.bytes.buffer, 'the released buffer is reused');
  assert.equal(d.bytes.length, 2_000_000);
  const e = pool.lease(2_000_000);
  assert.notEqual(e.bytes.buffer, a.bytes.buffer, 'a leased buffer is never handed out twice');
  const big = pool.lease(5 * 2 ** 20);
  assert.equal(big.bytes.length, 5 * 2 ** 20);
  assert.equal(pool.buffers, 2, 'past the per-buffer cap nothing is kept');
});

test('through ossd, one buffer serves request after request, and every result is of its own source', async () => {
  const big = await jpeg(3000, 2000, 85);
  const small = await jpeg(1400, 1050, 90);
  const px = Buffer.alloc(400 * 300 * 3);
  for (let i = 0, seed = 1; i < px.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    px[i] = seed >> 23;
  }
  const png = await sharp(px, { raw: { width: 400, height: 300, channels: 3 } })
    .ensureAlpha(0.5)
    .png()
    .toBuffer();
  // Past the inline limit (64 KiB), so every source is a blob file read into a pooled buffer.
  for (const b of [big, small, png]) assert.ok(b.length > 64 * 1024, `${b.length} bytes`);
  await client.put('big.jpg', big);
  await client.put('small.jpg', small);
  await client.put('noisy.png', png);
  // What ossd's resize,w_120 is: the height from the aspect ratio, then exactly that size.
  const fill = { fit: 'fill' } as const;
  const expected = {
    big: await sharp(big).resize(120, 80, fill).jpeg({ quality: 85 }).toBuffer(),
    small: await sharp(small).resize(120, 90, fill).jpeg({ quality: 90 }).toBuffer(),
    png: await sharp(png).resize(120, 90, fill).png().toBuffer(),
  };
  // Sequential requests at c1: the second and later ones reuse the first one's buffer.
  for (const round of [1, 2]) {
    const b = await client.get('big.jpg', { process: `image/resize,w_120,h_${1000 + round}` });
    assert.deepEqual(b.content as Buffer, expected.big, `big.jpg, round ${round}`);
    const s = await client.get('small.jpg', { process: `image/resize,w_120,h_${2000 + round}` });
    assert.deepEqual(s.content as Buffer, expected.small, `small.jpg after big.jpg, round ${round}`);
    const p = await client.get('noisy.png', { process: `image/resize,w_120,h_${3000 + round}` });
    assert.deepEqual(p.content as Buffer, expected.png, `noisy.png, round ${round}`);
  }
  assert.equal(imageService(server.services).sources.buffers, 1, 'one buffer for sequential requests');
  // Concurrent requests: at most one kept buffer per slot, results still each of its own source.
  // A small image finishing while a big one is still decoding frees its slot for the next request,
  // which must not get the big one's buffer.
  const names = ['big.jpg', 'small.jpg', 'noisy.png', 'small.jpg', 'big.jpg', 'small.jpg', 'noisy.png', 'small.jpg'];
  const outs = await Promise.all(
    names.map((n, i) =>
      client.get(n, { process: `image/resize,w_120,h_${4000 + i}` }).then((r) => r.content as Buffer),
    ),
  );
  const want = { 'big.jpg': expected.big, 'small.jpg': expected.small, 'noisy.png': expected.png };
  for (const [i, out] of outs.entries()) {
    assert.deepEqual(out, want[names[i] as keyof typeof want], `${names[i]} (#${i}) concurrent`);
  }
  assert.ok(imageService(server.services).sources.buffers <= 2);
});
