import { mkdtempSync, rmSync } from 'node:fs';
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

/** A real ossd on an ephemeral port with a fresh data directory. */
export async function startTestServer(overrides: (c: Config) => void = () => {}): Promise<TestServer> {
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
