import { Readable } from 'node:stream';
import { createBodyHasher } from '../body-hasher.js';
import { StorageError } from '../errors.js';
import { randomHex } from '../random-id.js';
import type { BlobListing, BlobStore, BlobWriteOptions, BlobWriteResult } from '../types.js';
import { S3Client, S3Error } from './client.js';
import { uploadStream } from './upload.js';
import { blobKey, parseS3Url } from './url.js';

const FILE_BLOB = /^[0-9a-f]{32}$/;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export interface S3BlobStoreOptions {
  /** e.g. http://127.0.0.1:7480 (Ceph RGW, MinIO); default https://s3.REGION.amazonaws.com */
  endpoint?: string;
  /** Default us-east-1. */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Bucket in the URL path (default) rather than in the host name. */
  pathStyle?: boolean;
  /** Multipart part size (default 8 MiB, at least 5 MiB as S3 requires); a body up to this size is one PUT. */
  partSize?: number;
  /** Parts of one upload sent at once (default 1: at most two parts in memory per upload). */
  partsInFlight?: number;
  /**
   * A write running longer than this fails (default 12 h). It must stay below half of garbage collection's
   * grace window (24 h), so that a blob another node is still writing or about to commit is never collected.
   */
  maxWriteMs?: number;
  /** Default 3 s: an unreachable store fails requests quickly. */
  connectTimeoutMs?: number;
  /** Default 60 s without response headers or body bytes. */
  responseTimeoutMs?: number;
  /** Keep-alive connections to the store (default 64). */
  connections?: number;
  /** Health probe deadline (default 2 s). */
  pingTimeoutMs?: number;
  /** ListObjectsV2 page size (default 1000, the S3 maximum). */
  listPageSize?: number;
}

function missing(blob: string): Error {
  return Object.assign(new Error(`blob ${blob} not found in the S3 store`), { code: 'ENOENT' });
}

/**
 * Object bytes in an S3-compatible object store (Ceph RGW, MinIO, AWS S3), one object per blob under
 * PREFIX/xx/<id> (never by the OSS key), for several ossd nodes sharing one store. A blob is durable in the
 * store when write() resolves.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly writing = new Set<string>();
  private readonly partSize: number;
  private readonly maxWriteMs: number;
  private readonly partsInFlight: number;
  private readonly pingTimeoutMs: number;
  private readonly listPageSize: number;

  constructor(
    url: string,
    options: S3BlobStoreOptions,
    readonly client: S3Client = S3BlobStore.clientFor(options),
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(url));
    this.partSize = Math.max(options.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    this.maxWriteMs = options.maxWriteMs ?? 12 * 3_600_000;
    this.partsInFlight = Math.max(options.partsInFlight ?? 1, 1);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2000;
    this.listPageSize = Math.min(Math.max(options.listPageSize ?? 1000, 1), 1000);
  }

  static clientFor(options: S3BlobStoreOptions): S3Client {
    const region = options.region ?? 'us-east-1';
    if (!options.accessKeyId || !options.secretAccessKey) {
      throw new Error('the S3 blob store needs an access key id and a secret access key');
    }
    return new S3Client({
      endpoint: options.endpoint ?? `https://s3.${region}.amazonaws.com`,
      region,
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      sessionToken: options.sessionToken,
      pathStyle: options.pathStyle ?? true,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      responseTimeoutMs: options.responseTimeoutMs ?? 60_000,
      connections: options.connections ?? 64,
    });
  }

  private keyOf(blob: string): string {
    if (!FILE_BLOB.test(blob)) throw new StorageError('io', `bad blob id ${blob}`);
    return blobKey(this.prefix, blob);
  }

  inFlight(): Set<string> {
    return this.writing;
  }

  async write(source: Readable, options: BlobWriteOptions): Promise<BlobWriteResult> {
    const blob = options.blob ?? randomHex(16);
    const key = this.keyOf(blob);
    const deadline = Date.now() + this.maxWriteMs;
    this.writing.add(blob);
    try {
      const { client, bucket, partSize, partsInFlight } = this;
      const target = { client, bucket, key, partSize, partsInFlight, deadline };
      const result = await uploadStream(target, source, options, createBodyHasher());
      if (Date.now() > deadline) {
        await this.delete([blob]);
        throw new StorageError('io', 'the upload took longer than the blob store allows for one write (maxWriteMs)');
      }
      return { blob, ...result };
    } catch (err) {
      if (err instanceof S3Error) throw new StorageError('io', err.message, { cause: err });
      throw err;
    } finally {
      this.writing.delete(blob);
    }
  }

  private async get(blob: string, start?: number, end?: number) {
    const range = start === undefined && end === undefined ? undefined : `bytes=${start ?? 0}-${end ?? ''}`;
    const res = await this.client.send({
      method: 'GET',
      bucket: this.bucket,
      key: this.keyOf(blob),
      headers: range ? { range } : undefined,
    });
    if (res.status === 404) {
      await res.body.dump();
      throw missing(blob);
    }
    return res;
  }

  async read(blob: string, start?: number, end?: number): Promise<Readable> {
    if (start !== undefined && end !== undefined && end < start) {
      // An empty range: S3 has no way to ask for none, so check the blob exists and send nothing.
      await this.readBuffer(blob, 0, 0).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      });
      return Readable.from([]);
    }
    return (await this.get(blob, start, end)).body;
  }

  async readBuffer(blob: string, start: number, end: number): Promise<Buffer> {
    const res = await this.get(blob, start, end);
    const buf = Buffer.from(await res.body.arrayBuffer());
    if (buf.length !== end - start + 1) {
      throw new StorageError('io', `blob ${blob} is shorter than its metadata says`);
    }
    return buf;
  }

  /**
   * Best effort, like deleting files: a blob that cannot be deleted now (store unreachable) stays an
   * orphan, which garbage collection removes later.
   */
  async delete(blobs: string[]): Promise<void> {
    const keys = blobs.filter((b) => FILE_BLOB.test(b)).map((b) => this.keyOf(b));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const objects = keys
        .slice(i, i + DELETE_BATCH)
        .map((k) => `<Object><Key>${k}</Key></Object>`)
        .join('');
      const body = Buffer.from(`<Delete><Quiet>true</Quiet>${objects}</Delete>`);
      await this.client
        .sendXml({
          method: 'POST',
          bucket: this.bucket,
          query: { delete: '' },
          headers: S3Client.md5Header(body),
          body,
        })
        .catch(() => {});
    }
  }

  async *list(): AsyncIterable<BlobListing> {
    const prefix = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': String(this.listPageSize) };
      if (token) query['continuation-token'] = token;
      const doc = await this.client.sendXml({ method: 'GET', bucket: this.bucket, query }).catch((err: unknown) => {
        throw err instanceof S3Error ? new StorageError('io', err.message, { cause: err }) : err;
      });
      const page = (doc.ListBucketResult ?? {}) as {
        Contents?: { Key: string; LastModified: string }[];
        IsTruncated?: string;
        NextContinuationToken?: string;
      };
      for (const o of page.Contents ?? []) {
        const rest = o.Key.slice(prefix.length);
        const blob = rest.slice(3);
        if (rest[2] !== '/' || !FILE_BLOB.test(blob) || rest.slice(0, 2) !== blob.slice(0, 2)) continue;
        yield { blob, modifiedAt: Date.parse(o.LastModified) };
      }
      token = page.IsTruncated === 'true' ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async ping(): Promise<void> {
    const res = await this.client.send({
      method: 'HEAD',
      bucket: this.bucket,
      signal: AbortSignal.timeout(this.pingTimeoutMs),
    });
    await res.body.dump();
    if (res.status === 404) throw new StorageError('io', `S3 bucket ${this.bucket} does not exist`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Opens the blob store at `s3://BUCKET[/PREFIX]` and checks that its bucket answers. */
export async function openS3Blobs(url: string, options: S3BlobStoreOptions): Promise<S3BlobStore> {
  const store = new S3BlobStore(url, options);
  try {
    await store.ping();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
