/**
 * The S3 blob store (src/storage/s3) on a real Ceph RGW (test/helpers/rgw.ts): the storage conformance suite
 * with SQLite metadata, then what only an object store has (multipart, paging, GC by LastModified, outages).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc64 } from '../../src/storage/crc64.js';
import { StorageError } from '../../src/storage/errors.js';
import { collectOrphanBlobs } from '../../src/storage/gc.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { openS3Blobs, S3BlobStore, type S3BlobStoreOptions } from '../../src/storage/s3/blob-store.js';
import type { ObjectRecord } from '../../src/storage/types.js';
import { dropBucket, freshBucket, listUploads, type Rgw, rgwClient, rgwOrSkip } from '../helpers/rgw.js';
import { type Backend, storageConformance } from './conformance.js';

const MiB = 1024 * 1024;
const gateway = await rgwOrSkip();

interface S3Backend extends Backend {
  blobs: S3BlobStore;
  bucket: string;
}

async function openS3(rgw: Rgw, options: S3BlobStoreOptions = {}): Promise<S3Backend> {
  const admin = rgwClient(rgw);
  const bucket = await freshBucket(admin);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-s3-'));
  const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
  const blobs = await openS3Blobs(`s3://${bucket}/blobs`, {
    endpoint: rgw.endpoint,
    accessKeyId: rgw.accessKey,
    secretAccessKey: rgw.secretKey,
    ...options,
  });
  return {
    meta,
    blobs,
    bucket,
    close: async () => {
      await blobs.close();
      await meta.close();
      await dropBucket(admin, bucket);
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `data` as a stream of 64 KiB chunks, as a socket would deliver it. */
function chunked(data: Buffer, delayMs = 0): Readable {
  return Readable.from(
    (async function* () {
      for (let off = 0; off < data.length; off += 64 * 1024) {
        if (delayMs) await sleep(delayMs);
        yield data.subarray(off, off + 64 * 1024);
      }
    })(),
  );
}

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listed(blobs: S3BlobStore): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const l of blobs.list()) out.set(l.blob, l.modifiedAt);
  return out;
}

async function headEtag(b: S3Backend, blob: string): Promise<string> {
  const res = await b.blobs.client.send({ method: 'HEAD', bucket: b.bucket, key: `blobs/${blob.slice(0, 2)}/${blob}` });
  await res.body.dump();
  return String(res.headers.etag);
}

function isUnavailable(e: unknown): boolean {
  return e instanceof StorageError && e.kind === 'unavailable';
}

if (gateway.skip !== undefined) {
  it('S3 blob store on Ceph RGW', { skip: gateway.skip }, () => {});
} else {
  const rgw = gateway.rgw;
  storageConformance('SQLite + S3 blobs (Ceph RGW)', () => openS3(rgw));

  describe('S3 blob store specifics', () => {
    it('sends a 20+ MiB blob as a multipart upload that round-trips with its MD5 and CRC-64, ranges across parts', async () => {
      const b = await openS3(rgw);
      try {
        const data = randomBytes(21 * MiB + 123);
        const w = await b.blobs.write(chunked(data), { maxBytes: 64 * MiB });
        assert.match(w.blob, /^[0-9a-f]{32}$/);
        assert.equal(w.size, data.length);
        assert.deepEqual(w.md5, createHash('md5').update(data).digest());
        assert.equal(w.crc64, crc64(data));
        // 8 MiB parts: 8 + 8 + 5 MiB; an S3 multipart object's ETag ends in -<parts>.
        assert.match(await headEtag(b, w.blob), /-3"$/);
        assert.ok((await readAll(await b.blobs.read(w.blob))).equals(data));
        const edge = 8 * MiB;
        assert.ok(
          (await readAll(await b.blobs.read(w.blob, edge - 10, edge + 9))).equals(data.subarray(edge - 10, edge + 10)),
        );
        assert.ok(
          (await b.blobs.readBuffer(w.blob, 2 * edge - 1, 2 * edge)).equals(data.subarray(2 * edge - 1, 2 * edge + 1)),
        );
        assert.ok((await readAll(await b.blobs.read(w.blob, 5, data.length - 1))).equals(data.subarray(5)));
        // A body of exactly one part is a single PutObject (a plain MD5 ETag).
        const one = randomBytes(8 * MiB);
        const single = await b.blobs.write(chunked(one), { maxBytes: 64 * MiB });
        assert.equal(await headEtag(b, single.blob), `"${createHash('md5').update(one).digest('hex')}"`);
        assert.equal(single.crc64, crc64(one));
      } finally {
        await b.close();
      }
    });

    it('refuses a body past maxBytes mid-multipart and leaves no object and no unfinished upload', async () => {
      const b = await openS3(rgw, { partSize: 5 * MiB });
      try {
        await assert.rejects(
          b.blobs.write(chunked(randomBytes(20 * MiB)), { maxBytes: 12 * MiB }),
          (e: unknown) => e instanceof StorageError && e.kind === 'too-large',
        );
        assert.equal((await listed(b.blobs)).size, 0);
        assert.deepEqual(await listUploads(b.blobs.client, b.bucket), []);
        assert.equal(b.blobs.inFlight().size, 0);
      } finally {
        await b.close();
      }
    });

    it('aborts the multipart upload when the client goes away mid-body', async () => {
      const b = await openS3(rgw, { partSize: 5 * MiB });
      try {
        const part = randomBytes(6 * MiB);
        const source = Readable.from(
          (async function* () {
            yield part;
            yield part;
            throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
          })(),
        );
        await assert.rejects(
          b.blobs.write(source, { maxBytes: 64 * MiB }),
          (e: unknown) => e instanceof StorageError && e.kind === 'client-aborted',
        );
        assert.equal((await listed(b.blobs)).size, 0);
        assert.deepEqual(await listUploads(b.blobs.client, b.bucket), []);
      } finally {
        await b.close();
      }
    });

    it('fails a write that runs longer than maxWriteMs and leaves nothing behind', async () => {
      const b = await openS3(rgw, { partSize: 5 * MiB, maxWriteMs: 300 });
      try {
        // 6 MiB in 96 chunks, 5 ms apart: about half a second, past the 300 ms limit.
        await assert.rejects(
          b.blobs.write(chunked(randomBytes(6 * MiB), 5), { maxBytes: 64 * MiB }),
          (e: unknown) => e instanceof StorageError && /maxWriteMs/.test(e.message),
        );
        assert.equal((await listed(b.blobs)).size, 0);
        assert.deepEqual(await listUploads(b.blobs.client, b.bucket), []);
      } finally {
        await b.close();
      }
    });

    it('lists past one page of 1000 objects, ignoring keys that are not blobs, and deletes in batches', async () => {
      const b = await openS3(rgw);
      try {
        const ids: string[] = [];
        const queue = Array.from({ length: 1010 }, (_, i) => i);
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
              ids.push((await b.blobs.write(Readable.from([Buffer.from([i & 255])]), { maxBytes: 10 })).blob);
            }
          }),
        );
        const stray = await b.blobs.client.send({
          method: 'PUT',
          bucket: b.bucket,
          key: 'blobs/00/README',
          body: Buffer.from('not a blob'),
        });
        await stray.body.dump();
        const seen = await listed(b.blobs);
        assert.equal(seen.size, 1010);
        assert.deepEqual([...seen.keys()].sort(), ids.sort());
        await b.blobs.delete([...ids, `i${'5'.repeat(32)}`]);
        assert.equal((await listed(b.blobs)).size, 0);
      } finally {
        await b.close();
      }
    });

    it('garbage collection with a grace window deletes an old orphan, keeps a young one and referenced ones', async () => {
      const b = await openS3(rgw);
      try {
        const write = async (s: string) =>
          (await b.blobs.write(Readable.from([Buffer.from(s)]), { maxBytes: 100 })).blob;
        const kept = await write('kept');
        const old = await write('old orphan');
        await sleep(2200); // LastModified has one-second resolution
        const young = await write('young orphan');
        const record: ObjectRecord = {
          bucket: 'b',
          key: 'k',
          type: 'Normal',
          size: 4,
          etag: 'E',
          crc64: '0',
          lastModified: 1,
          acl: 'default',
          storageClass: 'Standard',
          contentType: 'text/plain',
          meta: {},
          tags: {},
          segments: [{ blob: kept, size: 4, crc64: '0' }],
        };
        await b.meta.putObject(record);
        const times = await listed(b.blobs);
        const youngAt = times.get(young);
        assert.ok(youngAt !== undefined && (times.get(old) ?? Infinity) <= youngAt - 1000);
        // Seen from half a second after the young orphan was written, with a one-second grace window.
        assert.equal(await collectOrphanBlobs(b.meta, b.blobs, { graceMs: 1000, now: youngAt + 500 }), 1);
        assert.deepEqual([...(await listed(b.blobs)).keys()].sort(), [kept, young].sort());
        await assert.rejects(b.blobs.read(old), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
        assert.ok((await readAll(await b.blobs.read(young))).equals(Buffer.from('young orphan')));
      } finally {
        await b.close();
      }
    });

    it('reports an unreachable store as StorageError unavailable within seconds', async () => {
      // A loopback port nobody listens on.
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const store = new S3BlobStore('s3://nowhere/p', {
        endpoint: `http://127.0.0.1:${port}`,
        accessKeyId: 'k',
        secretAccessKey: 's',
      });
      const t0 = Date.now();
      try {
        await assert.rejects(store.ping(), isUnavailable);
        await assert.rejects(store.read('a'.repeat(32)), isUnavailable);
        await assert.rejects(store.readBuffer('a'.repeat(32), 0, 0), isUnavailable);
        await assert.rejects(store.write(Readable.from([Buffer.from('x')]), { maxBytes: 10 }), isUnavailable);
        await assert.rejects(
          (async () => {
            for await (const _ of store.list());
          })(),
          isUnavailable,
        );
        await assert.rejects(
          openS3Blobs('s3://nowhere/p', {
            endpoint: `http://127.0.0.1:${port}`,
            accessKeyId: 'k',
            secretAccessKey: 's',
          }),
          isUnavailable,
        );
        assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
        assert.equal(store.inFlight().size, 0);
      } finally {
        await store.close();
      }
    });

    it('reports a store answering 5xx as StorageError unavailable', async () => {
      const server = http.createServer((req, res) => {
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SlowDown</Code><Message>busy</Message></Error>');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      const store = new S3BlobStore('s3://busy', { endpoint, accessKeyId: 'k', secretAccessKey: 's' });
      try {
        await assert.rejects(store.ping(), isUnavailable);
        await assert.rejects(
          store.read('a'.repeat(32), 0, 9),
          (e: unknown) => isUnavailable(e) && /SlowDown/.test(String(e)),
        );
        await assert.rejects(store.write(Readable.from([Buffer.from('x')]), { maxBytes: 10 }), isUnavailable);
      } finally {
        await store.close();
        server.close();
      }
    });

    it('recovers once an unreachable store is back', async () => {
      const upstream = new URL(rgw.endpoint);
      const sockets = new Set<net.Socket>();
      const proxy = () =>
        net.createServer((down) => {
          const up = net.connect(Number(upstream.port), upstream.hostname);
          sockets.add(down).add(up);
          down.pipe(up).pipe(down);
          const drop = () => {
            down.destroy();
            up.destroy();
          };
          down.on('error', drop).on('close', drop);
          up.on('error', drop).on('close', drop);
        });
      let server = proxy();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      const b = await openS3(rgw, { endpoint: `http://127.0.0.1:${port}` });
      try {
        const w = await b.blobs.write(Readable.from([Buffer.from('survives')]), { maxBytes: 100 });
        // The store goes away: listener closed, open connections cut.
        await new Promise<void>((r) => {
          server.close(() => r());
          for (const s of sockets) s.destroy();
        });
        const t0 = Date.now();
        await assert.rejects(b.blobs.read(w.blob), isUnavailable);
        await assert.rejects(b.blobs.ping(), isUnavailable);
        assert.ok(Date.now() - t0 < 5000);
        // And comes back on the same address.
        server = proxy();
        await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
        await b.blobs.ping();
        assert.ok((await readAll(await b.blobs.read(w.blob))).equals(Buffer.from('survives')));
        const again = await b.blobs.write(Readable.from([Buffer.from('new')]), { maxBytes: 100 });
        assert.ok((await b.blobs.readBuffer(again.blob, 0, 2)).equals(Buffer.from('new')));
      } finally {
        await b.close();
        await new Promise<void>((r) => {
          server.close(() => r());
          for (const s of sockets) s.destroy();
        });
      }
    });
  });
}
