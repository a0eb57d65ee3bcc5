import { Readable } from 'node:stream';
import { OssError } from '../../errors/oss-error.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

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
  const first = await s.blobs.read(pieces[0].blob, pieces[0].from, pieces[0].to);
  if (pieces.length === 1) return first;
  async function* all(): AsyncGenerator<Buffer> {
    for (const [i, p] of pieces.entries()) {
      const stream = i === 0 ? first : await s.blobs.read(p.blob, p.from, p.to);
      for await (const chunk of stream) yield chunk as Buffer;
    }
  }
  return Readable.from(all(), { objectMode: false });
}

/** Loads an object and opens its bytes, retrying once if an overwrite removed the blob in between. */
export async function loadAndOpen(
  s: Services,
  bucket: string,
  key: string,
  range: (o: ObjectRecord) => [number, number] | undefined,
): Promise<{ object: ObjectRecord; stream: Readable | undefined; range: [number, number] | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const object = await s.meta.getObject(bucket, key);
    if (!object) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: key } });
    const r = range(object);
    if (!r) return { object, stream: undefined, range: r };
    try {
      return { object, stream: await openObjectRange(s, object, r[0], r[1]), range: r };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
    }
  }
}
