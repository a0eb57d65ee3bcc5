import { Readable } from 'node:stream';
import { cryptSlices } from '../../storage/encryption.js';
import { isInlineBlob, type ObjectRecord, type Segment } from '../../storage/types.js';
import { type BlobAccess, requireKeys } from './encrypted-blob.js';

/** The blob of a segment and the key its bytes are encrypted with, if any. */
export type Piece = Pick<Segment, 'blob' | 'sseKey'>;

async function readRaw(s: BlobAccess, blob: string, from: number, to: number): Promise<Buffer> {
  if (!isInlineBlob(blob)) return s.blobs.readBuffer(blob, from, to);
  const data = await s.meta.readInline(blob, from, to);
  if (data) return data;
  throw Object.assign(new Error(`inline blob ${blob} is gone`), { code: 'ENOENT' });
}

/** Decrypts bytes of an encrypted segment's blob that start at byte `from` of it (plain segments as they are). */
export function decryptPiece(s: BlobAccess, seg: Piece, from: number, bytes: Buffer): Buffer {
  if (!seg.sseKey) return bytes;
  return s.keyring.decryptor(seg.sseKey, seg.blob, from).update(bytes);
}

/** Bytes [from, to] of one segment, wherever it lives, decrypted; ENOENT when an overwrite released it meanwhile. */
export async function readPiece(s: BlobAccess, seg: Piece, from: number, to: number): Promise<Buffer> {
  requireKeys(s, [seg]);
  return decryptPiece(s, seg, from, await readRaw(s, seg.blob, from, to));
}

async function openPiece(s: BlobAccess, seg: Piece, from: number, to: number): Promise<Readable> {
  if (isInlineBlob(seg.blob)) return Readable.from([await readPiece(s, seg, from, to)]);
  const raw = await s.blobs.read(seg.blob, from, to);
  if (!seg.sseKey) return raw;
  const decipher = s.keyring.decryptor(seg.sseKey, seg.blob, from);
  async function* decrypted(): AsyncGenerator<Buffer> {
    for await (const chunk of raw) yield* cryptSlices(decipher, chunk as Buffer);
  }
  return Readable.from(decrypted(), { objectMode: false });
}

/** Streams bytes [start, end] (inclusive) of an object across its segments (parts, appends), decrypted. */
export async function openObjectRange(s: BlobAccess, o: ObjectRecord, start: number, end: number): Promise<Readable> {
  const pieces: { seg: Segment; from: number; to: number }[] = [];
  let offset = 0;
  for (const seg of o.segments) {
    const segStart = offset;
    const segEnd = offset + seg.size - 1;
    offset += seg.size;
    if (seg.size === 0 || segEnd < start || segStart > end) continue;
    pieces.push({ seg, from: Math.max(start, segStart) - segStart, to: Math.min(end, segEnd) - segStart });
  }
  if (pieces.length === 0) return Readable.from([]);
  // Every key first: a missing one is an error response, not a body cut short.
  requireKeys(
    s,
    pieces.map((p) => p.seg),
  );
  // Open the first piece now so a vanished blob (overwrite race) surfaces before headers are sent.
  const first = await openPiece(s, pieces[0].seg, pieces[0].from, pieces[0].to);
  if (pieces.length === 1) return first;
  async function* all(): AsyncGenerator<Buffer> {
    for (const [i, p] of pieces.entries()) {
      const stream = i === 0 ? first : await openPiece(s, p.seg, p.from, p.to);
      for await (const chunk of stream) yield chunk as Buffer;
    }
  }
  return Readable.from(all(), { objectMode: false });
}

/** Bodies up to this size are read into memory in one go: cheaper than a stream for small GETs. */
const SMALL_BODY = 256 * 1024;

/**
 * The bytes [start, end] of an object as a response body: a Buffer when small and in one blob, else a
 * stream. `data`: the object's (stored, maybe encrypted) bytes when already read with its record (an inline object).
 */
export async function objectBody(
  s: BlobAccess,
  o: ObjectRecord,
  start: number,
  end: number,
  data?: Buffer,
): Promise<Readable | Buffer> {
  if (data) {
    if (end < start) return Buffer.alloc(0);
    const seg = o.segments[0];
    if (seg) requireKeys(s, [seg]);
    return seg ? decryptPiece(s, seg, start, data.subarray(start, end + 1)) : data.subarray(start, end + 1);
  }
  if (end - start + 1 <= SMALL_BODY && end >= start) {
    let offset = 0;
    for (const seg of o.segments) {
      if (start >= offset && end < offset + seg.size) return readPiece(s, seg, start - offset, end - offset);
      offset += seg.size;
    }
  }
  return openObjectRange(s, o, start, end);
}
