import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, REPO } from '../helpers/spawn-ossd.js';

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_') && !k.startsWith('OSS_')) env[k] = v;
  return { ...env, ...extra };
}

/** `ossd serve` from the sources; resolves with its banner once printed, and a bounded stop. */
async function serve(port: number, data: string, env: NodeJS.ProcessEnv = cleanEnv()) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--address', `127.0.0.1:${port}`, '--data', data],
    { cwd: REPO, env: { ...env, OSSD_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stderr?.on('data', (c: Buffer) => {
    out += c;
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`ossd did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c;
      if (/Paste into your code[\s\S]*\}\);/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`ossd exited with ${code}: ${out}`)));
  });
  return {
    banner: out,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      children.delete(child);
    },
  };
}

/** The client snippet exactly as the banner prints it. */
function snippetOf(banner: string): string {
  const m = /Paste into your code \(ali-oss\):\n([\s\S]*?\n {2}\}\);\n)/.exec(banner);
  assert.ok(m, banner);
  return m[1];
}

function node(args: string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  const r = spawnSync(process.execPath, args, { cwd: REPO, env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("a newcomer's first start", () => {
  it('the printed snippet works as printed: examplebucket exists, private, owned by root', async () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-first-'));
    dirs.push(data);
    const port = await freePort();
    const first = await serve(port, data);
    assert.match(first.banner, /Created bucket examplebucket \(private, owned by the root account\)/);
    const snippet = snippetOf(first.banner);
    assert.match(snippet, /accessKeySecret: '[^<']{20,}'/, 'the generated secret is in the snippet');
    // The snippet, unchanged, then a put and a get with the client it made.
    const program = `${snippet}
(async () => {
  await client.put('hello.txt', Buffer.from('hello, ossd'));
  const got = await client.get('hello.txt');
  console.log('got:', got.content.toString());
})().catch((err) => { console.error(err.code || err.name, err.message); process.exit(1); });
`;
    const r = node(['--input-type=commonjs', '-e', program]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.stdout, 'got: hello, ossd\n');
    await first.stop();

    // Private and owned by the root account.
    const list = node(['--import', 'tsx', 'src/cli/main.ts', 'bucket', 'list', '--data', data]);
    assert.match(list.stdout, /^examplebucket\towner 1000000000000001\tprivate\t/m);

    // A later start says it exists; once deleted, it is not created again.
    const second = await serve(port, data);
    assert.match(second.banner, /Bucket examplebucket exists/);
    await second.stop();
    const third = await serve(port, data);
    const cleared = node([
      '--input-type=commonjs',
      '-e',
      `${snippet}; client.delete('hello.txt').then(() => client.deleteBucket('examplebucket'))`,
    ]);
    assert.equal(cleared.code, 0, cleared.stderr);
    await third.stop();
    const fourth = await serve(port, data);
    assert.match(fourth.banner, /create it first:\n {2}ossd bucket create examplebucket --data /);
    await fourth.stop();
  });

  it('a data directory that already has buckets gets no examplebucket', async () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-first-'));
    dirs.push(data);
    const made = node(['--import', 'tsx', 'src/cli/main.ts', 'bucket', 'create', 'mine', '--data', data]);
    assert.equal(made.code, 0, made.stderr);
    const s = await serve(await freePort(), data);
    assert.match(s.banner, /create it first/);
    await s.stop();
    const list = node(['--import', 'tsx', 'src/cli/main.ts', 'bucket', 'list', '--data', data]);
    assert.doesNotMatch(list.stdout, /examplebucket/);
  });
});
