import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { crc64, crc64Combine } from '../../src/storage/crc64.js';
import { concatCrc64 } from '../../src/storage/crc64-concat.js';

describe('concatCrc64 (multipart CRC64 from the parts)', () => {
  it('equals crc64 of the whole and a chain of crc64Combine, for equal, odd and empty pieces', () => {
    const pieces = [
      randomBytes(4096),
      randomBytes(4096),
      randomBytes(1),
      Buffer.alloc(0),
      randomBytes(4096),
      randomBytes(777),
    ];
    const meta = pieces.map((p) => ({ crc64: crc64(p), size: p.length }));
    let combined = 0n;
    for (const p of meta) combined = crc64Combine(combined, BigInt(p.crc64), p.size);
    assert.equal(concatCrc64(meta), crc64(Buffer.concat(pieces)));
    assert.equal(concatCrc64(meta), combined.toString());
    assert.equal(concatCrc64([]), '0');
    assert.equal(concatCrc64([meta[0]]), meta[0].crc64);
  });

  it('handles 10,000 equal parts quickly (the shift operator is built once per size)', () => {
    const started = performance.now();
    const parts = Array.from({ length: 10_000 }, (_, i) => ({
      crc64: String(BigInt(i) * 7919n),
      size: 5 * 1024 * 1024,
    }));
    concatCrc64(parts);
    assert.ok(performance.now() - started < 2000);
  });
});

describe('multipart configuration', () => {
  it('multipartMaxAgeHours defaults to 7 days and comes from the flag or OSSD_MULTIPART_MAX_AGE_HOURS', () => {
    assert.equal(loadConfig({}, {}).multipartMaxAgeHours, 168);
    assert.equal(loadConfig({}, { OSSD_MULTIPART_MAX_AGE_HOURS: '12' }).multipartMaxAgeHours, 12);
    assert.equal(
      loadConfig({ 'multipart-max-age-hours': '0.5' }, { OSSD_MULTIPART_MAX_AGE_HOURS: '12' }).multipartMaxAgeHours,
      0.5,
    );
  });
});
