/**
 * deploy/haproxy.cfg as documented (only its addresses replaced) in front of three nodes on PostgreSQL +
 * RGW: ali-oss works through it, requests reach every node, and a node that goes away is taken out of the
 * pool by the /-/health check while the others carry on.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { sharedStores, startCluster } from '../helpers/cluster.js';
import { freePort, REPO, waitForPort } from '../helpers/spawn-ossd.js';
import { ossClient, ROOT_ID, ROOT_SECRET } from '../helpers/start-server.js';

const haproxy = spawnSync('haproxy', ['-v']).status === 0 ? 'haproxy' : undefined;
const skip = haproxy || process.env.CI ? undefined : 'HAProxy is not installed (apt-get install haproxy)';

it('deploy/haproxy.cfg balances ali-oss traffic over three nodes', { skip, timeout: 180_000 }, async (t) => {
  const stores = await sharedStores();
  if (typeof stores === 'string') return t.skip(stores);
  const lbPort = await freePort();
  const cluster = await startCluster(stores, 3, (c) => {
    c.publicEndpoint = `http://localhost:${lbPort}`;
    c.rootAccessKeyId = ROOT_ID;
    c.rootAccessKeySecret = ROOT_SECRET;
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-haproxy-'));
  let proc: ChildProcess | undefined;
  try {
    // The documented file, with only the listen address and the nodes' addresses replaced.
    let cfg = readFileSync(path.join(REPO, 'deploy/haproxy.cfg'), 'utf8');
    cfg = cfg.replace('bind 127.0.0.1:18080', `bind 127.0.0.1:${lbPort}`);
    cluster.nodes.forEach((node, i) => {
      cfg = cfg.replace(`127.0.0.1:1818${i + 1}`, `127.0.0.1:${node.port}`);
    });
    assert.doesNotMatch(cfg, /:1818\d/, 'every node address was replaced');
    writeFileSync(path.join(dir, 'haproxy.cfg'), cfg);
    proc = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
    await waitForPort(lbPort, 10_000);
    const client = ossClient({
      endpoint: `http://localhost:${lbPort}`,
      sldEnable: true,
      accessKeyId: ROOT_ID,
      accessKeySecret: ROOT_SECRET,
      bucket: 'lbtest',
    });
    await client.putBucket('lbtest');
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 30; i++) {
      const body = randomBytes(i % 2 ? 100 : 200 * 1024);
      bodies.set(`k${i}`, body);
      await client.put(`k${i}`, body);
    }
    for (const [k, body] of bodies) assert.ok(Buffer.from((await client.get(k)).content).equals(body), k);
    const big = randomBytes(6 * 1024 * 1024);
    await client.multipartUpload('mp.bin', big, { partSize: 1024 * 1024, parallel: 3 });
    assert.ok(Buffer.from((await client.get('mp.bin')).content).equals(big));
    assert.equal((await client.list({ 'max-keys': 100 }, {})).objects.length, 31);
    // Every node served requests (HAProxy's round robin), and each one's metrics say so.
    for (const node of cluster.nodes) {
      const metrics = await (await fetch(`http://127.0.0.1:${node.port}/-/metrics`)).text();
      const puts = /ossd_requests_total\{operation="PutObject",status="200"\} (\d+)/.exec(metrics);
      assert.ok(puts && Number(puts[1]) > 0, `node ${node.port} served PutObjects`);
    }
    // One node stops: within the check interval (2 s × fall 2) it is out of the pool.
    await cluster.nodes[2].close();
    await new Promise((r) => setTimeout(r, 5000));
    for (const [k, body] of bodies) assert.ok(Buffer.from((await client.get(k)).content).equals(body), k);
  } finally {
    proc?.kill('SIGKILL');
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
