/**
 * A real ossd whose object bytes live in a Ceph RGW, driven by the real ali-oss client. Until the server's
 * start-up wiring opens the S3 store from its flags, the test swaps the S3BlobStore into a running test
 * server's services (request handlers take the blob store from there on every request).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openS3Blobs, S3BlobStore } from '../../src/storage/s3/blob-store.js';
import { dropBucket, freshBucket, rgwClient, rgwOrSkip } from '../helpers/rgw.js';
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

    before(async () => {
      bucket = await freshBucket(admin);
      blobs = await openS3Blobs(`s3://${bucket}/ossd`, {
        endpoint: rgw.endpoint,
        accessKeyId: rgw.accessKey,
        secretAccessKey: rgw.secretKey,
      });
      server = await startTestServer();
      server.services.blobs = blobs;
    });

    after(async () => {
      await server.stop();
      await blobs.close();
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

    it('answers 503 ServiceUnavailable while the S3 store is unreachable, and serves again once it is back', async () => {
      const client = await withBucket(server, 'outage');
      await client.put('kept.bin', Buffer.alloc(200 * 1024, 7));
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const down = new S3BlobStore(`s3://${bucket}/ossd`, {
        endpoint: `http://127.0.0.1:${port}`,
        accessKeyId: rgw.accessKey,
        secretAccessKey: rgw.secretKey,
      });
      server.services.blobs = down;
      try {
        for (const attempt of [
          () => client.put('new.bin', Buffer.alloc(200 * 1024, 8)),
          () => client.get('kept.bin'),
        ]) {
          await assert.rejects(attempt(), (e: { status?: number; code?: string }) => {
            assert.equal(e.status, 503);
            assert.equal(e.code, 'ServiceUnavailable');
            return true;
          });
        }
      } finally {
        server.services.blobs = blobs;
        await down.close();
      }
      assert.ok((await client.get('kept.bin')).content.equals(Buffer.alloc(200 * 1024, 7)));
    });
  });
}
