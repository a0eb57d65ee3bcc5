/**
 * A real ossd HTTP server on PostgreSQL metadata (local-disk blobs), driven by the real ali-oss client:
 * objects round-trip, and while PostgreSQL is down requests get an OSS-style 503 ServiceUnavailable —
 * then work again when it is back, without restarting ossd. (main.ts does not open PostgreSQL yet, so
 * the server is assembled here from the same parts startServer uses.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import OSS from 'ali-oss';
import { defaultConfig } from '../../src/config/config.js';
import { createServer } from '../../src/http/server.js';
import { buildCallbackService, ensureRootCredentials, loadCallbackKeys, type Storage } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { Services } from '../../src/services.js';
import { LocalBlobStore } from '../../src/storage/local/blob-store.js';
import { openPostgresMetadata } from '../../src/storage/postgres/open.js';
import { postgresTestOptions, startPrivateCluster } from '../helpers/postgres.js';
import { ROOT_ID, ROOT_SECRET } from '../helpers/start-server.js';

describe('ossd on PostgreSQL metadata', postgresTestOptions(), () => {
  it('serves objects, answers 503 ServiceUnavailable while PostgreSQL is down, and recovers by itself', async () => {
    const pg = await startPrivateCluster();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-pg-http-'));
    const { meta, deliveries } = await openPostgresMetadata(await pg.newDatabase());
    const blobs = new LocalBlobStore(dir, false);
    await blobs.init();
    const config = defaultConfig();
    config.address = '127.0.0.1:0';
    config.data = dir;
    config.rootAccessKeyId = ROOT_ID;
    config.rootAccessKeySecret = ROOT_SECRET;
    const logger = createLogger('silent');
    const storage: Storage = { meta, blobs, deliveries };
    await ensureRootCredentials(config, meta);
    const keys = await loadCallbackKeys(config, storage);
    let endpoint = '';
    const { service, policy } = buildCallbackService(config, storage, keys, logger, () => endpoint);
    const services: Services = {
      config,
      meta,
      blobs,
      logger,
      metrics: new Metrics(false),
      callbacks: { service, deliveries, publicKeyPem: keys.publicKeyPem, policy },
      endpoint: () => endpoint,
    };
    const server = createServer(services);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://localhost:${(server.address() as AddressInfo).port}`;
    const client = new OSS({
      endpoint,
      sldEnable: true,
      accessKeyId: ROOT_ID,
      accessKeySecret: ROOT_SECRET,
      bucket: 'pgb',
      timeout: 20_000,
    } as OSS.Options);
    try {
      await client.putBucket('pgb');
      await client.put('small.txt', Buffer.from('inline bytes'));
      await client.put('large.bin', Buffer.alloc(300_000, 7));
      assert.equal((await client.get('small.txt')).content.toString(), 'inline bytes');
      assert.equal((await client.get('large.bin')).content.length, 300_000);
      assert.deepEqual(
        (await client.list({ 'max-keys': 10 }, {})).objects.map((o) => o.name),
        ['large.bin', 'small.txt'],
      );

      await pg.cluster.stop();
      const started = Date.now();
      await assert.rejects(client.get('small.txt'), (e: { status?: number; code?: string }) => {
        assert.equal(e.status, 503);
        assert.equal(e.code, 'ServiceUnavailable');
        return true;
      });
      await assert.rejects(client.put('during.txt', Buffer.from('x')), (e: { status?: number }) => e.status === 503);
      assert.ok(Date.now() - started < 10_000, 'answered within seconds, not hung');

      await pg.cluster.start();
      assert.equal((await client.get('small.txt')).content.toString(), 'inline bytes');
      await client.put('after.txt', Buffer.from('back'));
      assert.equal((await client.get('after.txt')).content.toString(), 'back');
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await service.close();
      await meta.close();
      pg.cluster.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
