/**
 * The ali-oss API, multipart, callback, PostObject and STS tests, run again on a 3-node deployment (one
 * PostgreSQL database, one S3 bucket in a Ceph RGW, a round-robin balancer in front, a new connection per
 * request): whatever a client can do against one ossd it can do against many. The files run in a child test
 * run with OSSD_TEST_CLUSTER=3 (test/helpers/start-server.ts); tests about one process's own limits, memory
 * or data directory skip themselves there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { postgresUnavailable } from '../helpers/postgres.js';
import { rgwOrSkip } from '../helpers/rgw.js';
import { REPO } from '../helpers/spawn-ossd.js';

const DIRS = ['test/api', 'test/multipart', 'test/post-object', 'test/sts', 'test/cors'];
const FILES = [
  ...DIRS.flatMap((d) =>
    readdirSync(path.join(REPO, d))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `${d}/${f}`),
  ),
  'test/callback/put-object-callback.test.ts',
  'test/security/access.test.ts',
  'test/security/symlink-access.test.ts',
].sort();

const gateway = await rgwOrSkip();
const skip = gateway.skip ?? (process.env.CI ? undefined : postgresUnavailable());

it(`${FILES.length} test files pass on 3 nodes sharing PostgreSQL and an S3 store`, {
  skip,
  timeout: 900_000,
}, async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', '--test-reporter=tap', ...FILES],
    // Without NODE_TEST_CONTEXT the child is a test run of its own, not a file of this one.
    {
      cwd: REPO,
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, OSSD_TEST_CLUSTER: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const pass = Number(/^# pass (\d+)$/m.exec(out)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)$/m.exec(out)?.[1] ?? -1);
  // Each failed test with the lines that follow it (its error), so CI shows why.
  const lines = out.split('\n');
  const failed = lines
    .flatMap((l, i) => (/^\s*not ok /.test(l) ? lines.slice(i, i + 30) : []))
    .join('\n')
    .slice(0, 20_000);
  assert.equal(fail, 0, `failed on the cluster:\n${failed}\n${out.slice(-4000)}`);
  assert.equal(code, 0, out.slice(-4000));
  assert.ok(pass > 200, `only ${pass} tests ran`);
});
