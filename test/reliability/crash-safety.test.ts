/**
 * Crash safety: ossd runs as a child process under concurrent PUT / overwrite / DELETE traffic and is
 * killed with SIGKILL at random points, then restarted on the same data directory. After every restart:
 * every acknowledged write is readable with the right bytes, ETag (MD5) and CRC64; an unacknowledged
 * write is either wholly present or absent; listings agree with GETs; no orphan blob files remain.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'crashKeyId0001';
const SECRET = 'crashSecret000000000000000001';
const KILLS = Number(process.env.OSSD_CRASH_KILLS ?? 20);
const KEYS = 24;
const WORKERS = 8;

type State = { kind: 'absent' } | { kind: 'present'; md5: string; size: number };
interface KeyModel {
  acked: State;
  pending?: State;
}

function md5hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex').toUpperCase();
}

function blobFiles(dataDir: string): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  const root = path.join(dataDir, 'blobs');
  for (const d of readdirSync(root)) {
    for (const f of readdirSync(path.join(root, d))) {
      count++;
      bytes += statSync(path.join(root, d, f)).size;
    }
  }
  return { count, bytes };
}

function randomSize(): number {
  const r = Math.random();
  if (r < 0.1) return 0;
  if (r < 0.6) return Math.floor(Math.random() * 4096);
  return Math.floor(Math.random() * 300_000);
}

describe('crash safety under SIGKILL', () => {
  let dataDir = '';
  after(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write across ${KILLS} kills`, { timeout: 300_000 }, async () => {
    const model = new Map<string, KeyModel>();
    for (let i = 0; i < KEYS; i++) model.set(`k/${i}`, { acked: { kind: 'absent' } });
    let acknowledged = 0;
    let unacknowledged = 0;
    for (let cycle = 0; cycle < KILLS; cycle++) {
      const ossd = await spawnOssd(
        { OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET },
        dataDir ? ['--data', dataDir] : [],
      );
      if (!dataDir) dataDir = ossd.dataDir;
      else rmSync(ossd.dataDir, { recursive: true, force: true });
      const client = ossClient({
        endpoint: `http://localhost:${ossd.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: 'crash',
        timeout: 10_000,
      });
      if (cycle === 0) await client.putBucket('crash');

      // Verify the state left by the previous kill.
      await verify(client, model, dataDir);

      // Traffic: workers pick a free key (one op in flight per key) and PUT or DELETE it.
      let stop = false;
      const busy = new Set<string>();
      const worker = async () => {
        while (!stop) {
          const free = [...model.keys()].filter((k) => !busy.has(k));
          const key = free[Math.floor(Math.random() * free.length)];
          busy.add(key);
          const m = model.get(key)!;
          try {
            if (Math.random() < 0.15) {
              m.pending = { kind: 'absent' };
              await client.delete(key);
            } else {
              const body = randomBytes(randomSize());
              m.pending = { kind: 'present', md5: md5hex(body), size: body.length };
              await client.put(key, body);
            }
            m.acked = m.pending;
            m.pending = undefined;
            acknowledged++;
          } catch {
            // Killed mid-request: the op stays pending (either outcome is allowed).
            unacknowledged++;
            busy.delete(key);
            return;
          }
          busy.delete(key);
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
      ossd.child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      await new Promise<void>((r) =>
        ossd.child.exitCode !== null || ossd.child.signalCode !== null ? r() : ossd.child.once('exit', () => r()),
      );
    }
    // Final verification after the last kill.
    const ossd = await spawnOssd({ OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET }, [
      '--data',
      dataDir,
    ]);
    rmSync(ossd.dataDir, { recursive: true, force: true });
    try {
      const client = ossClient({
        endpoint: `http://localhost:${ossd.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: 'crash',
      });
      await verify(client, model, dataDir);
    } finally {
      await ossd.stop();
    }
    assert.ok(acknowledged > KILLS * 5, `enough acknowledged writes to mean something (${acknowledged})`);
    assert.ok(unacknowledged > 0, 'some writes were cut off by a kill');
  });
});

async function verify(client: OSS, model: Map<string, KeyModel>, dataDir: string): Promise<void> {
  const listed = new Map<string, number>();
  let marker: string | undefined;
  for (;;) {
    const page = await client.list({ 'max-keys': 1000, marker, prefix: '' }, {});
    for (const o of page.objects ?? []) listed.set(o.name, o.size);
    if (!page.isTruncated) break;
    marker = page.nextMarker;
  }
  let totalSize = 0;
  let objects = 0;
  for (const [key, m] of model) {
    const allowed = [m.acked, ...(m.pending ? [m.pending] : [])];
    let actual: State;
    try {
      const r = await client.get(key);
      const body = r.content as Buffer;
      const h = r.res.headers as Record<string, string>;
      assert.equal(h.etag, `"${md5hex(body)}"`, `${key}: ETag matches the bytes`);
      assert.equal(h['x-oss-hash-crc64ecma'], crc64(body), `${key}: CRC64 matches the bytes`);
      actual = { kind: 'present', md5: md5hex(body), size: body.length };
      totalSize += body.length;
      objects++;
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e;
      actual = { kind: 'absent' };
    }
    assert.ok(
      allowed.some((s) => JSON.stringify(s) === JSON.stringify(actual)),
      `${key}: found ${JSON.stringify(actual)}, allowed ${JSON.stringify(allowed)}`,
    );
    assert.equal(listed.has(key), actual.kind === 'present', `${key}: listing agrees with GET`);
    if (actual.kind === 'present') assert.equal(listed.get(key), actual.size);
    // The surviving state is the new baseline.
    m.acked = actual;
    m.pending = undefined;
  }
  assert.equal(listed.size, objects, 'no listed key outside the model');
  // Start-up collected the orphans: one blob per object, no stray bytes.
  const files = blobFiles(dataDir);
  const nonEmpty = [...model.values()].filter((m) => m.acked.kind === 'present').length;
  assert.equal(files.count, nonEmpty, 'one blob file per object (orphans collected)');
  assert.equal(files.bytes, totalSize, 'blob bytes equal object bytes');
}
