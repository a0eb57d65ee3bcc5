/**
 * Veto mode on PostgreSQL + S3 under SIGKILL: a node is killed while the application hangs on the callback
 * of an overwrite to a bucket with callback-failure discard. Another node shows the previous version
 * before and after the kill; the bytes the killed node wrote are the only unreferenced blob, and orphan
 * collection (grace 0, every node stopped) deletes exactly them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { openStorage } from '../../src/backends.js';
import { defaultConfig } from '../../src/config/config.js';
import { collectOrphanBlobs } from '../../src/storage/gc.js';
import { putWithCallback } from '../helpers/callback-client.js';
import { startCallbackReceiver } from '../helpers/callback-receiver.js';
import { type SharedStores, sharedStores } from '../helpers/cluster.js';
import { blobAccounting } from '../helpers/shared-blobs.js';
import { type Spawned, spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'vetoNodeKeyId001';
const SECRET = 'vetoNodeSecret00000000000001';
const BUCKET = 'vetonodes';

const stores = await sharedStores();
const skip = typeof stores === 'string' ? stores : undefined;
type Node = Spawned & { port: number; client: OSS };

async function startNode(s: SharedStores): Promise<Node> {
  const node = await spawnOssd(
    {
      OSSD_ROOT_ACCESS_KEY_ID: ID,
      OSSD_ROOT_ACCESS_KEY_SECRET: SECRET,
      OSSD_BLOBS_ACCESS_KEY_ID: s.rgw.accessKey,
      OSSD_BLOBS_SECRET_ACCESS_KEY: s.rgw.secretKey,
    },
    [
      '--metadata',
      s.metadata,
      '--blobs',
      s.blobs,
      '--blobs-endpoint',
      s.rgw.endpoint,
      '--console-address',
      'off',
      '--log-level',
      'warn',
      '--callback-timeout-ms',
      '60000',
    ],
  );
  const client = ossClient({
    endpoint: `http://localhost:${node.port}`,
    sldEnable: true,
    accessKeyId: ID,
    accessKeySecret: SECRET,
    bucket: BUCKET,
    timeout: 60_000,
  });
  return { ...node, client };
}

describe('veto mode: SIGKILL of the node waiting for the callback (PostgreSQL + S3)', { skip }, () => {
  const nodes: Node[] = [];
  after(async () => {
    for (const n of nodes) await n.stop();
    if (typeof stores !== 'string') await stores.drop();
  });

  it('the previous version stays; the written bytes are an orphan that collection deletes', {
    timeout: 120_000,
  }, async () => {
    if (typeof stores === 'string') return;
    const app = await startCallbackReceiver({ kind: 'hang' });
    try {
      const [a, b] = await Promise.all([startNode(stores), startNode(stores)]);
      nodes.push(a, b);
      await a.client.putBucket(BUCKET);
      const set = await fetch(`http://localhost:${a.port}/-/admin/buckets/${BUCKET}/callback-failure?mode=discard`, {
        method: 'PUT',
        headers: { authorization: `Basic ${Buffer.from(`${ID}:${SECRET}`).toString('base64')}` },
      });
      assert.equal(set.status, 200);
      const v1 = randomBytes(200 * 1024);
      await a.client.put('doc.bin', v1);
      const before = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
      assert.deepEqual(before.unreferenced, []);

      const pending = putWithCallback(a.client, 'doc.bin', randomBytes(300 * 1024), {
        url: `${app.url}/hang`,
        body: 'o=${object}',
      }).then(
        () => 'answered',
        () => 'cut',
      );
      await app.waitForRequests(1, 20_000);
      // The other node does not see the pending version.
      assert.ok(Buffer.from((await b.client.get('doc.bin')).content).equals(v1));
      const during = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
      assert.equal(during.unreferenced.length, 1, 'the pending upload wrote its bytes');

      a.child.kill('SIGKILL');
      assert.equal(await pending, 'cut');
      assert.ok(Buffer.from((await b.client.get('doc.bin')).content).equals(v1), 'previous version after the kill');

      for (const n of nodes.splice(0)) await n.stop();
      const c = defaultConfig();
      c.metadata = stores.metadata;
      c.blobs = stores.blobs;
      c.blobsEndpoint = stores.rgw.endpoint;
      c.blobsAccessKeyId = stores.rgw.accessKey;
      c.blobsSecretAccessKey = stores.rgw.secretKey;
      const storage = await openStorage(c);
      let removed: number;
      try {
        removed = await collectOrphanBlobs(storage.meta, storage.blobs, { graceMs: 0 });
      } finally {
        await storage.close();
      }
      assert.equal(removed, 1);
      const afterGc = await blobAccounting(stores.rgw, stores.blobs, stores.metadata);
      assert.deepEqual(afterGc.unreferenced, []);
      assert.deepEqual(afterGc.missing, []);
    } finally {
      await app.close();
    }
  });
});
