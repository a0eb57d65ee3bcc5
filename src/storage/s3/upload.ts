/**
 * Streams one blob's bytes into an S3 object while hashing them. A body of at most one part goes as one
 * PutObject (with its Content-MD5, so the store checks what it got); a longer one as a multipart upload of
 * fixed-size parts. Memory is bounded: bytes are copied into fixed batches, and at most two parts are held
 * per upload (one uploading, one filling). Any failure aborts the multipart upload, so nothing is left.
 */
import type { Readable } from 'node:stream';
import type { BodyHasher } from '../body-hasher.js';
import { StorageError } from '../errors.js';
import type { BlobWriteOptions } from '../types.js';
import { parseXml, type S3Client, S3Error } from './client.js';

/** Bytes are copied into batches of this size; each is hashed as soon as it is full. */
const BATCH = 256 * 1024;

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** Part size of multipart uploads; a body up to this size is one PutObject. */
  partSize: number;
  /** Parts uploading at once (each holds a part in memory, besides the one filling). */
  partsInFlight: number;
  /** The write fails once it has run this long (ms since `started`). */
  deadline: number;
}

export interface UploadResult {
  size: number;
  md5: Buffer;
  crc64: string;
}

/** The whole allocation behind a (possibly shortened) batch view, for reuse. */
function whole(view: Buffer): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, BATCH);
}

function checkDeadline(t: UploadTarget): void {
  if (Date.now() > t.deadline) {
    throw new StorageError('io', 'the upload took longer than the blob store allows for one write (maxWriteMs)');
  }
}

function sourceError(err: unknown): unknown {
  if (err instanceof StorageError || err instanceof S3Error) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error).message === 'aborted') {
    return new StorageError('client-aborted', 'client aborted the upload', { cause: err });
  }
  return err;
}

export async function uploadStream(
  t: UploadTarget,
  source: Readable,
  options: BlobWriteOptions,
  hasher: BodyHasher,
): Promise<UploadResult> {
  const { client, bucket, key, partSize } = t;
  const free: Buffer[] = [];
  let part: Buffer[] = [];
  let partBytes = 0;
  let batch: Buffer | undefined;
  let fill = 0;
  let size = 0;
  // Hashing runs in order, one batch after another (on the thread pool with the native hasher).
  let hashing: Promise<void> = Promise.resolve();
  let uploadId: string | undefined;
  let partNo = 0;
  const etags: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const seal = () => {
    if (!batch || fill === 0) return;
    const view = batch.subarray(0, fill);
    part.push(view);
    hashing = hashing.then(() => hasher.update([view]));
    hashing.catch(() => {});
    batch = undefined;
    fill = 0;
  };

  /** Uploads the gathered part once the previous one is done (at most one part uploading). */
  const sendPart = async () => {
    while (inFlight.size >= t.partsInFlight) await Promise.race(inFlight);
    if (failure) throw failure;
    checkDeadline(t);
    if (uploadId === undefined) {
      const doc = await client.sendXml({ method: 'POST', bucket, key, query: { uploads: '' } });
      uploadId = String((doc.InitiateMultipartUploadResult as { UploadId?: string } | undefined)?.UploadId ?? '');
      if (!uploadId) throw new StorageError('io', 'S3 store returned no upload id');
    }
    const bufs = part;
    part = [];
    partBytes = 0;
    const num = ++partNo;
    const hashed = hashing;
    const query = { partNumber: String(num), uploadId };
    const sending: Promise<void> = (async () => {
      const res = await client.send({ method: 'PUT', bucket, key, query, body: bufs });
      await res.body.dump();
      const etag = res.headers.etag;
      if (res.status !== 200 || typeof etag !== 'string') {
        throw new StorageError('io', `S3 UploadPart ${num} answered ${res.status}`);
      }
      etags[num - 1] = etag;
      await hashed; // the batches are hashed too before they are reused
      for (const b of bufs) free.push(whole(b));
    })()
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  try {
    try {
      for await (const c of source) {
        const chunk = c as Buffer;
        size += chunk.length;
        if (size > options.maxBytes) throw new StorageError('too-large', 'entity too large');
        options.onChunk?.(chunk);
        for (let off = 0; off < chunk.length; ) {
          if (partBytes === partSize) await sendPart();
          if (!batch) batch = free.pop() ?? Buffer.allocUnsafeSlow(BATCH);
          const n = Math.min(chunk.length - off, BATCH - fill, partSize - partBytes);
          chunk.copy(batch, fill, off, off + n);
          fill += n;
          off += n;
          partBytes += n;
          if (fill === BATCH || partBytes === partSize) seal();
        }
      }
    } catch (err) {
      throw sourceError(err);
    }
    seal();
    if (uploadId === undefined) {
      await hashing;
      const digest = hasher.digest();
      checkDeadline(t);
      const headers = { 'content-md5': digest.md5.toString('base64') };
      const res = await client.send({ method: 'PUT', bucket, key, headers, body: part });
      await res.body.dump();
      if (res.status !== 200) throw new StorageError('io', `S3 PutObject answered ${res.status}`);
      return { size, ...digest };
    }
    await sendPart();
    await Promise.all(inFlight);
    if (failure) throw failure;
    await hashing;
    checkDeadline(t);
    const xml = `<CompleteMultipartUpload>${etags
      .map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e.replace(/&/g, '&amp;')}</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const res = await client.send({ method: 'POST', bucket, key, query: { uploadId }, body: Buffer.from(xml) });
    const text = await res.body.text();
    // CompleteMultipartUpload can fail after its 200 status line: the error is in the body.
    const doc = text ? parseXml(text) : {};
    if (res.status !== 200 || doc.Error || !doc.CompleteMultipartUploadResult) {
      throw new StorageError('io', `S3 CompleteMultipartUpload failed: ${text.slice(0, 200)}`);
    }
    uploadId = undefined; // completed: nothing to abort any more
    return { size, ...hasher.digest() };
  } catch (err) {
    if (uploadId !== undefined) {
      await Promise.all(inFlight);
      await client
        .send({ method: 'DELETE', bucket, key, query: { uploadId } })
        .then((r) => r.body.dump())
        .catch(() => {});
    }
    throw err;
  }
}
