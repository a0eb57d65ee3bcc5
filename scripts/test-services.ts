/**
 * Runs a command (the test runner) with the services the storage backend tests need, started once for the
 * whole run: a throwaway PostgreSQL cluster (initdb in a temporary directory, as the `postgres` user, on a
 * free loopback port) and a single-node Ceph with its S3 gateway (scripts/ceph-rgw-up.sh). Their addresses
 * reach the tests as OSSD_TEST_POSTGRES_URL and RGW_ENDPOINT / RGW_ACCESS_KEY / RGW_SECRET_KEY; both are
 * stopped and deleted when the command ends. Services already given in the environment are used as they are.
 * A service that cannot start is an error under CI; elsewhere its tests are skipped with the reason.
 *
 *   node --import tsx scripts/test-services.ts COMMAND [ARGS...]
 */
import { spawn } from 'node:child_process';
import { Cluster, postgresUnavailable } from '../test/helpers/postgres.js';
import { rgwOrSkip } from '../test/helpers/rgw.js';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: test-services.ts COMMAND [ARGS...]\n');
  process.exit(2);
}

const env: NodeJS.ProcessEnv = { ...process.env };
const started = Date.now();
let cluster: Cluster | undefined;
if (!env.OSSD_TEST_POSTGRES_URL) {
  const why = postgresUnavailable();
  if (why === undefined) {
    cluster = await Cluster.create();
    env.OSSD_TEST_POSTGRES_URL = cluster.url;
  } else if (env.CI) {
    throw new Error(`PostgreSQL is needed for the tests: ${why}`);
  } else {
    process.stderr.write(`test-services: no PostgreSQL (${why}); its tests will be skipped\n`);
  }
}
const gateway = await rgwOrSkip();
if (gateway.rgw) {
  env.RGW_ENDPOINT = gateway.rgw.endpoint;
  env.RGW_ACCESS_KEY = gateway.rgw.accessKey;
  env.RGW_SECRET_KEY = gateway.rgw.secretKey;
} else {
  process.stderr.write(`test-services: ${gateway.skip}\n`);
}
process.stderr.write(`test-services: services ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

const child = spawn(cmd, args, { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
cluster?.destroy();
process.exit(code);
