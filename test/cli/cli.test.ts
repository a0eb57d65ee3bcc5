import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { SETTINGS } from '../../src/config/config.js';
import { REPO } from '../helpers/spawn-ossd.js';

const CWD = REPO;
const ID = 'cliRootKeyId0001';
const SECRET = 'cliRootSecret0000000000000077';

const children = new Set<ChildProcess>();
const dirs: string[] = [];

after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ossd-cli-'));
  dirs.push(d);
  return d;
}

/** Environment without inherited OSSD_* settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
  return { ...env, ...extra };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function ossd(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: CWD,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs a command to completion (bounded). */
function run(
  args: string[],
  env?: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = ossd(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c;
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ossd ${args.join(' ')} timed out; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Served {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `ossd serve …` and waits (bounded) until it prints its endpoint. */
async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child = ossd(['serve', ...args], env);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start; stdout=${out} stderr=${err}`)), 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c;
      if (/Paste into your code[\s\S]*callback_pub_key_v1\.pem/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(t);
      reject(new Error(`serve exited with ${code}; stdout=${out} stderr=${err}`));
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function stop(s: Served): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  s.child.kill('SIGTERM');
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    s.exited,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error('serve did not exit within 8 s of SIGTERM')), 8000);
    }),
  ]);
  clearTimeout(t);
  return r;
}

// Each spawn pays tsx start-up (~1-2 s), so the independent cases run concurrently.
describe('ossd command line', { concurrency: 3 }, () => {
  it('help lists every command and flag with its environment variable', async () => {
    const [r, dashH] = await Promise.all([run(['help']), run(['--help'])]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of SETTINGS) {
      assert.ok(r.stdout.includes(`--${s.flag}`), `--${s.flag} missing from help`);
      assert.ok(r.stdout.includes(`OSSD_${s.flag.toUpperCase().replace(/-/g, '_')}`), `env for ${s.flag}`);
    }
    for (const f of ['--config', '--account', '--acl', '--bucket', '--key', '--failed', '--ok', '--limit', '--json']) {
      assert.ok(r.stdout.includes(f), `${f} missing from help`);
    }
    for (const c of [
      'serve',
      'keys',
      'bucket',
      'callbacks',
      'OSSD_ROOT_ACCESS_KEY_ID',
      'OSSD_ROOT_ACCESS_KEY_SECRET',
    ]) {
      assert.ok(r.stdout.includes(c), c);
    }
    assert.equal(dashH.stdout, r.stdout);
  });

  it('an unknown flag fails with a message and exit code 2', async () => {
    const r = await run(['serve', '--no-such-flag']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no-such-flag/);
  });

  it('serve: env credentials, --address/--data, prints endpoint and snippet, serves, exits on SIGTERM', async () => {
    const data = tempDir();
    const port = await freePort();
    const s = await serve(
      ['--address', `127.0.0.1:${port}`, '--data', data],
      cleanEnv({ OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET }),
    );
    const out = s.stdout();
    assert.match(out, new RegExp(`ossd is serving http://localhost:${port}`));
    assert.ok(out.includes(`endpoint: 'http://localhost:${port}'`), out);
    assert.ok(out.includes('sldEnable: true'));
    assert.ok(out.includes(`accessKeyId: '${ID}'`));
    assert.ok(!out.includes(SECRET), 'a configured secret is never printed');

    const client = new OSS({
      endpoint: `http://localhost:${port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      bucket: 'clibucket',
    } as OSS.Options);
    await client.putBucket('clibucket');
    await client.put('hello.txt', Buffer.from('from the cli'));
    assert.equal((await client.get('hello.txt')).content.toString(), 'from the cli');
    const health = await fetch(`http://127.0.0.1:${port}/-/health`);
    assert.equal(health.status, 200);

    const exit = await stop(s);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(!s.stderr().includes(SECRET), 'the secret leaked to stderr logs');
    assert.match(s.stderr(), /"op":"PutObject"/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/-/health`));

    // The admin commands see what the server stored.
    const buckets = await run(['bucket', 'list', '--data', data]);
    assert.equal(buckets.code, 0, buckets.stderr);
    assert.match(buckets.stdout, /^clibucket\towner 1000000000000001\tprivate\t/m);
  });

  it('serve without credentials prints a generated secret once; it works and survives a restart', async () => {
    const data = tempDir();
    const port = await freePort();
    const first = await serve(['--address', `127.0.0.1:${port}`, '--data', data], cleanEnv());
    const id = /AccessKeyId:\s+(\S+)/.exec(first.stdout())?.[1] ?? '';
    const secret = /AccessKeySecret: (\S+)\s+\(generated now/.exec(first.stdout())?.[1] ?? '';
    assert.match(id, /^LTAI/);
    assert.ok(secret.length >= 24, first.stdout());
    assert.ok(first.stdout().includes(`accessKeySecret: '${secret}'`));
    assert.ok(!first.stderr().includes(secret), 'the generated secret leaked into the logs');
    await stop(first);

    const second = await serve(['--address', `127.0.0.1:${port}`, '--data', data], cleanEnv());
    assert.ok(second.stdout().includes(id));
    assert.ok(!second.stdout().includes(secret), 'the secret is printed only at first start');
    const client = new OSS({
      endpoint: `http://localhost:${port}`,
      sldEnable: true,
      accessKeyId: id,
      accessKeySecret: secret,
    } as OSS.Options);
    await client.putBucket('generated');
    await stop(second);
  });

  it('OSSD_ADDRESS, OSSD_DATA and OSSD_LOG_LEVEL are honoured', async () => {
    const data = tempDir();
    const port = await freePort();
    const s = await serve(
      [],
      cleanEnv({
        OSSD_ADDRESS: `127.0.0.1:${port}`,
        OSSD_DATA: data,
        OSSD_LOG_LEVEL: 'silent',
        OSSD_ROOT_ACCESS_KEY_ID: ID,
        OSSD_ROOT_ACCESS_KEY_SECRET: SECRET,
      }),
    );
    assert.ok(s.stdout().includes(`(data: ${data})`), s.stdout());
    const res = await fetch(`http://127.0.0.1:${port}/-/health`);
    assert.equal(res.status, 200);
    assert.equal(s.stderr(), '', 'log level silent');
    assert.equal((await stop(s)).code, 0);
  });

  it('--config FILE (JSON) is honoured, and flags win over it', async () => {
    const data = tempDir();
    const port = await freePort();
    const other = await freePort();
    const file = path.join(data, 'ossd.json');
    writeFileSync(
      file,
      JSON.stringify({ address: `127.0.0.1:${other}`, data, logLevel: 'silent', vhostDomains: ['cfg.example.test'] }),
    );
    const s = await serve(
      ['--config', file, '--address', `127.0.0.1:${port}`],
      cleanEnv({ OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET }),
    );
    assert.ok(s.stdout().includes(`(data: ${data})`));
    assert.ok(s.stdout().includes(`http://localhost:${port}`));
    assert.equal((await fetch(`http://127.0.0.1:${port}/-/health`)).status, 200);
    await assert.rejects(fetch(`http://127.0.0.1:${other}/-/health`));
    assert.equal(s.stderr(), '');
    assert.equal((await stop(s)).code, 0);
  });

  it('keys create | list | delete on a data directory', async () => {
    const data = tempDir();
    const env = cleanEnv({ OSSD_DATA: data });
    const created = await run(['keys', 'create'], env);
    assert.equal(created.code, 0, created.stderr);
    const id = /AccessKeyId:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
    assert.match(id, /^LTAI/);
    assert.match(created.stdout, /AccessKeySecret: \S{24,}/);

    const other = await run(['keys', 'create', '--account', '2000000000000002', '--data', data]);
    const otherId = /AccessKeyId:\s+(\S+)/.exec(other.stdout)?.[1] ?? '';
    assert.match(other.stdout, /Account:\s+2000000000000002/);

    const [list, usage] = await Promise.all([run(['keys', 'list'], env), run(['keys'], env)]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, new RegExp(`^${id}\\taccount 1000000000000001\\tpermanent`, 'm'));
    assert.match(list.stdout, new RegExp(`^${otherId}\\taccount 2000000000000002\\tpermanent`, 'm'));
    assert.ok(!/secret/i.test(list.stdout), 'list never shows secrets');
    assert.equal(usage.code, 2);
    assert.match(usage.stdout, /usage: ossd keys/);

    const del = await run(['keys', 'delete', otherId], env);
    assert.equal(del.code, 0);
    assert.match(del.stdout, new RegExp(`deleted ${otherId}`));
    const [again, after] = await Promise.all([run(['keys', 'delete', otherId], env), run(['keys', 'list'], env)]);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /no such key/);
    assert.ok(!after.stdout.includes(otherId));
    assert.ok(after.stdout.includes(id));
  });

  it('bucket create | list | delete on a data directory', async () => {
    const data = tempDir();
    const env = cleanEnv({ OSSD_DATA: data });
    const b = await run(['bucket', 'create', 'cli-made', '--acl', 'public-read'], env);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    assert.match(b.stdout, /created cli-made/);
    const [dup, bad, badAcl, list] = await Promise.all([
      run(['bucket', 'create', 'cli-made'], env),
      run(['bucket', 'create', 'Bad_Name'], env),
      run(['bucket', 'create', 'acl-bad', '--acl', 'world'], env),
      run(['bucket', 'list'], env),
    ]);
    assert.equal(dup.code, 1);
    assert.match(dup.stdout, /already exists/);
    assert.notEqual(bad.code, 0);
    assert.notEqual(badAcl.code, 0);
    assert.match(list.stdout, /^cli-made\towner 1000000000000001\tpublic-read\t/m);
    assert.ok(!list.stdout.includes('acl-bad'));
    assert.equal((await run(['bucket', 'delete', 'cli-made'], env)).code, 0);
    const [gone, empty] = await Promise.all([run(['bucket', 'delete', 'cli-made'], env), run(['bucket', 'list'], env)]);
    assert.equal(gone.code, 1);
    assert.equal(empty.stdout, '');
  });
});
