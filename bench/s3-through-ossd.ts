/**
 * Large PUT/GET through an ossd whose object bytes live in an S3 store, against the same HTTP client
 * (undici) talking straight to that store. Bounded: ROUNDS × COUNT objects of SIZE_MIB each, alternately.
 * The ossd is a test server with its blob store swapped for an S3BlobStore (as in
 * test/storage/s3-server.test.ts), in this process.
 *
 *   RGW_ENDPOINT=… RGW_ACCESS_KEY=… RGW_SECRET_KEY=… node --import tsx bench/s3-through-ossd.ts
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { openS3Blobs } from '../src/storage/s3/blob-store.js';
import { dropBucket, freshBucket, rgwClient } from '../test/helpers/rgw.js';
import { startTestServer } from '../test/helpers/start-server.js';

const rgw = {
  endpoint: process.env.RGW_ENDPOINT ?? 'http://127.0.0.1:7480',
  accessKey: process.env.RGW_ACCESS_KEY ?? '',
  secretKey: process.env.RGW_SECRET_KEY ?? '',
};
const SIZE = Number(process.env.SIZE_MIB ?? 64) * 1024 * 1024;
const COUNT = Math.min(Number(process.env.COUNT ?? 2), 16);
const ROUNDS = Math.min(Number(process.env.ROUNDS ?? 3), 10);

const s3 = rgwClient(rgw);
const bucket = await freshBucket(s3);
const blobs = await openS3Blobs(`s3://${bucket}/ossd`, {
  endpoint: rgw.endpoint,
  accessKeyId: rgw.accessKey,
  secretAccessKey: rgw.secretKey,
  partSize: process.env.PART_MIB ? Number(process.env.PART_MIB) * 1024 * 1024 : undefined,
  partsInFlight: process.env.PARTS_IN_FLIGHT ? Number(process.env.PARTS_IN_FLIGHT) : undefined,
});
const server = await startTestServer();
server.services.blobs = blobs;
const oss = server.client({ bucket: 'bench' });
await oss.putBucket('bench');
await oss.putBucketACL('bench', 'public-read-write');
const ossd = `http://127.0.0.1:${server.port}/bench`;

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const c of body) n += (c as Buffer).length;
  return n;
}

const paths = {
  'straight to S3 (undici + aws4)': {
    put: async (key: string, body: Buffer) => (await s3.send({ method: 'PUT', bucket, key, body })).body.dump(),
    get: async (key: string) => drain((await s3.send({ method: 'GET', bucket, key })).body),
    del: async (key: string) => (await s3.send({ method: 'DELETE', bucket, key })).body.dump(),
  },
  'through ossd (undici, anonymous)': {
    put: async (key: string, body: Buffer) => (await request(`${ossd}/${key}`, { method: 'PUT', body })).body.dump(),
    get: async (key: string) => drain((await request(`${ossd}/${key}`)).body),
    del: async (key: string) => (await request(`${ossd}/${key}`, { method: 'DELETE' })).body.dump(),
  },
};

const body = randomBytes(SIZE);
const mib = (SIZE * COUNT) / 1024 / 1024;
const results: Record<string, { put: number[]; get: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, p] of Object.entries(paths)) {
    const keys = Array.from({ length: COUNT }, (_, i) => `r${round}-${i}`);
    let t = performance.now();
    for (const k of keys) await p.put(k, body);
    const put = mib / ((performance.now() - t) / 1000);
    t = performance.now();
    for (const k of keys) if ((await p.get(k)) !== SIZE) throw new Error(`short read via ${name}`);
    const get = mib / ((performance.now() - t) / 1000);
    for (const k of keys) await p.del(k);
    results[name] ??= { put: [], get: [] };
    results[name].put.push(put);
    results[name].get.push(get);
    console.log(`round ${round} ${name}: PUT ${put.toFixed(0)} MiB/s, GET ${get.toFixed(0)} MiB/s`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, r] of Object.entries(results)) {
  console.log(`median ${name}: PUT ${median(r.put).toFixed(0)} MiB/s, GET ${median(r.get).toFixed(0)} MiB/s`);
}
await server.stop();
await blobs.close();
await dropBucket(s3, bucket);
await s3.close();
