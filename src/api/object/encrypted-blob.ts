import { Readable } from 'node:stream';
import { OssError } from '../../errors/oss-error.js';
import type { Services } from '../../services.js';
import { createBodyHasher } from '../../storage/body-hasher.js';
import { cryptSlices, KeyUnavailableError } from '../../storage/encryption.js';
import { StorageError } from '../../storage/errors.js';
import { randomHex } from '../../storage/random-id.js';
import type { BlobWriteOptions, BlobWriteResult, Segment } from '../../storage/types.js';

/** What reading and writing (encrypted) object bytes needs: handlers pass their Services. */
export type BlobAccess = Pick<Services, 'meta' | 'blobs' | 'keyring' | 'logger'>;

/** Plaintext bytes hashed per thread-pool call. */
const HASH_BATCH = 256 * 1024;

/** The error of a request that needs a key the keyring does not hold (HTTP 500, logged for the operator). */
export function keyUnavailable(s: BlobAccess, keyId: string): OssError {
  s.logger.error(
    { keyId },
    'an object is encrypted with a key that is not in the keyring (--encryption-key-file / OSSD_ENCRYPTION_KEY)',
  );
  return new OssError('EncryptionKeyUnavailable', {
    message: `The object's bytes are encrypted with key '${keyId}', which this server's keyring does not hold.`,
  });
}

/** Runs `fn`, turning a missing keyring key into the OSS error. */
export async function withKeys<T>(s: BlobAccess, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KeyUnavailableError) throw keyUnavailable(s, err.keyId);
    throw err;
  }
}

/** Throws the OSS error unless every encrypted segment's key is in the keyring (before a response starts). */
export function requireKeys(s: BlobAccess, segments: readonly Pick<Segment, 'sseKey'>[]): void {
  for (const seg of segments) if (seg.sseKey && !s.keyring.has(seg.sseKey)) throw keyUnavailable(s, seg.sseKey);
}

/** The segment of a written blob, naming its key when encrypted. */
export function segmentOf(w: Pick<BlobWriteResult, 'blob' | 'size' | 'crc64'>, sseKey?: string): Segment {
  return sseKey
    ? { blob: w.blob, size: w.size, crc64: w.crc64, sseKey }
    : { blob: w.blob, size: w.size, crc64: w.crc64 };
}

/** Encrypts an inline blob's bytes (new buffer) with key `sseKey`. */
export function encryptInline(s: BlobAccess, blob: string, data: Buffer, sseKey: string): Buffer {
  const cipher = s.keyring.encryptor(sseKey, blob);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/**
 * Writes `source` as a new blob — encrypted with keyring key `sseKey` when given. MD5, CRC-64 and size are
 * those of the plaintext (what OSS reports), hashed while streaming; the store sees only ciphertext. Nothing
 * is buffered beyond the chunks in flight.
 */
export async function writeBlob(
  s: BlobAccess,
  source: Readable,
  options: BlobWriteOptions,
  sseKey: string | undefined,
): Promise<BlobWriteResult> {
  if (!sseKey) return s.blobs.write(source, options);
  const blob = randomHex(16);
  const cipher = withKeysSync(s, () => s.keyring.encryptor(sseKey, blob));
  const hasher = createBodyHasher();
  let size = 0;
  let hashing: Promise<void> = Promise.resolve();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // Plaintext is hashed in batches (on the thread pool) while the next batch is encrypted and written.
  const hashPending = async () => {
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    const previous = hashing;
    hashing = previous.then(() => hasher.update(batch));
    hashing.catch(() => {});
    await previous;
  };
  async function* encrypted(): AsyncGenerator<Buffer> {
    for await (const c of source.iterator({ destroyOnReturn: false })) {
      const chunk = c as Buffer;
      size += chunk.length;
      if (size > options.maxBytes) throw new StorageError('too-large', 'entity too large');
      options.onChunk?.(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= HASH_BATCH) await hashPending();
      yield* cryptSlices(cipher, chunk);
    }
    await hashPending();
    await hashing;
    const rest = cipher.final();
    if (rest.length) yield rest;
  }
  const written = await s.blobs.write(Readable.from(encrypted(), { objectMode: false }), {
    maxBytes: options.maxBytes,
    blob,
    unhashed: true,
  });
  if (written.size !== size) {
    await s.blobs.delete([written.blob]);
    throw new StorageError('io', `encrypted blob ${blob} has ${written.size} bytes instead of ${size}`);
  }
  const { md5, crc64 } = hasher.digest();
  return { blob: written.blob, size, md5, crc64 };
}

function withKeysSync<T>(s: BlobAccess, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof KeyUnavailableError) throw keyUnavailable(s, err.keyId);
    throw err;
  }
}
