import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for identifiers (blob names, upload, version and delivery ids), from a pool refilled 4 KiB
 * at a time from the CSPRNG — as `crypto.randomUUID()` does. One `randomBytes(16)` costs ~5 µs here (a
 * system call each time); a pooled one well under 1 µs, and a small upload takes several. Not for keys or
 * secrets (those use `randomBytes` directly).
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;

/** Copies `n` (≤ 256) fresh random bytes into `target` at `offset`. */
export function randomInto(target: Buffer, offset: number, n: number): void {
  if (n > 256) throw new RangeError('randomInto: at most 256 bytes');
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  pool.copy(target, offset, used, used + n);
  // Never hand out the same bytes twice.
  pool.fill(0, used, used + n);
  used += n;
}

/** `n` random bytes as lowercase hex. */
export function randomHex(n: number): string {
  const b = Buffer.allocUnsafe(n);
  randomInto(b, 0, n);
  return b.toString('hex');
}
