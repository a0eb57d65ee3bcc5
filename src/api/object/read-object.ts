import { Readable } from 'node:stream';
import type { Services } from '../../services.js';
import { isInlineBlob, type ObjectRecord } from '../../storage/types.js';

/** Bytes [from, to] of one blob, wherever it lives; ENOENT when an overwrite released it meanwhile. */
export async function readPiece(s: Services, blob: string, from: number, to: number): Promise<Buffer> {
  if (!isInlineBlob(blob)) return s.blobs.readBuffer(blob, from, to);
  const data = await s.meta.readInline(blob, from, to);
  if (data) return data;
  throw Object.assign(new Error(`inline blob ${blob} is gone`), { code: 'ENOENT' });
}

async function openPiece(s: Services, blob: string, from: number, to: number): Promise<Readable> {
  if (isInlineBlob(blob)) return Readable.from([await readPiece(s, blob, from, to)]);
  return s.blobs.read(blob, from, to);
}

/** Streams bytes [start, end] (inclusive) of an object across its segments (parts, appends). */
export async function openObjectRange(s: Services, o: ObjectRecord, start: number, end: number): Promise<Readable> {
  const pieces: { blob: string; from: number; to: number }[] = [];
  let offset = 0;
  for (const seg of o.segments) {
    const segStart = offset;
    const segEnd = offset + seg.size - 1;
    offset += seg.size;
    if (seg.size === 0 || segEnd < start || segStart > end) continue;
    pieces.push({ blob: seg.blob, from: Math.max(start, segStart) - segStart, to: Math.min(end, segEnd) - segStart });
  }
  if (pieces.length === 0) return Readable.from([]);
  // Open the first piece now so a vanished blob (overwrite race) surfaces before headers are sent.
  const first = await openPiece(s, pieces[0].blob, pieces[0].from, pieces[0].to);
  if (pieces.length === 1) return first;
  async function* all(): AsyncGenerator<Buffer> {
    for (const [i, p] of pieces.entries()) {
      const stream = i === 0 ? first : await openPiece(s, p.blob, p.from, p.to);
      for await (const chunk of stream) yield chunk as Buffer;
    }
  }
  return Readable.from(all(), { objectMode: false });
}

/** Bodies up to this size are read into memory in one go: cheaper than a stream for small GETs. */
const SMALL_BODY = 256 * 1024;

/**
 * The bytes [start, end] of an object as a response body: a Buffer when small and in one blob, else a
 * stream. `data`: the object's bytes when already read with its record (an inline object).
 */
export async function objectBody(
  s: Services,
  o: ObjectRecord,
  start: number,
  end: number,
  data?: Buffer,
): Promise<Readable | Buffer> {
  if (data) return end >= start ? data.subarray(start, end + 1) : Buffer.alloc(0);
  if (end - start + 1 <= SMALL_BODY && end >= start) {
    let offset = 0;
    for (const seg of o.segments) {
      if (start >= offset && end < offset + seg.size) return readPiece(s, seg.blob, start - offset, end - offset);
      offset += seg.size;
    }
  }
  return openObjectRange(s, o, start, end);
}
