import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO } from '../helpers/spawn-ossd.js';

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
  });
});
