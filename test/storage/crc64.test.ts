import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Crc64, crc64, crc64Combine, crc64Implementation, updateJs } from '../../src/storage/crc64.js';

function jsCrc(chunks: Uint8Array[]): bigint {
  const s = new Uint32Array([0xffffffff, 0xffffffff]);
  for (const c of chunks) updateJs(s, c);
  return (BigInt(~s[1] >>> 0) << 32n) | BigInt(~s[0] >>> 0);
}

describe('CRC-64/ECMA-182', () => {
  it('uses the native addon that npm ci builds', () => {
    assert.equal(crc64Implementation, 'native', 'native/crc64 did not build or load (see npm ci output)');
  });

  it('matches the check value of CRC-64/XZ', () => {
    assert.equal(new Crc64().update(Buffer.from('123456789')).value(), 0x995dc9bbdf1939fan);
    assert.equal(crc64(Buffer.alloc(0)), '0');
  });

  it('gives the same value natively and in JavaScript, however the bytes are split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 5 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(from, p));
          from = p;
        }
        chunks.push(bytes.subarray(from));
        const c = new Crc64();
        for (const chunk of chunks) c.update(chunk);
        assert.equal(c.value(), jsCrc([bytes]));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the JavaScript value for long runs too (the native folding path takes 64 bytes and more)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 60, maxLength: 5000 }), fc.nat(64), (bytes, offset) => {
        // Unaligned starts as well: the folding loads 16 bytes at a time from any address.
        const view = bytes.subarray(Math.min(offset, bytes.length));
        const c = new Crc64();
        c.update(view);
        assert.equal(c.value(), jsCrc([view]));
      }),
      { numRuns: 300 },
    );
  });

  it('combines the CRCs of two pieces without reading them', () => {
    const a = randomBytes(1000);
    const b = randomBytes(777);
    assert.equal(crc64Combine(BigInt(crc64(a)), BigInt(crc64(b)), b.length).toString(), crc64(Buffer.concat([a, b])));
  });
});
