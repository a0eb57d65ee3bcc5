/**
 * Multipart upload with parts sent in parallel straight from the File: the SDK initiates and completes
 * (and aborts), and each part goes out as a presigned PUT of a `File.slice`, so the browser reads the
 * bytes itself. (The SDK's own multipartUpload copies every part into a JS Buffer and hashes it on the
 * page's only thread, which serialised the parts ~200 ms apart.)
 */
import type OSS from 'ali-oss';
import { type Credentials, ossClient, signedUrl } from './session.js';
import { abortError, UploadError, xhrPut } from './xhr-put.js';

export const MULTIPART_THRESHOLD = 5 * 1024 * 1024;
const MIN_PART_SIZE = 1024 * 1024;
const MAX_PARTS = 10_000;
export const PARALLEL_PARTS = 4;

/** What a retry resumes from: the upload id and the parts already stored. */
export interface MultipartState {
  uploadId?: string;
  etags: Map<number, string>;
}

export function partSizeFor(size: number): number {
  return Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS / MIN_PART_SIZE) * MIN_PART_SIZE);
}

export interface Target {
  creds: Credentials;
  bucket: string;
  key: string;
}

function contentType(file: File): string {
  return file.type || 'application/octet-stream';
}

/** PutObject of a small file (one presigned PUT). */
export async function putSmall(t: Target, file: File, onProgress: (loaded: number) => void, signal: AbortSignal) {
  const type = contentType(file);
  const url = signedUrl(t.creds, t.bucket, t.key, { method: 'PUT', expires: 3600, 'Content-Type': type });
  await xhrPut(url, file, { 'content-type': type }, onProgress, signal);
}

export async function putMultipart(
  t: Target,
  file: File,
  state: MultipartState,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const client = ossClient(t.creds, t.bucket);
  if (!state.uploadId) {
    state.uploadId = (await client.initMultipartUpload(t.key, { mime: contentType(file) })).uploadId;
    state.etags.clear();
  }
  const uploadId = state.uploadId;
  const partSize = partSizeFor(file.size);
  const count = Math.max(1, Math.ceil(file.size / partSize));
  const sizeOf = (n: number) => Math.min(partSize, file.size - (n - 1) * partSize);
  const inFlight = new Map<number, number>();
  const report = () => {
    let loaded = 0;
    for (const n of state.etags.keys()) loaded += sizeOf(n);
    for (const l of inFlight.values()) loaded += l;
    onProgress(loaded);
  };
  const todo: number[] = [];
  for (let n = 1; n <= count; n++) if (!state.etags.has(n)) todo.push(n);
  report();

  // A failed part stops new parts from starting; those in flight finish, so a retry sends only the rest.
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < todo.length && failure === undefined && !signal.aborted) {
      const n = todo[next++];
      const url = signedUrl(t.creds, t.bucket, t.key, {
        method: 'PUT',
        expires: 3600,
        subResource: { partNumber: String(n), uploadId },
      } as OSS.SignatureUrlOptions);
      const body = file.slice((n - 1) * partSize, (n - 1) * partSize + sizeOf(n));
      try {
        const onPart = (l: number) => {
          inFlight.set(n, l);
          report();
        };
        const xhr = await xhrPut(url, body, {}, onPart, signal);
        const etag = xhr.getResponseHeader('etag');
        if (!etag) throw new UploadError(`part ${n}: no ETag in the answer`);
        state.etags.set(n, etag);
      } catch (err) {
        failure ??= err;
      } finally {
        inFlight.delete(n);
        report();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, todo.length) }, worker));
  if (signal.aborted) throw abortError();
  if (failure) throw failure;
  const parts = [...state.etags].sort((a, b) => a[0] - b[0]).map(([number, etag]) => ({ number, etag }));
  await client.completeMultipartUpload(t.key, uploadId, parts);
}

/** Drops a cancelled upload's stored parts (best effort). */
export async function abortMultipart(t: Target, state: MultipartState): Promise<void> {
  const id = state.uploadId;
  state.uploadId = undefined;
  state.etags.clear();
  if (id) await ossClient(t.creds, t.bucket).abortMultipartUpload(t.key, id);
}
