import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { collectAbandonedUploads } from '../../src/storage/multipart-gc.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { loose, partList, rejectsWith, storedBlobs, tempFile } from './helpers.js';

const KB = 1024;

/** Every blob on disk is referenced by metadata and every referenced blob is on disk. */
async function assertNoOrphans(server: TestServer): Promise<void> {
  const onDisk = await storedBlobs(server);
  // Every blob on disk is referenced (the store's own index agrees)…
  const referenced = await server.services.meta.referencedAmong([...onDisk]);
  assert.deepEqual([...referenced].sort(), [...onDisk].sort());
  // …and every blob an object or part references is on disk (read from the embedded store's tables).
  if (!(server.services.meta instanceof SqliteMetadataStore)) return;
  const { db } = server.services.meta;
  const all = db.prepare('SELECT blob FROM blob_refs UNION SELECT blob FROM parts').pluck().all() as string[];
  assert.deepEqual(all.sort(), [...onDisk].sort());
  // No part outlives its upload.
  const dangling = db
    .prepare('SELECT COUNT(*) AS n FROM parts WHERE upload_id NOT IN (SELECT upload_id FROM uploads)')
    .get() as {
    n: number;
  };
  assert.equal(dangling.n, 0);
}

describe('multipart concurrency', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'races');
  });
  after(() => server.stop());

  it('parallel UploadParts, including the same part number at once, leave one blob per part', async () => {
    const { uploadId } = await client.initMultipartUpload('parallel.bin');
    const parts = Array.from({ length: 12 }, () => randomBytes(100 * KB));
    const sameNumber = Array.from({ length: 5 }, (_, i) => Buffer.alloc(1000, i));
    await Promise.all([
      ...parts.map((p, i) => client.uploadPart('parallel.bin', uploadId, i + 1, p as unknown as string, 0, p.length)),
      ...sameNumber.map((p) => client.uploadPart('parallel.bin', uploadId, 13, p as unknown as string, 0, p.length)),
    ]);
    const listed = await loose(client).listParts('parallel.bin', uploadId, {});
    const list = partList(listed.parts);
    assert.deepEqual(
      list.map((p) => Number(p.PartNumber)),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    await assertNoOrphans(server);
    const done = await client.completeMultipartUpload(
      'parallel.bin',
      uploadId,
      list.map((p) => ({ number: Number(p.PartNumber), etag: p.ETag })),
    );
    assert.equal(done.res.status, 200);
    const got = Buffer.from((await client.get('parallel.bin')).content);
    assert.ok(got.subarray(0, 12 * 100 * KB).equals(Buffer.concat(parts)));
    const last = got.subarray(12 * 100 * KB);
    assert.ok(
      sameNumber.some((p) => p.equals(last)),
      'part 13 is one of the contenders, whole',
    );
    await assertNoOrphans(server);
  });

  it('Complete racing Abort (and a late part): one wins, no half-completed object, no orphan blobs', async (t) => {
    const outcomes = { completed: 0, aborted: 0, latePart: 0 };
    for (let round = 0; round < 12; round++) {
      const key = `race-${round}.bin`;
      const a = randomBytes(100 * KB);
      const b = randomBytes(3000);
      const { uploadId } = await client.initMultipartUpload(key);
      const p1 = await client.uploadPart(key, uploadId, 1, a as unknown as string, 0, a.length);
      const p2 = await client.uploadPart(key, uploadId, 2, b as unknown as string, 0, b.length);
      const late = randomBytes(500);
      // Vary who starts first and by how much, so each side wins some rounds.
      const delays = [round % 3, (round + 1) % 3, (round + 2) % 3].map((d) => d * (round % 4));
      const after = <T>(ms: number, f: () => Promise<T>) =>
        new Promise<void>((resolve) => setTimeout(resolve, ms)).then(f);
      const [complete, abort, part] = await Promise.allSettled([
        after(delays[0], () =>
          client.completeMultipartUpload(key, uploadId, [
            { number: 1, etag: p1.etag },
            { number: 2, etag: p2.etag },
          ]),
        ),
        after(delays[1], () => client.abortMultipartUpload(key, uploadId)),
        after(delays[2], () => client.uploadPart(key, uploadId, 3, late as unknown as string, 0, late.length)),
      ]);
      assert.ok((complete.status === 'fulfilled') !== (abort.status === 'fulfilled'), 'exactly one wins');
      const loser = complete.status === 'fulfilled' ? abort : complete;
      assert.equal((loser as PromiseRejectedResult).reason.code, 'NoSuchUpload');
      if (part.status === 'rejected') assert.equal(part.reason.code, 'NoSuchUpload');
      else outcomes.latePart++;
      if (complete.status === 'fulfilled') {
        outcomes.completed++;
        const got = Buffer.from((await client.get(key)).content);
        assert.ok(got.equals(Buffer.concat([a, b])));
      } else {
        outcomes.aborted++;
        await rejectsWith(client.head(key), 'NoSuchKey', 404);
      }
      await rejectsWith(loose(client).listParts(key, uploadId, {}), 'NoSuchUpload', 404);
    }
    assert.equal(outcomes.completed + outcomes.aborted, 12);
    t.diagnostic(
      `completed ${outcomes.completed}, aborted ${outcomes.aborted}, late part accepted ${outcomes.latePart}`,
    );
    assert.equal((await loose(client).listUploads({})).uploads.length, 0);
    await assertNoOrphans(server);
  });
});

describe('collection of abandoned uploads', { skip: ONE_NODE_ONLY }, () => {
  it('collectAbandonedUploads aborts only uploads older than the age and deletes their parts', async () => {
    const server = await startTestServer();
    try {
      const client = await withBucket(server, 'gcdirect');
      const { uploadId } = await client.initMultipartUpload('old.bin');
      await client.uploadPart('old.bin', uploadId, 1, randomBytes(100) as unknown as string, 0, 100);
      const { meta, blobs } = server.services;
      const day = 24 * 3_600_000;
      assert.equal(await collectAbandonedUploads(meta, blobs, day), 0);
      assert.equal((await loose(client).listUploads({})).uploads.length, 1);
      assert.equal(await collectAbandonedUploads(meta, blobs, day, Date.now() + 2 * day), 1);
      assert.equal((await loose(client).listUploads({})).uploads.length, 0);
      assert.equal((await storedBlobs(server)).size, 0);
      await rejectsWith(
        client.uploadPart('old.bin', uploadId, 2, Buffer.from('x') as unknown as string, 0, 1),
        'NoSuchUpload',
        404,
      );
    } finally {
      await server.stop();
    }
  });

  it('the server timer collects uploads past --multipart-max-age-hours; ali-oss resume then aborts', async () => {
    const server = await startTestServer((c) => {
      c.multipartMaxAgeHours = 1 / 3600; // one second: the timer runs every 500 ms
    });
    const { file, cleanup } = tempFile(300 * KB);
    try {
      const client = await withBucket(server, 'gctimer');
      let checkpoint: { uploadId: string } | undefined;
      const stop = new Error('stop');
      await assert.rejects(
        client.multipartUpload('abandoned.bin', file, {
          partSize: 100 * KB,
          parallel: 1,
          progress: async (_p: number, cpt: { uploadId: string; doneParts: unknown[] }) => {
            checkpoint = cpt;
            if (cpt?.doneParts.length === 1) throw stop;
          },
        } as unknown as OSS.MultipartUploadOptions),
        (err) => err === stop,
      );
      assert.equal((await loose(client).listUploads({})).uploads.length, 1);
      assert.equal((await storedBlobs(server)).size, 1);
      const deadline = Date.now() + 5000;
      while ((await loose(client).listUploads({})).uploads.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await loose(client).listUploads({})).uploads.length, 0);
      assert.equal((await storedBlobs(server)).size, 0);
      // ali-oss treats the 404 NoSuchUpload on a part as an abort.
      await assert.rejects(
        client.multipartUpload('abandoned.bin', file, {
          partSize: 100 * KB,
          checkpoint,
        } as unknown as OSS.MultipartUploadOptions),
        (err: { name: string }) => err.name === 'abort',
      );
      // Deleting the bucket works once nothing is in progress.
      await client.deleteBucket('gctimer');
    } finally {
      cleanup();
      await server.stop();
    }
  });
});
