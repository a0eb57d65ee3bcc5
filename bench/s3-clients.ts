/**
 * Large PUT/GET throughput of the two S3 client candidates against one S3 endpoint (e.g. a local Ceph RGW
 * from scripts/ceph-rgw-up.sh): @aws-sdk/client-s3 and the thin undici + aws4 client of src/storage/s3.
 * Bounded: ROUNDS × COUNT objects of SIZE_MIB each, per client, run alternately.
 *
 *   RGW_ENDPOINT=… RGW_ACCESS_KEY=… RGW_SECRET_KEY=… node --import tsx bench/s3-clients.ts
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client as SdkClient,
} from '@aws-sdk/client-s3';
import { S3Client as ThinClient } from '../src/storage/s3/client.js';

const endpoint = process.env.RGW_ENDPOINT ?? 'http://127.0.0.1:7480';
const accessKeyId = process.env.RGW_ACCESS_KEY ?? '';
const secretAccessKey = process.env.RGW_SECRET_KEY ?? '';
const SIZE = Number(process.env.SIZE_MIB ?? 64) * 1024 * 1024;
const COUNT = Math.min(Number(process.env.COUNT ?? 4), 16);
const ROUNDS = Math.min(Number(process.env.ROUNDS ?? 3), 10);
const bucket = `bench-${randomBytes(4).toString('hex')}`;

const sdk = new SdkClient({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId, secretAccessKey },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const thin = new ThinClient({
  endpoint,
  region: 'us-east-1',
  accessKeyId,
  secretAccessKey,
  pathStyle: true,
  connectTimeoutMs: 3000,
  responseTimeoutMs: 60_000,
  connections: 16,
});

/** Client-side CPU (user + system) per GiB moved. */
function cpuMsPerGiB(used: NodeJS.CpuUsage, mib: number): number {
  return (used.user + used.system) / 1000 / (mib / 1024);
}

async function drain(r: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const c of r) n += (c as Buffer).length;
  return n;
}

interface Candidate {
  name: string;
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<number>;
  del(key: string): Promise<void>;
}

const candidates: Candidate[] = [
  {
    name: '@aws-sdk/client-s3',
    put: async (Key, Body) => {
      await sdk.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentLength: Body.length }));
    },
    get: async (Key) => drain((await sdk.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body as Readable),
    del: async (Key) => {
      await sdk.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    },
  },
  {
    name: 'undici + aws4',
    put: async (key, body) => {
      await (await thin.send({ method: 'PUT', bucket, key, body })).body.dump();
    },
    get: async (key) => drain((await thin.send({ method: 'GET', bucket, key })).body),
    del: async (key) => {
      await (await thin.send({ method: 'DELETE', bucket, key })).body.dump();
    },
  },
];

async function main(): Promise<void> {
  await sdk.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = randomBytes(SIZE);
  const mib = (SIZE * COUNT) / 1024 / 1024;
  const results = new Map<string, { put: number[]; get: number[]; putCpu: number[]; getCpu: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of candidates) {
      const keys = Array.from({ length: COUNT }, (_, i) => `${c.name.replace(/\W/g, '')}-${round}-${i}`);
      let t = performance.now();
      let cpu = process.cpuUsage();
      for (const k of keys) await c.put(k, body);
      const put = mib / ((performance.now() - t) / 1000);
      const putCpu = cpuMsPerGiB(process.cpuUsage(cpu), mib);
      t = performance.now();
      cpu = process.cpuUsage();
      for (const k of keys) if ((await c.get(k)) !== SIZE) throw new Error('short read');
      const get = mib / ((performance.now() - t) / 1000);
      const getCpu = cpuMsPerGiB(process.cpuUsage(cpu), mib);
      for (const k of keys) await c.del(k);
      const r = results.get(c.name) ?? { put: [], get: [], putCpu: [], getCpu: [] };
      r.put.push(put);
      r.get.push(get);
      r.putCpu.push(putCpu);
      r.getCpu.push(getCpu);
      results.set(c.name, r);
      console.log(
        `round ${round} ${c.name}: PUT ${put.toFixed(0)} MiB/s (${putCpu.toFixed(0)} ms CPU/GiB), GET ${get.toFixed(0)} MiB/s (${getCpu.toFixed(0)} ms CPU/GiB)`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, r] of results) {
    console.log(
      `median ${name}: PUT ${median(r.put).toFixed(0)} MiB/s (${median(r.putCpu).toFixed(0)} ms CPU/GiB), GET ${median(r.get).toFixed(0)} MiB/s (${median(r.getCpu).toFixed(0)} ms CPU/GiB)`,
    );
  }
  console.log(`rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
  sdk.destroy();
  await thin.close();
}

await main();
