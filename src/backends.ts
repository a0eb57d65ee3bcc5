/**
 * Choosing the stores from `--metadata` / `--blobs`: the only module that knows every backend.
 * Metadata: `sqlite:DIR` (embedded, default: the data directory) or `postgres://…` (shared by many nodes).
 * Object bytes: `file:DIR` (default: the data directory) or `s3://BUCKET[/PREFIX]` (Ceph RGW, MinIO, AWS).
 */
import path from 'node:path';
import type { DeliveryStore } from './callback/delivery-store.js';
import type { Config } from './config/config.js';
import { LocalBlobStore } from './storage/local/blob-store.js';
import { prepareDataDir } from './storage/local/data-dir.js';
import { SqliteDeliveryStore } from './storage/local/delivery-store.js';
import { SqliteMetadataStore } from './storage/local/metadata-store.js';
import { redactPostgresUrl } from './storage/postgres/url.js';
import type { BlobStore, MetadataStore } from './storage/types.js';

export type MetadataLocation = { kind: 'sqlite'; dir: string } | { kind: 'postgres'; url: string };
export type BlobLocation = { kind: 'file'; dir: string } | { kind: 's3'; url: string };

/** The three stores a deployment runs on (backend-neutral). */
export interface Storage {
  meta: MetadataStore;
  blobs: BlobStore;
  deliveries: DeliveryStore;
  /** The embedded store's data directory (undefined when metadata lives in a shared database). */
  dataDir?: string;
  /** True when other nodes may share these stores (metadata in PostgreSQL). */
  shared: boolean;
  /** What each store is, for logs and /-/health (never with credentials). */
  describe: { metadata: string; blobs: string };
  close(): Promise<void>;
}

function dirOf(url: string, scheme: string, flag: string): string {
  const dir = url.slice(scheme.length).replace(/^\/\/(?=\/)/, '');
  if (!dir) throw new Error(`${flag} ${url}: a directory is missing after "${scheme}"`);
  return path.resolve(dir);
}

export function metadataLocation(config: Config): MetadataLocation {
  const url = config.metadata;
  if (url === undefined || url === '') return { kind: 'sqlite', dir: config.data };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', dir: dirOf(url, 'sqlite:', '--metadata') };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new Error(`--metadata must be sqlite:DIR or postgres://USER:PASS@HOST:PORT/DB, got ${redactPostgresUrl(url)}`);
}

export function blobLocation(config: Config): BlobLocation {
  const url = config.blobs;
  if (url === undefined || url === '') return { kind: 'file', dir: config.data };
  if (url.startsWith('file:')) return { kind: 'file', dir: dirOf(url, 'file:', '--blobs') };
  if (url.startsWith('s3://')) {
    if (!/^s3:\/\/[^/]+/.test(url)) throw new Error(`--blobs ${url}: the bucket is missing (s3://BUCKET[/PREFIX])`);
    return { kind: 's3', url };
  }
  throw new Error(`--blobs must be file:DIR or s3://BUCKET[/PREFIX], got ${url}`);
}

async function openMetadata(
  config: Config,
  where: MetadataLocation,
): Promise<{ meta: MetadataStore; deliveries: DeliveryStore; close(): Promise<void> }> {
  if (where.kind === 'postgres') {
    // Loaded only when used: the embedded default never pays for the driver.
    const { openPostgresMetadata } = await import('./storage/postgres/open.js');
    const { meta, deliveries } = await openPostgresMetadata(where.url);
    return { meta, deliveries, close: () => meta.close() };
  }
  prepareDataDir(where.dir);
  const meta = new SqliteMetadataStore(path.join(where.dir, 'meta.sqlite'), { fsync: config.fsync });
  return {
    meta,
    deliveries: SqliteDeliveryStore.relaxed(meta.db),
    close: () => meta.close(),
  };
}

async function openBlobs(config: Config, where: BlobLocation): Promise<BlobStore> {
  if (where.kind === 's3') {
    if (!config.blobsAccessKeyId || !config.blobsSecretAccessKey) {
      throw new Error(
        `--blobs ${where.url} needs the S3 store's credentials in OSSD_BLOBS_ACCESS_KEY_ID and OSSD_BLOBS_SECRET_ACCESS_KEY`,
      );
    }
    const { openS3Blobs } = await import('./storage/s3/blob-store.js');
    return openS3Blobs(where.url, {
      endpoint: config.blobsEndpoint,
      region: config.blobsRegion,
      accessKeyId: config.blobsAccessKeyId,
      secretAccessKey: config.blobsSecretAccessKey,
      // No write may outlive half the grace window of garbage collection (see startBlobCollector).
      maxWriteMs: (config.blobGcGraceHours * 3_600_000) / 2,
    });
  }
  prepareDataDir(where.dir);
  const blobs = new LocalBlobStore(where.dir, config.fsync);
  await blobs.init();
  return blobs;
}

/** Opens the stores the configuration names. */
export async function openStorage(config: Config): Promise<Storage> {
  const metaAt = metadataLocation(config);
  const blobsAt = blobLocation(config);
  const { meta, deliveries, close } = await openMetadata(config, metaAt);
  let blobs: BlobStore;
  try {
    blobs = await openBlobs(config, blobsAt);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    meta,
    blobs,
    deliveries,
    dataDir: metaAt.kind === 'sqlite' ? metaAt.dir : undefined,
    shared: metaAt.kind === 'postgres',
    describe: {
      metadata: metaAt.kind === 'sqlite' ? `sqlite:${metaAt.dir}` : redactPostgresUrl(metaAt.url),
      blobs: blobsAt.kind === 'file' ? `file:${blobsAt.dir}` : blobsAt.url,
    },
    async close() {
      await blobs.close?.();
      await close();
    },
  };
}
