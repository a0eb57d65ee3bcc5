/**
 * Runs API test files again on a 3-node deployment (one PostgreSQL database, one S3 bucket in a Ceph RGW, a
 * round-robin balancer in front, a new connection per request): whatever a client can do against one ossd it
 * can do against many. The files run in a child test run with OSSD_TEST_CLUSTER=3
 * (test/helpers/start-server.ts); tests about one process's own limits, memory or data directory skip
 * themselves there. The files are split into shards (test/scale-out/api-on-cluster-N.test.ts) so that each
 * test file of the outer run stays well inside its time limit on a slow CI machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { postgresUnavailable } from './postgres.js';
import { rgwOrSkip } from './rgw.js';
import { REPO } from './spawn-ossd.js';

const DIRS = ['test/api', 'test/multipart', 'test/post-object', 'test/sts', 'test/cors'];

/** Every file that runs on the cluster, sorted. */
export function clusterFiles(): string[] {
  return [
    ...DIRS.flatMap((d) =>
      readdirSync(path.join(REPO, d))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `${d}/${f}`),
    ),
    'test/callback/put-object-callback.test.ts',
    'test/security/access.test.ts',
    'test/security/symlink-access.test.ts',
  ].sort();
}

/** Shard `index` (0-based) of `count`: every count-th file, so each shard gets a mix of directories. */
export function shard(index: number, count: number): string[] {
  return clusterFiles().filter((_, i) => i % count === index);
}

/** Registers one test that runs `files` in a child test run on a 3-node cluster and fails with their errors. */
export async function testOnCluster(label: string, files: string[]): Promise<void> {
  const gateway = await rgwOrSkip();
  const skip = gateway.skip ?? (process.env.CI ? undefined : postgresUnavailable());
  it(`${label}: ${files.length} test files pass on 3 nodes sharing PostgreSQL and an S3 store`, {
    skip,
    timeout: 540_000,
  }, async () => {
    assert.ok(files.length > 0, 'an empty shard');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', '--test-reporter=tap', ...files],
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
    // Well inside this test's own timeout: a child run that has not ended by then is killed, and the files
    // that started but never finished are named (a hang shows where it is, not just that the outer file timed out).
    const limit = setTimeout(() => child.kill('SIGKILL'), 480_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(limit);
    if (code === null) {
      const started = [...out.matchAll(/^# Subtest: (\S+)$/gm)].map((m) => m[1]);
      const ended = new Set([...out.matchAll(/^(?:not )?ok \d+ - (\S+)$/gm)].map((m) => m[1]));
      assert.fail(
        `the cluster run did not end within 480 s; unfinished: ${started.filter((f) => !ended.has(f)).join(', ') || '(none)'}\n${out.slice(-4000)}`,
      );
    }
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
    assert.ok(pass > files.length * 3, `only ${pass} tests ran`);
  });
}
