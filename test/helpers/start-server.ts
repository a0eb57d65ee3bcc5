import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OSS from 'ali-oss';
import { type Config, defaultConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';

export const ROOT_ID = 'testRootKeyId0001';
export const ROOT_SECRET = 'testRootSecret000000000000001';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** A real ali-oss client: endpoint http://localhost:PORT, sldEnable, root credentials. */
  client(options?: Partial<OSS.Options>): OSS;
  stop(): Promise<void>;
}

/**
 * With OSSD_TEST_CLUSTER=N (N ≥ 2), startTestServer starts N nodes on a fresh PostgreSQL database and S3
 * bucket instead, behind a round-robin balancer whose port is the server's: the same tests then run on a
 * scale-out deployment (clients open a connection per request, so requests spread over every node).
 */
const CLUSTER_NODES = Number(process.env.OSSD_TEST_CLUSTER ?? 0);

/** Set when tests run on a cluster: the reason to skip a test about one node's own limits or files. */
export const ONE_NODE_ONLY: string | undefined =
  CLUSTER_NODES >= 2 ? 'checks one process (its limits, memory or data directory), not a cluster' : undefined;

async function startTestCluster(overrides: (c: Config) => void): Promise<TestServer> {
  const { sharedStores, startCluster } = await import('./cluster.js');
  const stores = await sharedStores();
  if (typeof stores === 'string') throw new Error(`OSSD_TEST_CLUSTER needs PostgreSQL and an S3 gateway: ${stores}`);
  const cluster = await startCluster(stores, CLUSTER_NODES, (c) => {
    c.rootAccessKeyId = ROOT_ID;
    c.rootAccessKeySecret = ROOT_SECRET;
    overrides(c);
  });
  const first = cluster.nodes[0];
  const port = cluster.balancer.port;
  const agent = new http.Agent({ keepAlive: false });
  return {
    ...first,
    port,
    endpoint: `http://localhost:${port}`,
    dataDir: first.dataDir,
    client(options = {}) {
      return new OSS({
        endpoint: `http://localhost:${port}`,
        sldEnable: true,
        accessKeyId: ROOT_ID,
        accessKeySecret: ROOT_SECRET,
        agent,
        ...options,
      } as OSS.Options);
    },
    close: () => cluster.close(),
    stop: () => cluster.close(),
  };
}

/** A real ossd on an ephemeral port with a fresh data directory. */
export async function startTestServer(overrides: (c: Config) => void = () => {}): Promise<TestServer> {
  if (CLUSTER_NODES >= 2) return startTestCluster(overrides);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossd-test-'));
  const config = defaultConfig();
  config.address = '127.0.0.1:0';
  config.data = dataDir;
  config.rootAccessKeyId = ROOT_ID;
  config.rootAccessKeySecret = ROOT_SECRET;
  config.logLevel = process.env.OSSD_TEST_LOG ?? 'silent';
  overrides(config);
  const running = await startServer(config, { logger: createLogger(config.logLevel) });
  return {
    ...running,
    dataDir,
    client(options = {}) {
      return new OSS({
        endpoint: `http://localhost:${running.port}`,
        sldEnable: true,
        accessKeyId: ROOT_ID,
        accessKeySecret: ROOT_SECRET,
        ...options,
      } as OSS.Options);
    },
    async stop() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a bucket and returns a client bound to it. */
export async function withBucket(server: TestServer, bucket: string, options: Partial<OSS.Options> = {}): Promise<OSS> {
  const client = server.client({ ...options, bucket });
  await client.putBucket(bucket);
  return client;
}

/** A real ali-oss client with options @types/ali-oss does not know (sldEnable, authorizationV4, …). */
export function ossClient(options: Record<string, unknown>): OSS {
  return new OSS(options as unknown as OSS.Options);
}
