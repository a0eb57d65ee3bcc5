import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** What ali-oss's getBucketStat returns (not in @types/ali-oss): the BucketStat elements as text. */
type StatClient = OSS & {
  getBucketStat(name: string): Promise<{ stat: Record<string, string>; res: OSS.NormalSuccessResponse }>;
};

describe('GetBucketStat (GET /?stat)', () => {
  let server: TestServer;
  let client: StatClient;
  before(async () => {
    server = await startTestServer();
    client = (await withBucket(server, 'stat-bucket')) as StatClient;
  });
  after(() => server.stop());

  it('an empty bucket: every count 0', async () => {
    await withBucket(server, 'stat-empty');
    const { stat, res } = await client.getBucketStat('stat-empty');
    assert.equal(res.status, 200);
    assert.equal(stat.Storage, '0');
    assert.equal(stat.ObjectCount, '0');
    assert.equal(stat.MultipartUploadCount, '0');
    assert.equal(stat.LastModifiedTime, '0');
  });

  it('counts objects and bytes per storage class, uploads in progress, and the newest modification', async () => {
    const before = Math.floor(Date.now() / 1000);
    await client.put('a.txt', Buffer.alloc(100, 1));
    await client.put('b.txt', Buffer.alloc(50, 2));
    await client.put('c.txt', Buffer.alloc(7, 3), { headers: { 'x-oss-storage-class': 'IA' } });
    await client.put('d.txt', Buffer.alloc(3, 4), { headers: { 'x-oss-storage-class': 'Archive' } });
    await client.initMultipartUpload('pending.bin');
    const { stat } = await client.getBucketStat('stat-bucket');
    assert.equal(stat.Storage, '160');
    assert.equal(stat.ObjectCount, '4');
    assert.equal(stat.MultipartUploadCount, '1');
    assert.equal(stat.StandardStorage, '150');
    assert.equal(stat.StandardObjectCount, '2');
    assert.equal(stat.InfrequentAccessStorage, '7');
    assert.equal(stat.InfrequentAccessRealStorage, '7');
    assert.equal(stat.InfrequentAccessObjectCount, '1');
    assert.equal(stat.ArchiveRealStorage, '3');
    assert.equal(stat.ArchiveObjectCount, '1');
    assert.equal(stat.ColdArchiveObjectCount, '0');
    const lm = Number(stat.LastModifiedTime);
    assert.ok(lm >= before && lm <= Math.ceil(Date.now() / 1000), `LastModifiedTime ${lm}`);

    await client.delete('a.txt');
    const after = await client.getBucketStat('stat-bucket');
    assert.equal(after.stat.Storage, '60');
    assert.equal(after.stat.ObjectCount, '3');
  });

  it('is the owner’s: another account’s bucket answers AccessDenied, a missing one NoSuchBucket', async () => {
    await rejectsWith(client.getBucketStat('stat-missing'), 'NoSuchBucket', 404);
    const anon = await fetch(`http://localhost:${server.port}/stat-bucket/?stat`);
    assert.equal(anon.status, 403);
  });
});
