/**
 * A Ceph RADOS Gateway (S3) for tests. When RGW_ENDPOINT / RGW_ACCESS_KEY / RGW_SECRET_KEY are set, that
 * gateway is used; otherwise one is started with scripts/ceph-rgw-up.sh in a temporary directory on a free
 * loopback port, and stopped when the test process exits. When Ceph cannot be started, tests FAIL under CI
 * (env CI set) and are skipped otherwise, with the reason.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '../../src/storage/s3/client.js';

export interface Rgw {
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/ceph-rgw-up.sh');

/** A free loopback port outside the ranges Ceph's own daemons use (3300–3399, 6800–7300). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (!(port >= 3300 && port <= 3399) && !(port >= 6800 && port <= 7300)) return port;
  }
}

function parseLine(line: string): Rgw | undefined {
  const vars = Object.fromEntries(line.split(/\s+/).map((kv) => kv.split('=', 2) as [string, string]));
  const { RGW_ENDPOINT: endpoint, RGW_ACCESS_KEY: accessKey, RGW_SECRET_KEY: secretKey } = vars;
  return endpoint && accessKey && secretKey ? { endpoint, accessKey, secretKey } : undefined;
}

async function start(): Promise<Rgw | string> {
  const { RGW_ENDPOINT, RGW_ACCESS_KEY, RGW_SECRET_KEY } = process.env;
  if (RGW_ENDPOINT && RGW_ACCESS_KEY && RGW_SECRET_KEY) {
    return { endpoint: RGW_ENDPOINT, accessKey: RGW_ACCESS_KEY, secretKey: RGW_SECRET_KEY };
  }
  const parent = mkdtempSync(path.join(os.tmpdir(), 'ossd-rgw-'));
  const dir = path.join(parent, 'ceph');
  const port = await freePort();
  const stop = () => {
    spawnSync(SCRIPT, ['stop', dir], { stdio: 'ignore', timeout: 30_000 });
    rmSync(parent, { recursive: true, force: true });
  };
  const out = await new Promise<{ stdout: string; stderr: string; error?: Error }>((resolve) => {
    execFile(SCRIPT, ['start', dir, String(port)], { timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, error: error ?? undefined }),
    );
  });
  const lines = out.stdout.trim().split('\n');
  const rgw = out.error ? undefined : parseLine(lines[lines.length - 1] ?? '');
  if (!rgw) {
    stop();
    return `could not start a Ceph RGW with scripts/ceph-rgw-up.sh (${out.error?.message ?? 'no RGW_ENDPOINT line'}): ${out.stderr.trim().split('\n').slice(-5).join(' | ')}`;
  }
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(1);
    });
  }
  return rgw;
}

let started: Promise<Rgw | string> | undefined;

/**
 * The gateway, or a skip reason outside CI. Under CI (env CI set) a gateway that cannot be started is an
 * error: the S3 tests must not silently vanish there.
 */
export async function rgwOrSkip(): Promise<{ rgw: Rgw; skip?: undefined } | { rgw?: undefined; skip: string }> {
  started ??= start();
  const r = await started;
  if (typeof r !== 'string') return { rgw: r };
  if (process.env.CI) throw new Error(`S3 tests need Ceph: ${r}`);
  return { skip: `S3 tests skipped (set CI to make this an error): ${r}` };
}

export function rgwClient(rgw: Rgw, overrides: { endpoint?: string } = {}): S3Client {
  return new S3Client({
    endpoint: overrides.endpoint ?? rgw.endpoint,
    region: 'us-east-1',
    accessKeyId: rgw.accessKey,
    secretAccessKey: rgw.secretKey,
    pathStyle: true,
    connectTimeoutMs: 3000,
    responseTimeoutMs: 60_000,
    connections: 16,
  });
}

/** Creates a fresh, empty bucket and returns its name. */
export async function freshBucket(client: S3Client): Promise<string> {
  const name = `t-${randomBytes(6).toString('hex')}`;
  const res = await client.send({ method: 'PUT', bucket: name });
  await res.body.dump();
  if (res.status !== 200) throw new Error(`CreateBucket ${name}: ${res.status}`);
  return name;
}

/** Deletes every object and unfinished multipart upload in `bucket`, then the bucket (keeps RGW's memory small). */
export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  for (let guard = 0; guard < 100; guard++) {
    const doc = await client.sendXml({ method: 'GET', bucket, query: { 'list-type': '2' } });
    const keys = ((doc.ListBucketResult as { Contents?: { Key: string }[] })?.Contents ?? []).map((c) => c.Key);
    if (keys.length === 0) break;
    const body = Buffer.from(
      `<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`,
    );
    await client.sendXml({ method: 'POST', bucket, query: { delete: '' }, headers: S3Client.md5Header(body), body });
  }
  for (const u of await listUploads(client, bucket)) {
    await (await client.send({ method: 'DELETE', bucket, key: u.key, query: { uploadId: u.uploadId } })).body.dump();
  }
  await (await client.send({ method: 'DELETE', bucket })).body.dump();
}

/** Unfinished multipart uploads in `bucket` (ListMultipartUploads). */
export async function listUploads(client: S3Client, bucket: string): Promise<{ key: string; uploadId: string }[]> {
  const doc = await client.sendXml({ method: 'GET', bucket, query: { uploads: '' } });
  const uploads = (doc.ListMultipartUploadsResult as { Upload?: { Key: string; UploadId: string }[] })?.Upload ?? [];
  return uploads.map((u) => ({ key: u.Key, uploadId: u.UploadId }));
}
