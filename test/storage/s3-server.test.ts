/**
 * A real ossd whose object bytes live in a Ceph RGW (`--blobs s3://…` with `--blobs-endpoint`), driven by the
 * real ali-oss client. The gateway is reached through a TCP relay the test can cut, to see an outage.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { S3BlobStore } from '../../src/storage/s3/blob-store.js';
import { dropBucket, freshBucket, rgwClient, rgwOrSkip } from '../helpers/rgw.js';
import { type RoundRobin, startRoundRobin } from '../helpers/round-robin.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const MiB = 1024 * 1024;
const gateway = await rgwOrSkip();

async function listed(blobs: S3BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const l of blobs.list()) out.push(l.blob);
  return out;
}

if (gateway.skip !== undefined) {
  it('ossd on S3 blobs', { skip: gateway.skip }, () => {});
} else {
  const rgw = gateway.rgw;
  describe('ossd with its object bytes in an S3 store', () => {
    let server: TestServer;
    let blobs: S3BlobStore;
    let bucket: string;
    const admin = rgwClient(rgw);

    let relay: RoundRobin;
    const rgwPort = Number(new URL(rgw.endpoint).port);

    before(async () => {
      bucket = await freshBucket(admin);
      relay = await startRoundRobin([rgwPort]);
      server = await startTestServer((c) => {
        c.blobs = `s3://${bucket}/ossd`;
        c.blobsEndpoint = `http://127.0.0.1:${relay.port}`;
        c.blobsAccessKeyId = rgw.accessKey;
        c.blobsSecretAccessKey = rgw.secretKey;
      });
      blobs = server.services.blobs as S3BlobStore;
    });

    after(async () => {
      await server.stop();
      await relay.close();
      await dropBucket(admin, bucket);
      await admin.close();
    });

    it('PUTs, GETs (whole and ranges across S3 parts), copies, multipart-uploads and deletes objects', async () => {
      const client = await withBucket(server, 'on-s3');
      const data = randomBytes(20 * MiB + 7);
      const put = await client.put('big.bin', data);
      assert.equal(put.res.status, 200);
      assert.equal(
        String((put.res.headers as Record<string, string>).etag).replace(/"/g, ''),
        createHash('md5').update(data).digest('hex').toUpperCase(),
      );
      assert.equal((await listed(blobs)).length, 1, 'the body is one blob in the S3 store');
      assert.ok((await client.get('big.bin')).content.equals(data));
      const edge = 8 * MiB;
      const range = await client.get('big.bin', { headers: { Range: `bytes=${edge - 5}-${edge + 4}` } });
      assert.equal(range.res.status, 206);
      assert.ok(range.content.equals(data.subarray(edge - 5, edge + 5)));

      const parts = randomBytes(11 * MiB);
      await client.multipartUpload('mp.bin', parts, { partSize: 5 * MiB });
      assert.ok((await client.get('mp.bin')).content.equals(parts));

      await client.copy('copy.bin', 'big.bin');
      assert.ok((await client.get('copy.bin')).content.equals(data));

      // Overwrite and delete release their blobs from the S3 store.
      await client.put('big.bin', Buffer.alloc(100 * 1024, 1));
      await client.delete('big.bin');
      await client.delete('mp.bin');
      await client.delete('copy.bin');
      assert.deepEqual(await listed(blobs), []);
    });

    it('answers 503 for bytes while the S3 store is unreachable, keeps metadata-only requests working, and recovers', async () => {
      const client = await withBucket(server, 'outage');
      await client.put('kept.bin', Buffer.alloc(200 * 1024, 7));
      await client.put('small.txt', Buffer.from('inline: kept with its record'));
      await relay.close();
      try {
        for (const attempt of [
          () => client.put('new.bin', Buffer.alloc(200 * 1024, 8)),
          () => client.get('kept.bin'),
        ]) {
          const started = Date.now();
          await assert.rejects(attempt(), (e: { status?: number; code?: string }) => {
            assert.equal(e.status, 503);
            assert.equal(e.code, 'ServiceUnavailable');
            return true;
          });
          assert.ok(Date.now() - started < 10_000, 'answered within seconds, not hung');
        }
        // Metadata-only requests do not need the object store.
        assert.equal((await client.head('kept.bin')).res.status, 200);
        assert.deepEqual(
          (await client.list({ 'max-keys': 10 }, {})).objects.map((o) => o.name),
          ['kept.bin', 'small.txt'],
        );
        assert.equal((await client.get('small.txt')).content.toString(), 'inline: kept with its record');
        const health = (await (await fetch(`http://127.0.0.1:${server.port}/-/health`)).json()) as {
          status: string;
        };
        assert.equal(health.status, 'degraded');
      } finally {
        relay = await startRoundRobin([rgwPort], relay.port);
      }
      assert.ok((await client.get('kept.bin')).content.equals(Buffer.alloc(200 * 1024, 7)));
    });
  });
}
