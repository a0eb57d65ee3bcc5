/**
 * By-hand benchmark of encryption at rest: large PUT and GET (one stream at a time) into a plain bucket and
 * into a bucket whose default is AES256, against an ossd started from this checkout in its own process.
 * Reports throughput (median of the runs) and the server's CPU seconds per GiB moved (from /proc).
 *
 *   node --import tsx bench/encryption-at-rest.ts [SIZE_MIB=64] [RUNS=6]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OSS from 'ali-oss';

const SIZE = Number(process.argv[2] ?? 64) * 1024 * 1024;
const RUNS = Number(process.argv[3] ?? 6);
const PORT = 18590 + Math.floor(Math.random() * 100);
const ID = 'benchroot';
const SECRET = 'benchrootsecret0123456789';

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function request(method: string, p: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: PORT, method, path: p }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(n) : reject(new Error(`${method} ${p}: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    if (body) req.setHeader('content-length', body.length);
    req.end(body);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(pid: number, fn: () => Promise<unknown>): Promise<{ mibs: number; cpuPerGiB: number }> {
  const rates: number[] = [];
  const cpu0 = cpuSeconds(pid);
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(SIZE / 1024 / 1024 / s);
  }
  const cpu = cpuSeconds(pid) - cpu0;
  return { mibs: median(rates), cpuPerGiB: cpu / ((SIZE * RUNS) / 1024 ** 3) };
}

async function main(): Promise<void> {
  const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-bench-enc-'));
  const server: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--address',
      `127.0.0.1:${PORT}`,
      '--console-address',
      'off',
      '--data',
      data,
      '--log-level',
      'warn',
    ],
    {
      env: {
        ...process.env,
        OSSD_ROOT_ACCESS_KEY_ID: ID,
        OSSD_ROOT_ACCESS_KEY_SECRET: SECRET,
        OSSD_ENCRYPTION_KEY: `bench:${randomBytes(32).toString('base64')}`,
      },
      stdio: 'inherit',
    },
  );
  try {
    const client = new OSS({
      endpoint: `http://127.0.0.1:${PORT}`,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      sldEnable: true,
    } as OSS.Options);
    for (let i = 0; ; i++) {
      if (i > 120) throw new Error('ossd did not start');
      try {
        await client.listBuckets({});
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const body = randomBytes(SIZE);
    for (const b of ['plain-b', 'aes-b']) {
      await client.putBucket(b);
      await client.putBucketACL(b, 'public-read-write');
    }
    await (
      client as unknown as { putBucketEncryption(b: string, o: { SSEAlgorithm: string }): Promise<unknown> }
    ).putBucketEncryption('aes-b', { SSEAlgorithm: 'AES256' });
    const pid = server.pid!;
    const rows: string[] = [];
    for (const b of ['plain-b', 'aes-b', 'plain-b', 'aes-b']) {
      const put = await measure(pid, () => request('PUT', `/${b}/obj`, body));
      const get = await measure(pid, () => request('GET', `/${b}/obj`));
      rows.push(
        `| ${b === 'aes-b' ? 'AES256 (bucket default)' : 'plain'} | ${put.mibs.toFixed(0)} MiB/s | ${put.cpuPerGiB.toFixed(2)} s | ${get.mibs.toFixed(0)} MiB/s | ${get.cpuPerGiB.toFixed(2)} s |`,
      );
    }
    console.log(
      `${SIZE / 1024 / 1024} MiB objects, ${RUNS} runs each, c1, median; load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    console.log('| Bucket | PUT | ossd CPU per GiB PUT | GET | ossd CPU per GiB GET |\n|---|---|---|---|---|');
    console.log(rows.join('\n'));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
