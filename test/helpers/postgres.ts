/**
 * PostgreSQL for tests. With OSSD_TEST_POSTGRES_URL set, every newDatabase() creates a fresh database on
 * that server. Otherwise a throwaway cluster is started from the Debian `postgresql` package's binaries
 * (/usr/lib/postgresql/<version>/bin): initdb into a temp dir, listening on 127.0.0.1 on a free port,
 * run as the `postgres` user when the tests run as root; stopped and deleted when the test process ends.
 * Without either, `postgresUnavailable()` says why: tests fail with it under CI and skip otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** URL of the server's `postgres` database (superuser). */
  url: string;
  /** Creates an empty database and returns its URL. */
  newDatabase(): Promise<string>;
  /** Only for a cluster this helper started (undefined with OSSD_TEST_POSTGRES_URL). */
  cluster?: Cluster;
}

/** A throwaway local cluster. */
export class Cluster {
  private running = false;

  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly asUser: string | undefined,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(cmd: string, args: string[]): void {
    const exe = path.join(this.bin, cmd);
    const [file, argv] = this.asUser ? ['runuser', ['-u', this.asUser, '--', exe, ...args]] : [exe, args];
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error?.message}`);
  }

  static async create(): Promise<Cluster> {
    const bin = findBinaries();
    if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin');
    const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-pg-'));
    if (asUser) {
      const uid = Number(execFileSync('id', ['-u', asUser], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', asUser], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    const cluster = new Cluster(bin, dir, await freePort(), asUser);
    cluster.run('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']);
    clusters.add(cluster);
    await cluster.start();
    return cluster;
  }

  async start(): Promise<void> {
    const opts = [
      '-c listen_addresses=127.0.0.1',
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c shared_buffers=16MB',
      '-c max_connections=200',
    ].join(' ');
    this.run('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'log'),
      '-o',
      opts,
      '-w',
      'start',
    ]);
    this.running = true;
  }

  /**
   * Stops the server, cutting open connections (fast shutdown: with fsync and synchronous_commit off, an
   * immediate one could lose recent commits, which this helper's callers do not want to test).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    this.running = false;
  }

  /** Stops and deletes the cluster (synchronous: also runs at process exit). */
  destroy(): void {
    try {
      if (this.running) this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already gone
    }
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
    clusters.delete(this);
  }
}

const clusters = new Set<Cluster>();
const destroyAll = () => {
  for (const c of clusters) c.destroy();
};
process.on('exit', destroyAll);
// A test run cut short (timeout, Ctrl-C) does not leave a server running: pg_ctl detaches it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    destroyAll();
    process.kill(process.pid, signal);
  });
}

function findBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.OSSD_TEST_POSTGRES_URL) return undefined;
  if (!findBinaries()) {
    return 'PostgreSQL tests need OSSD_TEST_POSTGRES_URL or the postgresql package (/usr/lib/postgresql/*/bin/initdb)';
  }
  if (process.getuid?.() === 0) {
    const r = spawnSync('id', ['-u', 'postgres']);
    if (r.status !== 0) return 'PostgreSQL tests run as root need a `postgres` user to run the cluster as';
  }
  return undefined;
}

/**
 * Options for `describe`/`it`: skip with the reason when PostgreSQL is not available — except under CI,
 * where the tests then run and fail with it (the server must be there).
 */
export function postgresTestOptions(): { skip?: string } {
  const why = postgresUnavailable();
  if (why && !process.env.CI) return { skip: why };
  return {};
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function createDatabase(url: string): Promise<string> {
  const name = `ossd_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  } finally {
    await client.end();
  }
  return withDatabase(url, name);
}

let shared: Promise<PostgresServer> | undefined;

/** The server this test process shares (started once). Throws the reason when there is none. */
export function startPostgres(): Promise<PostgresServer> {
  shared ??= (async () => {
    const why = postgresUnavailable();
    if (why) throw new Error(why);
    const external = process.env.OSSD_TEST_POSTGRES_URL;
    if (external) return { url: external, newDatabase: () => createDatabase(external) };
    const cluster = await Cluster.create();
    return { url: cluster.url, newDatabase: () => createDatabase(cluster.url), cluster };
  })();
  return shared;
}

/** A cluster of its own (for tests that stop and start the server); destroy() it after. */
export async function startPrivateCluster(): Promise<PostgresServer & { cluster: Cluster }> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const cluster = await Cluster.create();
  return { url: cluster.url, newDatabase: () => createDatabase(cluster.url), cluster };
}
