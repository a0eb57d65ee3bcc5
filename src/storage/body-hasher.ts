/**
 * MD5 + CRC-64 of an upload's bytes. With the native addon (native/crc64: md5.c, hasher.c) the hashing
 * runs on libuv's thread pool, so a large upload's bytes are hashed on another core while the event
 * loop receives the next ones and serves other requests; without it (or with OSSD_NATIVE_CRC64=0) it is
 * node:crypto MD5 and the CRC-64 of crc64.ts on the event loop. Both give identical results; the native
 * one is checked against the other at start-up before it is trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Crc64 } from './crc64.js';

export interface BodyHasher {
  /** Hashes `bufs` after everything given before; one call at a time; the buffers must not change until it resolves. */
  update(bufs: Buffer[]): Promise<void>;
  digest(): { md5: Buffer; crc64: string };
}

interface NativeHasherAddon {
  hasherCreate(): object;
  hasherUpdate(h: object, bufs: Uint8Array[], cb: (err: Error | null) => void): void;
  hasherUpdateSync(h: object, bufs: Uint8Array[]): void;
  hasherDigest(h: object): Buffer;
}

class JsHasher implements BodyHasher {
  private readonly md5 = createHash('md5');
  private readonly crc = new Crc64();

  async update(bufs: Buffer[]): Promise<void> {
    for (const b of bufs) {
      this.md5.update(b);
      this.crc.update(b);
    }
  }

  digest(): { md5: Buffer; crc64: string } {
    return { md5: this.md5.digest(), crc64: this.crc.digest() };
  }
}

class NativeHasher implements BodyHasher {
  private readonly h: object;

  constructor(private readonly addon: NativeHasherAddon) {
    this.h = addon.hasherCreate();
  }

  update(bufs: Buffer[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.addon.hasherUpdate(this.h, bufs, (err) => (err ? reject(err) : resolve()));
    });
  }

  digest(): { md5: Buffer; crc64: string } {
    const out = this.addon.hasherDigest(this.h);
    return { md5: Buffer.from(out.subarray(0, 16)), crc64: out.readBigUInt64LE(16).toString() };
  }
}

function loadNative(): NativeHasherAddon | undefined {
  if (process.env.OSSD_NATIVE_CRC64 === '0') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../native/crc64/build/Release/crc64.node') as Partial<NativeHasherAddon>;
    if (!addon.hasherCreate || !addon.hasherUpdate || !addon.hasherUpdateSync || !addon.hasherDigest) return undefined;
    const native = addon as NativeHasherAddon;
    // Self-check against node:crypto and the JS CRC-64, across block boundaries and split buffers.
    const probe = randomBytes(1000);
    const parts = [probe.subarray(0, 1), probe.subarray(1, 63), probe.subarray(63, 200), probe.subarray(200)];
    const h = native.hasherCreate();
    native.hasherUpdateSync(h, parts);
    const got = native.hasherDigest(h);
    const want = createHash('md5').update(probe).digest();
    const crc = new Crc64();
    crc.update(probe);
    const ok = got.subarray(0, 16).equals(want) && got.readBigUInt64LE(16).toString() === crc.digest();
    return ok ? native : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation this process uses (checked by tests). */
export const bodyHasherImplementation: 'native-thread-pool' | 'js' = native ? 'native-thread-pool' : 'js';

export function createBodyHasher(): BodyHasher {
  return native ? new NativeHasher(native) : new JsHasher();
}
