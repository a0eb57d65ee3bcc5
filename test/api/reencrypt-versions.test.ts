/**
 * `ossd encryption reencrypt` (its exported run function, on the server's own stores, so it runs on
 * both the embedded store and PostgreSQL + S3) on a versioned bucket: current objects and noncurrent
 * versions move to the new primary key in place — same version ids, no new versions — and stay readable
 * through ali-oss.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { reencrypt } from '../../src/cli/reencrypt.js';
import { loadKeyring } from '../../src/storage/encryption.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

interface VersionsClient {
  putBucketVersioning(name: string, status: string): Promise<unknown>;
  putBucketEncryption(name: string, rule: { SSEAlgorithm: string }): Promise<unknown>;
  getBucketVersions(query?: Record<string, string | number>): Promise<{
    objects: { name: string; versionId: string }[];
    deleteMarker: { name: string; versionId: string }[];
  }>;
}
type Client = OSS & VersionsClient;

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const bucket = 'reenc-versions';

describe('reencrypt rewrites noncurrent versions in place', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    // The server writes under k1 and can read k2 too.
    server = await startTestServer((cfg) => {
      cfg.encryptionKey = `k1:${k1},k2:${k2}`;
    });
    c = (await withBucket(server, bucket)) as Client;
    await c.putBucketVersioning(bucket, 'Enabled');
    await c.putBucketEncryption(bucket, { SSEAlgorithm: 'AES256' });
  });
  after(() => server.stop());

  const versionsOf = async () => {
    const r = await c.getBucketVersions({ 'max-keys': 100 });
    return [
      ...r.objects.map((o) => `${o.name}@${o.versionId}`),
      ...(r.deleteMarker ?? []).map((o) => `${o.name}@${o.versionId} marker`),
    ].sort();
  };
  const sseKey = async (key: string, versionId: string) =>
    (await server.services.meta.getObjectVersion(bucket, key, versionId))?.segments[0]?.sseKey;

  it('moves every version to the new primary key, keeping ids and bytes', async () => {
    const id = (r: { res: unknown }) => (r.res as { headers: Record<string, string> }).headers['x-oss-version-id'];
    const v1 = id(await c.put('doc', Buffer.from('first version')));
    const v2 = id(await c.put('doc', Buffer.from('second version')));
    const g1 = id(await c.put('gone', Buffer.from('deleted later')));
    await c.delete('gone'); // a delete marker: nothing to re-encrypt
    const before = await versionsOf();
    assert.equal(before.length, 4);
    for (const [k, v] of [
      ['doc', v1],
      ['doc', v2],
      ['gone', g1],
    ])
      assert.equal(await sseKey(k, v), 'k1');

    const keyring = await loadKeyring(
      { encryptionKey: `k2:${k2},k1:${k1}` },
      server.services.meta,
      (f) => readFileSync(f, 'utf8'),
      () => {},
    );
    assert.equal(keyring.primary, 'k2');
    const s = { meta: server.services.meta, blobs: server.services.blobs, keyring, logger: server.services.logger };
    const lines: string[] = [];
    const report = await reencrypt(s, [bucket], (l) => lines.push(l));
    assert.deepEqual([report.rewritten, report.changed], [3, 0], lines.join('\n'));

    assert.deepEqual(await versionsOf(), before, 'no version added or lost');
    for (const [k, v] of [
      ['doc', v1],
      ['doc', v2],
      ['gone', g1],
    ])
      assert.equal(await sseKey(k, v), 'k2', `${k}@${v}`);
    assert.equal((await c.get('doc')).content.toString(), 'second version');
    assert.equal((await c.get('doc', undefined, { versionId: v1 } as object)).content.toString(), 'first version');
    assert.equal((await c.get('gone', undefined, { versionId: g1 } as object)).content.toString(), 'deleted later');

    const again = await reencrypt(s, [bucket], () => {});
    assert.deepEqual([again.rewritten, again.current, again.changed], [0, 3, 0]);
  });
});
