import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type OSS from 'ali-oss';
import type { BlobStore } from '../../src/storage/types.js';

/** What ali-oss's request() resolves with. */
export interface RawResult {
  status: number;
  headers: Record<string, string>;
  data: Buffer;
}

interface Internal {
  _objectRequestParams(method: string, name: string, options: object): Record<string, unknown>;
  request(params: Record<string, unknown>): Promise<{ res: RawResult; data: Buffer }>;
}

/**
 * A request the high-level client cannot make (parts out of order, a malformed body, x-oss-complete-all
 * with no body), signed and sent by ali-oss itself. Rejects like any ali-oss call on a non-200 status.
 */
export async function rawObjectRequest(
  client: OSS,
  method: string,
  name: string,
  subres: Record<string, string>,
  options: { content?: string; headers?: Record<string, string>; successStatuses?: number[] } = {},
): Promise<{ res: RawResult; data: Buffer }> {
  const c = client as unknown as Internal;
  const params = c._objectRequestParams(method, name, { subres, headers: options.headers ?? {} });
  params.mime = 'xml';
  params.content = options.content ?? '';
  params.successStatuses = options.successStatuses ?? [200];
  return c.request(params);
}

/** Complete's XML body, as ali-oss writes it, for any list of parts (order and duplicates kept). */
export function completeXml(parts: { number: number; etag: string }[]): string {
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n';
  for (const p of parts) xml += `<Part>\n<PartNumber>${p.number}</PartNumber>\n<ETag>${p.etag}</ETag>\n</Part>\n`;
  return `${xml}</CompleteMultipartUpload>`;
}

/** Random bytes in a fresh temp file; `cleanup` removes its directory. */
export function tempFile(size: number, name = 'data.bin'): { file: string; bytes: Buffer; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-mp-'));
  const bytes = randomBytes(size);
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { file, bytes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Blob files currently in a data directory. */
/** Every blob in the server's blob store (files, or objects in an S3 store in cluster mode). */
export async function storedBlobs(server: { services: { blobs: BlobStore } }): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const l of server.services.blobs.list()) out.add(l.blob);
  return out;
}

export function blobFiles(dataDir: string): Set<string> {
  const root = path.join(dataDir, 'blobs');
  const out = new Set<string>();
  for (const d of readdirSync(root)) for (const f of readdirSync(path.join(root, d))) out.add(f);
  return out;
}

export interface OssErr {
  name: string;
  code: string;
  status: number;
  message: string;
  params?: unknown;
}

/** Asserts that `p` rejects with this OSS code and status. */
export async function rejectsWith(p: Promise<unknown>, code: string, status: number): Promise<OssErr> {
  try {
    await p;
  } catch (err) {
    const e = err as OssErr;
    if (e.code !== code || e.status !== status) {
      throw new Error(`expected ${code}/${status}, got ${e.code}/${e.status}: ${e.message}`);
    }
    return e;
  }
  throw new Error(`expected ${code}/${status}, but it succeeded`);
}

export interface PartEntry {
  PartNumber: string;
  ETag: string;
  Size: string;
  HashCrc64ecma: string;
  LastModified: string;
}

/** ali-oss calls whose @types are narrower than what the client accepts and returns. */
export interface LooseClient {
  listParts(
    name: string,
    uploadId: string,
    query?: Record<string, string>,
  ): Promise<{
    parts: PartEntry[] | PartEntry;
    isTruncated: string;
    nextPartNumberMarker: string;
    partNumberMarker: string;
    maxParts: string;
  }>;
  listUploads(query?: Record<string, string>): Promise<{
    uploads: { name: string; uploadId: string; initiated: string }[];
    isTruncated: boolean;
    nextKeyMarker: string;
    nextUploadIdMarker: string;
  }>;
  uploadPartCopy(
    name: string,
    uploadId: string,
    partNo: number,
    range: string,
    source: { sourceKey: string; sourceBucketName: string },
    options?: object,
  ): Promise<{ etag: string; res: RawResult }>;
}

export function loose(client: OSS): LooseClient {
  return client as unknown as LooseClient;
}

/** listParts' `parts`, always as an array (xml2js makes a single Part an object). */
export function partList(parts: PartEntry[] | PartEntry): PartEntry[] {
  return Array.isArray(parts) ? parts : [parts];
}
