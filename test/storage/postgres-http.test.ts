/**
 * A real ossd on PostgreSQL metadata (`--metadata postgres://…`, local-disk blobs), driven by the real
 * ali-oss client: objects round-trip, and while PostgreSQL is down requests get an OSS-style 503
 * ServiceUnavailable quickly — then work again when it is back, without restarting ossd.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postgresTestOptions, startPrivateCluster } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/start-server.js';

describe('ossd on PostgreSQL metadata', postgresTestOptions(), () => {
  it('serves objects, answers 503 ServiceUnavailable while PostgreSQL is down, and recovers by itself', async () => {
    const pg = await startPrivateCluster();
    const url = await pg.newDatabase();
    const server = await startTestServer((c) => {
      c.metadata = url;
    });
    const client = server.client({ bucket: 'pgb', timeout: 20_000 });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${server.port}/-/health`)).json()) as {
        metadata: { store: string; ok: boolean };
      };
      assert.ok(health.metadata.ok);
      assert.match(health.metadata.store, /^postgres(ql)?:\/\//);
      await client.putBucket('pgb');
      await client.put('small.txt', Buffer.from('inline bytes'));
      await client.put('large.bin', Buffer.alloc(300_000, 7));
      assert.equal((await client.get('small.txt')).content.toString(), 'inline bytes');
      assert.equal((await client.get('large.bin')).content.length, 300_000);
      assert.deepEqual(
        (await client.list({ 'max-keys': 10 }, {})).objects.map((o) => o.name),
        ['large.bin', 'small.txt'],
      );

      await pg.cluster.stop();
      const down = await fetch(`http://127.0.0.1:${server.port}/-/health`);
      assert.equal(down.status, 503, 'a load balancer takes the node out while PostgreSQL is down');
      const started = Date.now();
      await assert.rejects(client.get('small.txt'), (e: { status?: number; code?: string }) => {
        assert.equal(e.status, 503);
        assert.equal(e.code, 'ServiceUnavailable');
        return true;
      });
      await assert.rejects(client.put('during.txt', Buffer.from('x')), (e: { status?: number }) => e.status === 503);
      assert.ok(Date.now() - started < 10_000, 'answered within seconds, not hung');

      await pg.cluster.start();
      assert.equal((await client.get('small.txt')).content.toString(), 'inline bytes');
      await client.put('after.txt', Buffer.from('back'));
      assert.equal((await client.get('after.txt')).content.toString(), 'back');
    } finally {
      await server.stop();
      pg.cluster.destroy();
    }
  });
});
