import { createHash } from 'node:crypto';
import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import { randomHex } from '../../storage/random-id.js';
import type { BlobWriteResult, MultipartUpload } from '../../storage/types.js';
import { releaseUncommitted } from '../uncommitted-blob.js';

/** Every part but the last must be at least this big (checked at Complete). */
export const MIN_PART_BYTES = 100 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

/** 32 upper-case hex characters: 12 of initiation time (ms) then 20 random, so ids sort by initiation. */
export function newUploadId(now = Date.now()): string {
  return (now.toString(16).padStart(12, '0') + randomHex(10)).toUpperCase();
}

export function noSuchUpload(uploadId: string): OssError {
  return new OssError('NoSuchUpload', { extra: { UploadId: uploadId } });
}

/** The upload named by `?uploadId=`, which must belong to this bucket and key (else NoSuchUpload). */
export async function loadUpload(ctx: RequestContext, s: Services): Promise<MultipartUpload> {
  const uploadId = ctx.params.get('uploadId') ?? '';
  const upload = uploadId ? await s.meta.multipart.getUpload(uploadId) : undefined;
  if (!upload || upload.bucket !== ctx.bucket || upload.key !== ctx.key) throw noSuchUpload(uploadId);
  return upload;
}

/** `?partNumber=` must be an integer 1–10000. */
export function partNumberParam(raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER) {
    throw new OssError('InvalidArgument', {
      message: `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`,
      extra: { ArgumentName: 'partNumber', ArgumentValue: raw ?? '' },
    });
  }
  return n;
}

/** A non-negative integer query parameter (`fallback` when absent), at most `max`. */
export function intParam(ctx: RequestContext, name: string, fallback: number, max: number): number {
  const raw = ctx.params.get(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > max) {
    throw new OssError('InvalidArgument', {
      message: `Argument ${name} must be an integer between 0 and ${max}.`,
      extra: { ArgumentName: name, ArgumentValue: raw },
    });
  }
  return n;
}

/** ETags compare without quotes and case-insensitively (ali-oss echoes them verbatim). */
export function normalEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toUpperCase();
}

/**
 * The multipart ETag: upper-hex MD5 of the concatenated binary MD5s of the parts, then `-<count>`
 * (the S3 formula; OSS documents only that it is not the content MD5).
 */
export function multipartEtag(partEtags: string[]): string {
  const md5 = createHash('md5');
  for (const e of partEtags) md5.update(Buffer.from(e, 'hex'));
  return `${md5.digest('hex').toUpperCase()}-${partEtags.length}`;
}

/** Deletes blobs a commit released; a failure only leaves orphans for start-up collection. */
export async function releaseBlobs(s: Services, blobs: string[]): Promise<void> {
  if (blobs.length === 0) return;
  try {
    await s.blobs.delete(blobs);
  } catch (err) {
    s.logger.warn({ err, blobs: blobs.length }, 'could not delete released blobs');
  }
}

/**
 * Records a part whose bytes are already in `written` (a durable blob): replaces an earlier part with
 * the same number (its blob is released) and releases `written` if the upload was completed or aborted
 * meanwhile (NoSuchUpload). Returns the part's ETag (upper-hex MD5, unquoted).
 */
export async function commitPart(
  s: Services,
  uploadId: string,
  partNumber: number,
  written: BlobWriteResult,
  lastModified = Date.now(),
): Promise<string> {
  const etag = written.md5.toString('hex').toUpperCase();
  let result: Awaited<ReturnType<typeof s.meta.multipart.putPart>>;
  try {
    result = await s.meta.multipart.putPart({
      uploadId,
      partNumber,
      blob: written.blob,
      size: written.size,
      etag,
      crc64: written.crc64,
      lastModified,
    });
  } catch (err) {
    await releaseUncommitted(s, [written.blob], err);
    throw err;
  }
  if (result === 'no-upload') {
    // Completed or aborted while the part streamed in.
    await releaseBlobs(s, [written.blob]);
    throw noSuchUpload(uploadId);
  }
  await releaseBlobs(s, result.released);
  return etag;
}
