import { createRequire } from 'node:module';

/**
 * CRC-64/ECMA-182 as OSS computes it (the XZ variant: reflected polynomial 0xC96C5795D7870F42,
 * init and xorout all ones), slicing-by-8 over two 32-bit halves, plus crc64Combine for multipart.
 */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const TLO: Uint32Array[] = [];
const THI: Uint32Array[] = [];
{
  const lo0 = new Uint32Array(256);
  const hi0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    lo0[i] = lo;
    hi0[i] = hi;
  }
  TLO.push(lo0);
  THI.push(hi0);
  for (let t = 1; t < 8; t++) {
    const plo = TLO[t - 1];
    const phi = THI[t - 1];
    const lo = new Uint32Array(256);
    const hi = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const idx = plo[i] & 0xff;
      lo[i] = (((plo[i] >>> 8) | (phi[i] << 24)) ^ lo0[idx]) >>> 0;
      hi[i] = ((phi[i] >>> 8) ^ hi0[idx]) >>> 0;
    }
    TLO.push(lo);
    THI.push(hi);
  }
}
const [L0, L1, L2, L3, L4, L5, L6, L7] = TLO;
const [H0, H1, H2, H3, H4, H5, H6, H7] = THI;

/** Advances a register kept as [lo, hi] by `buf` (pure JavaScript, slicing-by-8). */
export function updateJs(state: Uint32Array, buf: Uint8Array): void {
  let lo = state[0];
  let hi = state[1];
  let i = 0;
  const n = buf.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    lo ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    hi ^= buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
    const nlo =
      L7[lo & 0xff] ^
      L6[(lo >>> 8) & 0xff] ^
      L5[(lo >>> 16) & 0xff] ^
      L4[lo >>> 24] ^
      L3[hi & 0xff] ^
      L2[(hi >>> 8) & 0xff] ^
      L1[(hi >>> 16) & 0xff] ^
      L0[hi >>> 24];
    const nhi =
      H7[lo & 0xff] ^
      H6[(lo >>> 8) & 0xff] ^
      H5[(lo >>> 16) & 0xff] ^
      H4[lo >>> 24] ^
      H3[hi & 0xff] ^
      H2[(hi >>> 8) & 0xff] ^
      H1[(hi >>> 16) & 0xff] ^
      H0[hi >>> 24];
    lo = nlo;
    hi = nhi;
    i += 8;
  }
  while (i < n) {
    const idx = (lo ^ buf[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ L0[idx];
    hi = (hi >>> 8) ^ H0[idx];
    i++;
  }
  state[0] = lo >>> 0;
  state[1] = hi >>> 0;
}

type UpdateFn = (state: Uint32Array, buf: Uint8Array) => void;

/**
 * The native addon (native/crc64, built by `npm ci`) hashes ~5× faster than the JavaScript tables and
 * keeps large PUTs off the CPU ceiling; without it (or with OSSD_NATIVE_CRC64=0) the JS code runs.
 */
function loadNative(): UpdateFn | undefined {
  if (process.env.OSSD_NATIVE_CRC64 === '0') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../native/crc64/build/Release/crc64.node') as { update: UpdateFn };
    // Self-check against the JS implementation before trusting it.
    const probe = Buffer.from('123456789abcdefghij');
    const a = new Uint32Array([0xffffffff, 0xffffffff]);
    const b = new Uint32Array([0xffffffff, 0xffffffff]);
    addon.update(a, probe);
    updateJs(b, probe);
    return a[0] === b[0] && a[1] === b[1] ? addon.update : undefined;
  } catch {
    return undefined;
  }
}

const nativeUpdate = loadNative();
const update: UpdateFn = nativeUpdate ?? updateJs;

/** Which implementation this process uses (reported at start, checked by tests). */
export const crc64Implementation: 'native' | 'js' = nativeUpdate ? 'native' : 'js';

/** Incremental CRC-64/ECMA-182. */
export class Crc64 {
  // the register, kept inverted (init all ones), as [lo, hi]
  private readonly state = new Uint32Array([0xffffffff, 0xffffffff]);

  update(buf: Uint8Array): this {
    if (buf.length) update(this.state, buf);
    return this;
  }

  /** The CRC as an unsigned 64-bit bigint. */
  value(): bigint {
    return (BigInt(~this.state[1] >>> 0) << 32n) | BigInt(~this.state[0] >>> 0);
  }

  /** Decimal string, as in x-oss-hash-crc64ecma. */
  digest(): string {
    return this.value().toString();
  }
}

export function crc64(buf: Uint8Array): string {
  return new Crc64().update(buf).digest();
}

// ---- combine (zlib's crc32_combine adapted to 64 bits) ----
const MASK = (1n << 64n) - 1n;
/** The polynomial, reflected, as a bigint (for the GF(2) algebra of combining CRCs). */
export const POLY = 0xc96c5795d7870f42n;

/** mat × vec over GF(2): the XOR of the columns selected by vec's bits. */
export function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n;
  let i = 0;
  let v = vec;
  while (v) {
    if (v & 1n) sum ^= mat[i];
    v >>= 1n;
    i++;
  }
  return sum;
}

function gf2Square(square: bigint[], mat: bigint[]): void {
  for (let n = 0; n < 64; n++) square[n] = gf2Times(mat, mat[n]);
}

/** CRC of A‖B from crc(A), crc(B) and len(B), without reading the data. */
export function crc64Combine(crc1: bigint, crc2: bigint, len2: number | bigint): bigint {
  let len = BigInt(len2);
  if (len <= 0n) return crc1;
  const even: bigint[] = new Array(64).fill(0n);
  const odd: bigint[] = new Array(64).fill(0n);
  odd[0] = POLY;
  let row = 1n;
  for (let n = 1; n < 64; n++) {
    odd[n] = row;
    row <<= 1n;
  }
  gf2Square(even, odd);
  gf2Square(odd, even);
  let c1 = crc1 & MASK;
  do {
    gf2Square(even, odd);
    if (len & 1n) c1 = gf2Times(even, c1);
    len >>= 1n;
    if (len === 0n) break;
    gf2Square(odd, even);
    if (len & 1n) c1 = gf2Times(odd, c1);
    len >>= 1n;
  } while (len !== 0n);
  return (c1 ^ crc2) & MASK;
}
