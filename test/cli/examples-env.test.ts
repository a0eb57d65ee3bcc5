import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/spawn-ossd.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_') && !k.startsWith('OSS_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs an example to completion (bounded; async so the in-process server keeps answering). */
function runExample(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} timed out: ${out}${err}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

const EXAMPLES = [
  ['examples/round-trip.mjs'],
  ['examples/seed-sample.mjs'],
  ['--import', 'tsx', 'examples/browser-upload/server.ts'],
];

describe('examples: one credentials convention', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  for (const args of EXAMPLES) {
    it(`${args.at(-1)} without keys: a one-line message naming OSSD_ACCESS_KEY_ID, exit 2, no stack trace`, async () => {
      const r = await runExample(args, cleanEnv({ OSSD_ENDPOINT: `http://localhost:${server.port}` }));
      assert.equal(r.code, 2, r.out + r.err);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /OSSD_ACCESS_KEY_ID and OSSD_ACCESS_KEY_SECRET/);
      assert.doesNotMatch(r.err + r.out, /\n\s+at /);
    });
  }

  for (const [idVar, secretVar] of [
    ['OSSD_ACCESS_KEY_ID', 'OSSD_ACCESS_KEY_SECRET'],
    ['OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET'],
  ]) {
    it(`round-trip.mjs reads ${idVar} / ${secretVar} and OSSD_ENDPOINT`, async () => {
      const r = await runExample(
        ['examples/round-trip.mjs'],
        cleanEnv({
          OSSD_ENDPOINT: `http://localhost:${server.port}`,
          [idVar]: ROOT_ID,
          [secretVar]: ROOT_SECRET,
          OSSD_BUCKET: `rt-${idVar.length}`,
        }),
      );
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /get +"hello from ali-oss\\n"/);
    });
  }
});
