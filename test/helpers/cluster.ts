/**
 * Several ossd nodes sharing one PostgreSQL database (metadata) and one S3 bucket in a Ceph RGW (bytes), as
 * a scale-out deployment runs them, behind a TCP round-robin balancer. Each call gets its own database and
 * bucket, so tests do not see each other's data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Config, defaultConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { startPostgres } from './postgres.js';
import { dropBucket, freshBucket, type Rgw, rgwClient, rgwOrSkip } from './rgw.js';
import { type RoundRobin, startRoundRobin } from './round-robin.js';

export interface SharedStores {
  metadata: string;
  blobs: string;
  rgw: Rgw;
  /** Deletes the bucket's objects and the bucket. */
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database and S3 bucket; throws (under CI) or returns a skip reason when unavailable. */
export async function sharedStores(): Promise<SharedStores | string> {
  const gateway = await rgwOrSkip();
  if (!gateway.rgw) return gateway.skip;
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  try {
    pg = await startPostgres();
  } catch (err) {
    if (process.env.CI) throw err;
    return (err as Error).message;
  }
  const rgw = gateway.rgw;
  const admin = rgwClient(rgw);
  const bucket = await freshBucket(admin);
  return {
    metadata: await pg.newDatabase(),
    blobs: `s3://${bucket}/ossd`,
    rgw,
    drop: async () => {
      try {
        await dropBucket(admin, bucket);
      } finally {
        await admin.close();
      }
    },
  };
}

/** Points a node's config at the shared stores (its own data directory holds nothing shared). */
export function useSharedStores(c: Config, stores: SharedStores): void {
  c.metadata = stores.metadata;
  c.blobs = stores.blobs;
  c.blobsEndpoint = stores.rgw.endpoint;
  c.blobsAccessKeyId = stores.rgw.accessKey;
  c.blobsSecretAccessKey = stores.rgw.secretKey;
}

export interface Cluster {
  nodes: (RunningServer & { dataDir: string })[];
  balancer: RoundRobin;
  stores: SharedStores;
  close(): Promise<void>;
}

/** `n` in-process nodes on the shared stores and a round-robin balancer in front of them. */
export async function startCluster(
  stores: SharedStores,
  n: number,
  configure: (c: Config) => void = () => {},
): Promise<Cluster> {
  const nodes: Cluster['nodes'] = [];
  // The balancer first: every node advertises its address (callback key URL, snippets), as behind a real one.
  const ports: number[] = [];
  const balancer = await startRoundRobin(ports);
  try {
    for (let i = 0; i < n; i++) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), `ossd-node${i}-`));
      const c = defaultConfig();
      c.address = '127.0.0.1:0';
      c.data = dataDir;
      c.consoleAddress = 'off';
      c.logLevel = process.env.OSSD_TEST_LOG ?? 'silent';
      c.publicEndpoint = `http://localhost:${balancer.port}`;
      useSharedStores(c, stores);
      configure(c);
      const node = await startServer(c, { logger: createLogger(c.logLevel) });
      nodes.push({ ...node, dataDir });
      ports.push(node.port);
    }
  } catch (err) {
    await balancer.close();
    for (const node of nodes) await node.close();
    throw err;
  }
  return {
    nodes,
    balancer,
    stores,
    async close() {
      await balancer.close();
      for (const node of nodes) {
        await node.close();
        rmSync(node.dataDir, { recursive: true, force: true });
      }
      await stores.drop();
    },
  };
}
