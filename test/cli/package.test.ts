import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, REPO } from '../helpers/spawn-ossd.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(tag: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `ossd-${tag}-`));
  dirs.push(d);
  return d;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
  return env;
}

/** Runs a command to completion (bounded), without blocking this process's event loop. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c;
    });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/**
 * better-sqlite3's prebuilt-binary download, answered on loopback with the binary this checkout already
 * has: the install then skips compiling SQLite (a minute or two), and nothing leaves the machine for it.
 */
async function localPrebuildHost(dir: string): Promise<{ url: string; server: Server; served: () => number }> {
  const tarball = path.join(dir, 'better-sqlite3-prebuilt.tar.gz');
  const tar = await run(
    'tar',
    ['czf', tarball, '-C', path.join(REPO, 'node_modules', 'better-sqlite3'), 'build/Release/better_sqlite3.node'],
    REPO,
    30_000,
  );
  assert.equal(tar.code, 0, tar.out);
  const body = readFileSync(tarball);
  let served = 0;
  const server = createServer((req, res) => {
    if (!req.url?.endsWith('.tar.gz')) return void res.writeHead(404).end();
    served++;
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, served: () => served };
}

// The installed package on a machine with nothing else: npm pack, npm install -g into an empty prefix (the
// dependencies from npm's cache or the registry; better-sqlite3's binary from this checkout, see
// localPrebuildHost), then the `ossd` command from that prefix.
describe('the npm package', () => {
  it('packs, installs globally and runs `ossd serve`', { timeout: 115_000 }, async () => {
    const packDir = tempDir('pack');
    const prefix = tempDir('prefix');
    const pack = await run('npm', ['pack', '--pack-destination', packDir], REPO, 60_000);
    assert.equal(pack.code, 0, pack.out);
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, pack.out);
    const prebuilt = await localPrebuildHost(packDir);
    const install = await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--allow-scripts=ossd,better-sqlite3',
        path.join(packDir, tarball),
      ],
      packDir,
      90_000,
      { ...cleanEnv(), npm_config_better_sqlite3_binary_host: prebuilt.url },
    );
    prebuilt.server.close();
    assert.equal(install.code, 0, install.out);
    assert.ok(prebuilt.served() >= 1, `better-sqlite3 took the local binary: ${install.out}`);
    const ossd = path.join(prefix, 'bin', 'ossd');

    const help = await run(ossd, ['help'], packDir, 30_000);
    assert.equal(help.code, 0, help.out);
    assert.match(help.out, /^ossd — a self-hosted object store/);
    assert.match((await run(ossd, ['--version'], packDir, 30_000)).out, /^ossd \d+\.\d+\.\d+/);

    const data = tempDir('pkgdata');
    const port = await freePort();
    // An explicit console port: the default (main port + 1) may be taken by a parallel test.
    const consolePort = await freePort();
    const args = ['serve', '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`];
    const child = spawn(ossd, [...args, '--data', data], {
      cwd: packDir,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c;
    });
    try {
      let health: { status?: string } = {};
      const deadline = Date.now() + 30_000;
      while (health.status !== 'ok' && Date.now() < deadline && child.exitCode === null) {
        health = await fetch(`http://127.0.0.1:${port}/-/health`).then(
          (r) => r.json() as Promise<{ status?: string }>,
          () => ({}),
        );
        if (health.status !== 'ok') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(health.status, 'ok', out);
      assert.match(out, /Created bucket examplebucket/);
      // The console bundle is in the package.
      const page = await fetch(`http://127.0.0.1:${consolePort}/-/console/`);
      assert.equal(page.status, 200, out);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    }
  });
});
