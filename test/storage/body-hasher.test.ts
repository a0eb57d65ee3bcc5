/** The upload hasher: native (thread pool) MD5 + CRC-64 gives exactly node:crypto's MD5 and crc64.ts's CRC. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bodyHasherImplementation, createBodyHasher } from '../../src/storage/body-hasher.js';
import { crc64 } from '../../src/storage/crc64.js';

describe('body hasher', () => {
  it('uses the native thread-pool hasher that npm ci builds', () => {
    assert.equal(bodyHasherImplementation, 'native-thread-pool', 'native/crc64 did not build or load');
  });

  it('matches node:crypto MD5 and the CRC-64 however the bytes are split into updates and buffers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 5000 }),
        fc.array(fc.nat(5000), { maxLength: 8 }),
        fc.array(fc.nat(5000), { maxLength: 8 }),
        async (bytes, updateCuts, bufferCuts) => {
          const data = Buffer.from(bytes);
          const cut = (cuts: number[], len: number) => [
            0,
            ...[...new Set(cuts.map((c) => c % (len + 1)))].sort((a, b) => a - b),
            len,
          ];
          const h = createBodyHasher();
          const u = cut(updateCuts, data.length);
          for (let i = 0; i + 1 < u.length; i++) {
            const piece = data.subarray(u[i], u[i + 1]);
            const b = cut(bufferCuts, piece.length);
            const bufs: Buffer[] = [];
            for (let j = 0; j + 1 < b.length; j++) bufs.push(piece.subarray(b[j], b[j + 1]));
            await h.update(bufs);
          }
          const { md5, crc64: crc } = h.digest();
          assert.deepEqual(md5, createHash('md5').update(data).digest());
          assert.equal(crc, crc64(data));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hashes a large body in pieces like one pass', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const h = createBodyHasher();
    for (let off = 0; off < data.length; off += 256 * 1024) await h.update([data.subarray(off, off + 256 * 1024)]);
    const { md5, crc64: crc } = h.digest();
    assert.deepEqual(md5, createHash('md5').update(data).digest());
    assert.equal(crc, crc64(data));
  });
});
