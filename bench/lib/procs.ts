import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OSS from 'ali-oss';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const ROOT_ID = 'benchRootKeyId000001';
export const ROOT_SECRET = 'benchRootSecret0000000000000001';
export const BUCKET = 'bench';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before listening:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms:\n${output()}`);
}

/** A server in its own process (its own CPU and RSS), listening on 127.0.0.1:port. */
export interface ServerProc {
  name: string;
  port: number;
  origin: string;
  pid: number;
  dataDir?: string;
  output(): string;
  /** SIGTERM (graceful), SIGKILL after 20 s; removes the data directory unless keepData. */
  stop(keepData?: boolean): Promise<void>;
}

/** Every server still running, so an interrupted run can stop them and remove their data. */
export const live = new Set<ServerProc>();

/** Stops every live server (SIGINT/SIGTERM of the runner). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export async function spawnServer(
  name: string,
  nodeArgs: string[],
  args: (port: number) => string[],
  options: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<ServerProc> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, ...args(port)], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  try {
    await waitForPort(port, child, () => out);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const proc: ServerProc = {
    name,
    port,
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    dataDir: options.dataDir,
    output: () => out,
    stop: (keepData = false) =>
      new Promise<void>((resolve) => {
        const done = () => {
          live.delete(proc);
          if (options.dataDir && !keepData) rmSync(options.dataDir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(t);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
  live.add(proc);
  return proc;
}

export function tempDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ossd-bench-${tag}-`));
}

let built = false;

/** ossd as `npm start` runs it (log level warn so per-request logs do not count), data in `dataDir`. */
export async function startOssd(dataDir: string, options: { cpuProfDir?: string } = {}): Promise<ServerProc> {
  // The compiled build, as `npm start` and the `ossd` command run it (built once per bench run).
  if (!built) execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: REPO, stdio: 'inherit' });
  built = true;
  // The same V8 setting as `npm start` (package.json): a small young generation frees streamed
  // upload buffers sooner.
  const nodeArgs = ['--max-semi-space-size=8'];
  if (options.cpuProfDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir);
  return spawnServer(
    'ossd',
    nodeArgs,
    (port) => ['dist/cli/main.js', 'serve', '--address', `127.0.0.1:${port}`, '--data', dataDir, '--log-level', 'warn'],
    {
      env: { OSSD_ROOT_ACCESS_KEY_ID: ROOT_ID, OSSD_ROOT_ACCESS_KEY_SECRET: ROOT_SECRET },
      dataDir,
    },
  );
}

export function ossClient(port: number): OSS {
  return new OSS({
    endpoint: `http://127.0.0.1:${port}`,
    sldEnable: true,
    accessKeyId: ROOT_ID,
    accessKeySecret: ROOT_SECRET,
    bucket: BUCKET,
    timeout: 600_000,
  } as OSS.Options);
}

/** Creates bucket `bench` as public-read-write, so the load driver can send anonymous requests. */
export async function createBenchBucket(port: number): Promise<void> {
  const client = ossClient(port);
  await client.putBucket(BUCKET);
  await client.putBucketACL(BUCKET, 'public-read-write');
}

export function startBaseline(): Promise<ServerProc> {
  const dataDir = tempDir('baseline');
  return spawnServer('baseline', ['--import', 'tsx'], (port) => ['bench/servers/baseline.ts', dataDir, String(port)], {
    dataDir,
  });
}

/** node:http reading and discarding bodies, serving GETs from memory: the ceiling for small-object rows. */
export function startCeiling(getBytes: number): Promise<ServerProc> {
  return spawnServer('ceiling', ['--import', 'tsx'], (port) => [
    'bench/servers/ceiling.ts',
    '-',
    String(port),
    String(getBytes),
  ]);
}

export function startS3rver(): Promise<ServerProc> {
  const dataDir = tempDir('s3rver');
  return spawnServer('s3rver', ['--import', 'tsx'], (port) => ['bench/servers/s3rver.ts', dataDir, String(port)], {
    dataDir,
  });
}

export function startCallbackApp(): Promise<ServerProc> {
  return spawnServer('callback-app', ['--import', 'tsx'], (port) => ['bench/servers/callback-app.ts', String(port)]);
}

/** User + system CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 1/100 s). */
export function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Samples VmRSS every `everyMs`; stop() returns the sampled peak and the kernel's VmHWM. */
export function sampleRss(pid: number, everyMs = 25): { stop(): { peak: number; hwm: number } } {
  let peak = 0;
  const t = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid).rss);
    } catch {}
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      const now = rssOf(pid);
      return { peak: Math.max(peak, now.rss), hwm: now.hwm };
    },
  };
}

export function machine(): Record<string, string> {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  const df = sh('df', ['-h', os.tmpdir()]).split('\n').slice(-1)[0] ?? '?';
  return {
    CPU: `${os.cpus()[0]?.model ?? '?'} (nproc ${os.availableParallelism()})`,
    Memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'Disk (tmpdir)': `${os.tmpdir()} on ${df.replace(/\s+/g, ' ')}`,
    Kernel: `${os.type()} ${os.release()}`,
    Node: process.version,
  };
}
