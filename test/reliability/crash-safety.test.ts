/**
 * Crash safety: ossd runs as a child process under concurrent PUT / overwrite / DELETE / multipart /
 * append traffic and is
 * killed with SIGKILL at random points, then restarted on the same data directory. After every restart:
 * every acknowledged write is readable with the right bytes, ETag (MD5) and CRC64; an unacknowledged
 * write is either wholly present or absent; listings agree with GETs; no orphan blob files remain.
 * A second, versioned bucket takes overwrites, deletes (delete markers) and deletes of given versions:
 * every acknowledged version stays readable by its id until a delete of that version is acknowledged.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import Database from 'better-sqlite3';
import { crc64 } from '../../src/storage/crc64.js';
import { spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'crashKeyId0001';
const SECRET = 'crashSecret000000000000000001';
const KILLS = Number(process.env.OSSD_CRASH_KILLS ?? 20);
const KEYS = 24;
const WORKERS = 8;

type State = { kind: 'absent' } | { kind: 'present'; md5: string; size: number; content?: Buffer };
interface KeyModel {
  acked: State;
  pending?: State;
}

function md5hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex').toUpperCase();
}

/** Stored blobs by id with their sizes: files on disk, and small objects' inline rows in SQLite. */
function storedBlobs(dataDir: string): Map<string, number> {
  const out = new Map<string, number>();
  const root = path.join(dataDir, 'blobs');
  for (const d of readdirSync(root)) {
    for (const f of readdirSync(path.join(root, d))) out.set(f, statSync(path.join(root, d, f)).size);
  }
  const db = new Database(path.join(dataDir, 'meta.sqlite'), { readonly: true, fileMustExist: true });
  try {
    for (const r of db.prepare('SELECT id, length(data) AS size FROM inline_blobs').all() as {
      id: string;
      size: number;
    }[])
      out.set(r.id, r.size);
  } finally {
    db.close();
  }
  return out;
}

/** Blobs the metadata references (object segments and parts of open uploads), read from ossd's SQLite. */
function referencedBlobs(dataDir: string): Map<string, number> {
  const db = new Database(path.join(dataDir, 'meta.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const out = new Map<string, number>();
    const rows = db.prepare('SELECT segments FROM objects UNION ALL SELECT segments FROM object_versions').all() as {
      segments: string;
    }[];
    for (const r of rows) {
      for (const seg of JSON.parse(r.segments) as { blob: string; size: number }[]) out.set(seg.blob, seg.size);
    }
    for (const r of db.prepare('SELECT blob, size FROM parts').all() as { blob: string; size: number }[])
      out.set(r.blob, r.size);
    return out;
  } finally {
    db.close();
  }
}

const state = (b: Buffer, keep = false): State => ({
  kind: 'present',
  md5: md5hex(b),
  size: b.length,
  ...(keep ? { content: b } : {}),
});
const same = (a: State, b: State) =>
  a.kind === b.kind && (a.kind === 'absent' || (b.kind === 'present' && a.md5 === b.md5 && a.size === b.size));

function randomSize(): number {
  const r = Math.random();
  if (r < 0.1) return 0;
  if (r < 0.6) return Math.floor(Math.random() * 4096);
  return Math.floor(Math.random() * 300_000);
}

/** A versioned key: its acknowledged versions by id, and a version whose delete was cut off. */
interface VersionedKey {
  versions: Map<string, State>;
  pendingDelete?: string;
}

/** Every acknowledged version is readable by id with its bytes (a cut-off delete may have removed one). */
async function verifyVersions(client: OSS, vmodel: Map<string, VersionedKey>): Promise<void> {
  for (const [key, m] of vmodel) {
    for (const [versionId, want] of [...m.versions]) {
      try {
        const r = await client.get(key, { versionId });
        const body = r.content as Buffer;
        assert.ok(same(want, state(body)), `${key}@${versionId}: the acknowledged bytes`);
      } catch (e) {
        if ((e as { code?: string }).code === 'NoSuchVersion' && versionId === m.pendingDelete) {
          m.versions.delete(versionId);
          continue;
        }
        throw e;
      }
    }
    m.pendingDelete = undefined;
  }
}

describe('crash safety under SIGKILL', () => {
  let dataDir = '';
  after(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write across ${KILLS} kills`, { timeout: 300_000 }, async () => {
    const model = new Map<string, KeyModel>();
    for (let i = 0; i < KEYS; i++) model.set(`k/${i}`, { acked: { kind: 'absent' } });
    // Appendable objects live on their own keys (appending to a Normal object is an error).
    for (let i = 0; i < 6; i++) model.set(`a/${i}`, { acked: { kind: 'absent' } });
    const vmodel = new Map<string, VersionedKey>();
    for (let i = 0; i < 8; i++) vmodel.set(`v/${i}`, { versions: new Map() });
    let acknowledged = 0;
    const ackedKinds = new Map<string, number>();
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
      const vclient = ossClient({
        endpoint: `http://localhost:${ossd.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: 'crashv',
        timeout: 10_000,
      });
      if (cycle === 0) {
        await client.putBucket('crash');
        await vclient.putBucket('crashv');
        await (
          vclient as unknown as { putBucketVersioning(b: string, s: string): Promise<unknown> }
        ).putBucketVersioning('crashv', 'Enabled');
      }

      // Verify the state left by the previous kill.
      await verify(client, model, dataDir);
      await verifyVersions(vclient, vmodel);

      // Traffic: workers pick a free key (one op in flight per key) and PUT or DELETE it.
      let stop = false;
      const busy = new Set<string>();
      const versionedOp = async (key: string) => {
        const m = vmodel.get(key)!;
        const dice = Math.random();
        const known = [...m.versions.keys()];
        if (dice < 0.15) {
          await vclient.delete(key);
          return 'versioned-delete';
        }
        if (dice < 0.35 && known.length > 0) {
          const versionId = known[Math.floor(Math.random() * known.length)];
          m.pendingDelete = versionId;
          await vclient.delete(key, { versionId } as OSS.RequestOptions);
          m.versions.delete(versionId);
          m.pendingDelete = undefined;
          return 'version-delete';
        }
        const body = randomBytes(randomSize());
        const r = await vclient.put(key, body);
        const versionId = (r.res.headers as Record<string, string>)['x-oss-version-id'];
        assert.ok(versionId && versionId !== 'null');
        m.versions.set(versionId, state(body));
        return 'versioned-put';
      };
      const worker = async () => {
        while (!stop) {
          if (Math.random() < 0.3) {
            const free = [...vmodel.keys()].filter((k) => !busy.has(k));
            if (free.length > 0) {
              const key = free[Math.floor(Math.random() * free.length)];
              busy.add(key);
              try {
                const kind = await versionedOp(key);
                acknowledged++;
                ackedKinds.set(kind, (ackedKinds.get(kind) ?? 0) + 1);
              } catch (e) {
                if (process.env.OSSD_CRASH_DEBUG) console.error(key, (e as Error).name, (e as Error).message);
                unacknowledged++;
                busy.delete(key);
                return;
              }
              busy.delete(key);
              continue;
            }
          }
          const free = [...model.keys()].filter((k) => !busy.has(k));
          const key = free[Math.floor(Math.random() * free.length)];
          busy.add(key);
          const m = model.get(key)!;
          try {
            const dice = Math.random();
            let kind = 'put';
            if (dice < 0.12) {
              kind = 'delete';
              m.pending = { kind: 'absent' };
              await client.delete(key);
            } else if (key.startsWith('a/')) {
              kind = 'append';
              const before = m.acked.kind === 'present' ? (m.acked.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
              const chunk = randomBytes(1 + Math.floor(Math.random() * 50_000));
              m.pending = state(Buffer.concat([before, chunk]), true);
              await client.append(key, chunk, { position: String(before.length) } as OSS.AppendObjectOptions);
            } else if (dice < 0.25) {
              // Multipart: 100 KB parts (the minimum), 2–3 of them, Complete as a metadata commit.
              kind = 'multipart';
              const body = randomBytes(
                100 * 1024 * (1 + Math.floor(Math.random() * 2)) + Math.floor(Math.random() * 50_000),
              );
              m.pending = state(body);
              await client.multipartUpload(key, body, { partSize: 100 * 1024, parallel: 2 });
            } else {
              const body = randomBytes(randomSize());
              m.pending = state(body);
              await client.put(key, body);
            }
            m.acked = m.pending;
            m.pending = undefined;
            acknowledged++;
            ackedKinds.set(kind, (ackedKinds.get(kind) ?? 0) + 1);
          } catch (e) {
            if (process.env.OSSD_CRASH_DEBUG) console.error(key, (e as Error).name, (e as Error).message);
            // Killed mid-request: the op stays pending (either outcome is allowed).
            unacknowledged++;
            busy.delete(key);
            return;
          }
          busy.delete(key);
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
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
      const inline = await verify(client, model, dataDir);
      await verifyVersions(
        ossClient({
          endpoint: `http://localhost:${ossd.port}`,
          sldEnable: true,
          accessKeyId: ID,
          accessKeySecret: SECRET,
          bucket: 'crashv',
        }),
        vmodel,
      );
      assert.ok(inline > 0, 'small objects were stored inline (and survived the kills)');
    } finally {
      await ossd.stop();
    }
    assert.ok(acknowledged > KILLS * 5, `enough acknowledged writes to mean something (${acknowledged})`);
    assert.ok(unacknowledged > 0, 'some writes were cut off by a kill');
    for (const kind of ['put', 'delete', 'append', 'multipart', 'versioned-put', 'versioned-delete', 'version-delete'])
      assert.ok((ackedKinds.get(kind) ?? 0) > 0, `${kind} traffic ran: ${JSON.stringify([...ackedKinds])}`);
  });
});

/** Checks every key and the stored blobs; returns how many inline blobs the metadata references. */
async function verify(client: OSS, model: Map<string, KeyModel>, dataDir: string): Promise<number> {
  const listed = new Map<string, number>();
  let marker: string | undefined;
  for (;;) {
    const page = await client.list({ 'max-keys': 1000, marker, prefix: '' }, {});
    for (const o of page.objects ?? []) listed.set(o.name, o.size);
    if (!page.isTruncated) break;
    marker = page.nextMarker;
  }
  let objects = 0;
  for (const [key, m] of model) {
    const allowed = [m.acked, ...(m.pending ? [m.pending] : [])];
    let actual: State;
    try {
      const r = await client.get(key);
      const body = r.content as Buffer;
      const h = r.res.headers as Record<string, string>;
      // Only simple objects have an MD5 ETag; every object's CRC-64 must match its bytes.
      if (h['x-oss-object-type'] === 'Normal')
        assert.equal(h.etag, `"${md5hex(body)}"`, `${key}: ETag matches the bytes`);
      assert.equal(h['x-oss-hash-crc64ecma'], crc64(body), `${key}: CRC64 matches the bytes`);
      actual = state(body, key.startsWith('a/'));
      objects++;
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e;
      actual = { kind: 'absent' };
    }
    const show = (x: State) => (x.kind === 'absent' ? 'absent' : `${x.md5}/${x.size}`);
    assert.ok(
      allowed.some((x) => same(x, actual)),
      `${key}: found ${show(actual)}, allowed ${allowed.map(show).join(' or ')}`,
    );
    assert.equal(listed.has(key), actual.kind === 'present', `${key}: listing agrees with GET`);
    if (actual.kind === 'present') assert.equal(listed.get(key), actual.size);
    // The surviving state is the new baseline.
    m.acked = actual;
    m.pending = undefined;
  }
  assert.equal(listed.size, objects, 'no listed key outside the model');
  // Start-up collected the orphans: every blob file (and inline row) is referenced by an object or an
  // open upload's part, with the recorded size, and every referenced blob exists.
  const files = storedBlobs(dataDir);
  const referenced = referencedBlobs(dataDir);
  const orphans = [...files.keys()].filter((b) => !referenced.has(b));
  assert.deepEqual(orphans, [], 'no orphan blob files or inline rows');
  for (const [blob, size] of referenced) assert.equal(files.get(blob), size, `blob ${blob} present with its size`);
  return [...referenced.keys()].filter((b) => b.startsWith('i')).length;
}
