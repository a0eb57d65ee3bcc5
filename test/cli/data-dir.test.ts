/**
 * Data directory safety, with real `ossd serve` processes: a second server on the same --data refuses
 * to start (naming the directory and the PID holding it) while admin commands keep working; after the
 * first is SIGKILLed a new one starts (the OS drops the lock); --data naming a file, a path under a
 * file, or a place nobody (not even root) can write, exits 2 with a message naming the path.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, runToEnd, type Spawned, spawnIn, waitForPort } from '../helpers/spawn-ossd.js';

const ENV = { OSSD_LOG_LEVEL: 'warn', OSSD_CONSOLE_ADDRESS: 'off' };
const dirs: string[] = [];
const running: Spawned[] = [];

after(async () => {
  for (const p of running) await p.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ossd-datadir-'));
  dirs.push(d);
  return d;
}

const serveArgs = (port: number, data: string) => [
  '--import',
  'tsx',
  'src/cli/main.ts',
  'serve',
  '--address',
  `127.0.0.1:${port}`,
  '--data',
  data,
];

async function startServe(data: string): Promise<Spawned & { port: number }> {
  const port = await freePort();
  const p = spawnIn(process.execPath, serveArgs(port, data), ENV);
  running.push(p);
  try {
    await waitForPort(port, 30_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${p.output()}`);
  }
  return { ...p, port };
}

/** `ossd serve` expected to exit by itself (bounded): its exit code and output. */
async function serveToEnd(data: string): Promise<{ code: number | null; output: string }> {
  return runToEnd(process.execPath, serveArgs(await freePort(), data), ENV, 30_000);
}

describe('data directory safety', () => {
  it('a second server on the same --data refuses, naming the directory and the PID; after SIGKILL a new one starts', async () => {
    const data = tempDir();
    const first = await startServe(data);
    const second = await serveToEnd(data);
    assert.equal(second.code, 2, second.output);
    assert.match(second.output, /in use by another ossd/);
    assert.ok(second.output.includes(data), second.output);
    assert.ok(second.output.includes(`PID ${first.child.pid}`), second.output);
    // The first server is untouched.
    assert.equal((await fetch(`http://127.0.0.1:${first.port}/-/health`)).status, 200);

    // Admin commands share the directory with the running server.
    const keys = await runToEnd(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'keys', 'list', '--data', data],
      ENV,
      30_000,
    );
    assert.equal(keys.code, 0, keys.output);
    assert.match(keys.output, /LTAI/);

    // A crash leaves ossd.pid behind but no lock: the next start takes over.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    assert.ok(existsSync(path.join(data, 'ossd.pid')));
    const third = await startServe(data);
    assert.equal((await fetch(`http://127.0.0.1:${third.port}/-/health`)).status, 200);
    const fourth = await serveToEnd(data);
    assert.equal(fourth.code, 2);
    assert.ok(fourth.output.includes(`PID ${third.child.pid}`), fourth.output);
    // A clean stop removes the PID file.
    await third.stop();
    assert.equal(third.child.exitCode, 0, third.output());
    assert.ok(!existsSync(path.join(data, 'ossd.pid')));
  });

  it('--data naming a file', async () => {
    const file = path.join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await serveToEnd(file);
    assert.equal(r.code, 2, r.output);
    assert.ok(r.output.includes(`data directory ${file} is a file, not a directory`), r.output);
    assert.doesNotMatch(r.output, /EEXIST|at .*\.ts:/);
  });

  it('--data under a file names the file in the way', async () => {
    const file = path.join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    const r = await serveToEnd(path.join(file, 'data'));
    assert.equal(r.code, 2, r.output);
    assert.ok(r.output.includes(`${file} is a file, not a directory`), r.output);
  });

  // Places even root cannot create files in (permissions would not stop root).
  for (const [where, expected] of [
    ['/proc/ossd-test-data', /data directory \/proc\/ossd-test-data cannot be created: mkdir \/proc\/ossd-test-data:/],
    ['/proc', /data directory \/proc is not writable/],
    [
      '/sys/kernel',
      /data directory \/sys\/kernel is not writable: (permission denied|operation not permitted|read-only)/,
    ],
  ] as const) {
    it(`--data ${where}: says it cannot write there`, { skip: !existsSync(path.dirname(where)) }, async () => {
      const r = await serveToEnd(where);
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, expected);
      assert.doesNotMatch(r.output, /unable to open database file/);
    });
  }
});
