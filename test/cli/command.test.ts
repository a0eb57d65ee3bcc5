import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { startCallbackReceiver } from '../helpers/callback-receiver.js';
import { freePort, REPO } from '../helpers/spawn-ossd.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
  return env;
}

/** Runs a command in the checkout to completion (bounded). */
function run(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: REPO, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fromSource = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);

describe('the ossd command', () => {
  it('help fits an 80-column terminal', () => {
    const r = fromSource('help');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(lines.length > 40, r.stdout);
    for (const line of lines) assert.ok([...line].length <= 80, `${[...line].length} columns: ${line}`);
  });

  it('--version, -v and version print the package version', () => {
    for (const args of [['--version'], ['-v'], ['version']]) {
      const r = fromSource(...args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `ossd ${VERSION}\n`);
    }
  });

  describe('compiled (dist/, as the package runs it)', () => {
    before(() => {
      const b = run(process.execPath, ['scripts/build.mjs', '--quiet']);
      assert.equal(b.code, 0, b.stderr);
    });

    it('package.json bin and npm start run the compiled output, not a TypeScript loader', () => {
      const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
        scripts: Record<string, string>;
        files: string[];
      };
      assert.equal(pkg.bin.ossd, 'dist/cli/main.js');
      assert.match(pkg.scripts.start, /^node .*dist\/cli\/main\.js serve$/);
      assert.doesNotMatch(pkg.scripts.start, /tsx/);
      assert.match(pkg.scripts.prepare, /scripts\/build\.mjs/);
      assert.match(pkg.scripts.prestart, /scripts\/build\.mjs/);
      for (const f of ['dist/', 'web/dist/']) assert.ok(pkg.files.includes(f), `${f} is packed`);
      const head = readFileSync(path.join(REPO, pkg.bin.ossd), 'utf8').slice(0, 40);
      assert.match(head, /^#!\/usr\/bin\/env node\n/);
    });

    it('npx ossd runs in the checkout as README and help write it', () => {
      const v = run('npx', ['--no-install', 'ossd', '--version']);
      assert.equal(v.code, 0, v.stderr);
      assert.equal(v.stdout, `ossd ${VERSION}\n`);
      const h = run('npx', ['--no-install', 'ossd', 'help']);
      assert.equal(h.code, 0, h.stderr);
      assert.equal(h.stdout, fromSource('help').stdout);
    });

    it('the compiled server serves uploads with callbacks, the console and metrics', async () => {
      const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-dist-'));
      const port = await freePort();
      // An explicit console port: the default (main port + 1) may be taken by a parallel test.
      const consolePort = await freePort();
      const env = {
        ...cleanEnv(),
        OSSD_ROOT_ACCESS_KEY_ID: 'distKeyId0001',
        OSSD_ROOT_ACCESS_KEY_SECRET: 'distSecret0000000000000001',
      };
      const child = spawn(
        process.execPath,
        [
          'dist/cli/main.js',
          'serve',
          '--address',
          `127.0.0.1:${port}`,
          '--console-address',
          `127.0.0.1:${consolePort}`,
          '--data',
          data,
        ],
        {
          cwd: REPO,
          env: { ...env, OSSD_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const app = await startCallbackReceiver({ kind: 'json', body: { Status: 'OK', via: 'dist' } });
      try {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c;
        });
        child.stderr.on('data', (c: Buffer) => {
          out += c;
        });
        const deadline = Date.now() + 30_000;
        while (!out.includes('Paste into your code') && Date.now() < deadline && child.exitCode === null) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.match(out, /Paste into your code/);
        const client = new OSS({
          endpoint: `http://localhost:${port}`,
          sldEnable: true,
          accessKeyId: 'distKeyId0001',
          accessKeySecret: 'distSecret0000000000000001',
          bucket: 'examplebucket',
        } as OSS.Options);
        const put = (await client.put('cb.txt', Buffer.from('compiled'), {
          callback: { url: `${app.url}/cb`, body: 'object=${object}' },
        } as OSS.PutObjectOptions)) as { res: { status: number }; data: unknown };
        assert.equal(put.res.status, 200);
        assert.deepEqual(put.data, { Status: 'OK', via: 'dist' });
        assert.equal(app.requests.at(-1)?.body.toString(), 'object=cb.txt');
        const sdk = await fetch(`http://127.0.0.1:${consolePort}/-/console/vendor/aliyun-oss-sdk.min.js`);
        assert.equal(sdk.status, 200);
        assert.ok((await sdk.arrayBuffer()).byteLength > 100_000);
        const page = await fetch(`http://127.0.0.1:${consolePort}/-/console/`);
        assert.equal(page.status, 200);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/-/metrics`)).text();
        assert.match(metrics, /ossd_requests_total\{operation="PutObject",status="200"\} 1/);
      } finally {
        child.kill('SIGTERM');
        assert.equal(await exited, 0);
        await app.close();
        rmSync(data, { recursive: true, force: true });
      }
    });
  });
});
