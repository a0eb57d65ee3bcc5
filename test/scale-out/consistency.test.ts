/**
 * Cross-node semantics of a 3-node deployment (one PostgreSQL database, one S3 bucket): the test picks the
 * node of every request (one ali-oss client per node), so a write on one node and a read on another are
 * really on different processes' connections. Strong read/list/delete-after-write; racing overwrites,
 * guarded creates and appends through different nodes (one winner, the losers' bytes released); multipart
 * spread over the nodes; the callback delivery log and signing key shared by all.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, verify as verifySignature } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import fc from 'fast-check';
import { buildStringsToSign } from '../../packages/verify/src/index.js';
import { crc64 } from '../../src/storage/crc64.js';
import { putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { type Cluster, sharedStores, startCluster } from '../helpers/cluster.js';
import { blobAccounting, queryMetadata } from '../helpers/shared-blobs.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'consistKeyId0001';
const SECRET = 'consistSecret0000000000000001';
const BUCKET = 'consist';

const stores = await sharedStores();
const skip = typeof stores === 'string' ? stores : undefined;

const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();
type OssErr = { status?: number; code?: string };
const headers = (r: { res: { headers: unknown } }) => r.res.headers as Record<string, string>;

/** Waits until the bucket holds exactly the blobs the metadata references (deletes of losers are async). */
async function settledBlobs(cluster: Cluster): Promise<Awaited<ReturnType<typeof blobAccounting>>> {
  const { rgw, blobs, metadata } = cluster.stores;
  let last = await blobAccounting(rgw, blobs, metadata);
  for (let i = 0; i < 50 && (last.missing.length || last.unreferenced.length); i++) {
    await new Promise((r) => setTimeout(r, 100));
    last = await blobAccounting(rgw, blobs, metadata);
  }
  return last;
}

describe('cross-node semantics on 3 nodes', { skip }, () => {
  let cluster: Cluster;
  let nodes: OSS[];
  const raw = (i: number) => `http://127.0.0.1:${cluster.nodes[i].port}`;
  const auth = `Basic ${Buffer.from(`${ID}:${SECRET}`).toString('base64')}`;

  before(async () => {
    if (typeof stores === 'string') return;
    cluster = await startCluster(stores, 3, (c) => {
      c.rootAccessKeyId = ID;
      c.rootAccessKeySecret = SECRET;
    });
    nodes = cluster.nodes.map((n) =>
      ossClient({
        endpoint: `http://localhost:${n.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: BUCKET,
        timeout: 30_000,
      }),
    );
    await nodes[0].putBucket(BUCKET);
  });
  after(async () => {
    await cluster?.close();
  });

  it('reads, lists and deletes after a write on another node see the write at once', { timeout: 90_000 }, async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `raw/${i}`);
    const model = new Map<string, Buffer | undefined>();
    const op = fc.record({
      writer: fc.integer({ min: 0, max: 2 }),
      key: fc.constantFrom(...keys),
      // Mostly small (inline in PostgreSQL), some past the inline threshold (bytes in S3), some deletes.
      action: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 4096 }).map((n) => ({ put: n })) },
        { weight: 2, arbitrary: fc.integer({ min: 65_537, max: 150_000 }).map((n) => ({ put: n })) },
        { weight: 2, arbitrary: fc.constant({ put: -1 }) },
      ),
    });
    const ops = fc.sample(op, { numRuns: 100, seed: Number(process.env.OSSD_TEST_SEED ?? 20261203) });
    for (const { writer, key, action } of ops) {
      if (action.put >= 0) {
        const body = randomBytes(action.put);
        await nodes[writer].put(key, body);
        model.set(key, body);
      } else {
        await nodes[writer].delete(key);
        model.set(key, undefined);
      }
      const expected = model.get(key);
      for (let reader = 0; reader < 3; reader++) {
        const where = `${key} written on node ${writer}, read on node ${reader}`;
        if (expected) {
          const got = await nodes[reader].get(key);
          assert.ok((got.content as Buffer).equals(expected), `${where}: GET returns the new bytes`);
          const head = await nodes[reader].head(key);
          assert.equal(headers(head).etag, `"${md5hex(expected)}"`, `${where}: HEAD's ETag`);
          assert.equal(headers(head)['x-oss-hash-crc64ecma'], crc64(expected), `${where}: CRC-64`);
        } else {
          await assert.rejects(nodes[reader].head(key), (e: OssErr) => e.status === 404, `${where}: HEAD 404`);
          await assert.rejects(nodes[reader].get(key), (e: OssErr) => e.status === 404, `${where}: GET 404`);
        }
        const listed = (await nodes[reader].list({ prefix: 'raw/', 'max-keys': 100 }, {})).objects ?? [];
        const want = [...model].filter(([, b]) => b).map(([k, b]) => [k, b?.length]);
        assert.deepEqual(
          listed.map((o) => [o.name, o.size]),
          want.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
          `${where}: LIST`,
        );
      }
    }
    const acct = await settledBlobs(cluster);
    assert.deepEqual(acct.missing, [], 'every referenced blob is in the bucket');
    assert.deepEqual(acct.unreferenced, [], 'overwritten and deleted blobs were released');
  });

  it('of concurrent overwrites through different nodes exactly one wins; the losers’ bytes are released', async () => {
    for (let round = 0; round < 8; round++) {
      const bodies = [0, 1, 2].map(() => randomBytes(70_000 + Math.floor(Math.random() * 60_000)));
      await Promise.all(bodies.map((b, i) => nodes[i].put('race/one', b)));
      const finals = await Promise.all(nodes.map((n) => n.get('race/one')));
      const winner = bodies.find((b) => b.equals(finals[0].content as Buffer));
      assert.ok(winner, `round ${round}: the final object is one of the written bodies`);
      for (const f of finals) assert.ok((f.content as Buffer).equals(winner), 'every node sees the same winner');
      for (const n of nodes) assert.equal(headers(await n.head('race/one')).etag, `"${md5hex(winner)}"`);
    }
    const acct = await settledBlobs(cluster);
    assert.deepEqual(acct.missing, []);
    assert.deepEqual(acct.unreferenced, [], 'the bucket holds exactly the referenced blobs');
    assert.ok(acct.referenced > 0, 'the raced object’s bytes are in the S3 store');
  });

  it('x-oss-forbid-overwrite: of three nodes creating one key, one gets 200 and the others 409', async () => {
    for (let round = 0; round < 8; round++) {
      const key = `guarded/${round}`;
      const bodies = [0, 1, 2].map((i) => randomBytes(round % 2 ? 80_000 + i : 100 + i));
      const results = await Promise.all(
        bodies.map((b, i) =>
          nodes[i].put(key, b, { headers: { 'x-oss-forbid-overwrite': 'true' } }).then(
            () => ({ ok: true as const, i }),
            (e: OssErr) => ({ ok: false as const, i, e }),
          ),
        ),
      );
      const won = results.filter((r) => r.ok);
      assert.equal(won.length, 1, `round ${round}: exactly one create wins: ${JSON.stringify(results)}`);
      for (const r of results) {
        if (r.ok) continue;
        assert.equal(r.e.status, 409);
        assert.equal(r.e.code, 'FileAlreadyExists');
      }
      for (const n of nodes) assert.ok(((await n.get(key)).content as Buffer).equals(bodies[won[0].i]));
    }
    const acct = await settledBlobs(cluster);
    assert.deepEqual(acct.unreferenced, [], 'the refused creates left no bytes behind');
  });

  it('AppendObject at one position through three nodes: one wins, the others 409 PositionNotEqualToLength', async () => {
    let content = Buffer.alloc(0);
    for (let round = 0; round < 6; round++) {
      const chunks = [0, 1, 2].map(() => randomBytes(1000 + Math.floor(Math.random() * 40_000)));
      const results = await Promise.all(
        chunks.map((c, i) =>
          nodes[i].append('appended', c, { position: String(content.length) } as OSS.AppendObjectOptions).then(
            () => ({ ok: true as const, i }),
            (e: OssErr) => ({ ok: false as const, i, e }),
          ),
        ),
      );
      const won = results.filter((r) => r.ok);
      assert.equal(won.length, 1, `round ${round}: exactly one append wins`);
      for (const r of results) {
        if (r.ok) continue;
        assert.equal(r.e.status, 409);
        assert.equal(r.e.code, 'PositionNotEqualToLength');
      }
      content = Buffer.concat([content, chunks[won[0].i]]);
      for (const n of nodes) {
        const got = await n.get('appended');
        assert.ok((got.content as Buffer).equals(content), 'every node reads the winners in order');
        assert.equal(headers(got)['x-oss-hash-crc64ecma'], crc64(content));
      }
    }
  });

  it('multipart: initiated on A, parts on B and C, completed on A, read on B', async () => {
    const a = nodes[0];
    const init = await a.initMultipartUpload('mp/spread');
    const p1 = randomBytes(100 * 1024);
    const p2 = randomBytes(70_000);
    const r1 = await nodes[1].uploadPart('mp/spread', init.uploadId, 1, p1, 0, p1.length);
    const r2 = await nodes[2].uploadPart('mp/spread', init.uploadId, 2, p2, 0, p2.length);
    // The open upload's parts are visible from every node.
    const listed = await nodes[0].listParts('mp/spread', init.uploadId, {} as OSS.ListPartsQuery);
    assert.deepEqual(
      listed.parts.map((p) => Number(p.PartNumber)),
      [1, 2],
    );
    const done = await a.completeMultipartUpload('mp/spread', init.uploadId, [
      { number: 1, etag: r1.etag },
      { number: 2, etag: r2.etag },
    ]);
    assert.equal(done.res.status, 200);
    const whole = Buffer.concat([p1, p2]);
    const got = await nodes[1].get('mp/spread');
    assert.ok((got.content as Buffer).equals(whole));
    const md5s = Buffer.concat([p1, p2].map((p) => createHash('md5').update(p).digest()));
    assert.equal(headers(got).etag, `"${md5hex(md5s)}-2"`, 'the multipart ETag: MD5 of the parts’ MD5s, -N');
    assert.equal(headers(got)['x-oss-hash-crc64ecma'], crc64(whole));
    const acct = await settledBlobs(cluster);
    assert.deepEqual(acct.missing, []);
    assert.deepEqual(acct.unreferenced, []);
  });

  describe('callbacks', () => {
    let app: CallbackReceiver;
    before(async () => {
      app = await startCallbackReceiver({ kind: 'json', body: { ok: 1 } });
    });
    after(async () => {
      await app?.close();
    });

    it('a delivery is logged once in PostgreSQL, listed through B, re-sent through C, signed with one key', async () => {
      const r = await putWithCallback(nodes[0], 'cb/object.txt', Buffer.from('with callback'), {
        url: `${app.url}/hook`,
        body: 'o=${object}&s=${size}',
      });
      assert.equal(r.res.status, 200);
      const requestId = r.res.headers['x-oss-request-id'];
      const rows = await queryMetadata<{ id: string }>(
        cluster.stores.metadata,
        'SELECT id FROM callback_deliveries WHERE request_id = $1',
        [requestId],
      );
      assert.equal(rows.length, 1, 'one delivery record in PostgreSQL');

      const listed = (await (
        await fetch(`${raw(1)}/-/admin/callbacks?bucket=${BUCKET}&key=cb/object.txt`, {
          headers: { authorization: auth },
        })
      ).json()) as { deliveries: { id: string; requestId: string; ok: boolean }[] };
      assert.deepEqual(
        listed.deliveries.map((d) => [d.id, d.requestId, d.ok]),
        [[rows[0].id, requestId, true]],
      );

      const resent = await fetch(`${raw(2)}/-/admin/callbacks/${rows[0].id}/resend`, {
        method: 'POST',
        headers: { authorization: auth },
      });
      assert.equal(resent.status, 200);
      assert.equal(((await resent.json()) as { resendOf: string; ok: boolean }).resendOf, rows[0].id);
      assert.equal(app.requests.length, 2);
      assert.equal(app.requests[1].body.toString(), app.requests[0].body.toString());

      const pems = await Promise.all(
        [0, 1, 2].map(async (i) => (await fetch(`${raw(i)}/callback_pub_key_v1.pem`)).text()),
      );
      assert.match(pems[0], /BEGIN PUBLIC KEY/);
      assert.equal(pems[1], pems[0]);
      assert.equal(pems[2], pems[0]);
      // The original delivery (node A) and the re-send (node C) both verify with that one key.
      for (const req of app.requests) {
        const signature = Buffer.from(String(req.headers.authorization), 'base64');
        const ok = buildStringsToSign(req.url, req.body).some((s) => verifySignature('md5', s, pems[0], signature));
        assert.ok(ok, `callback ${req.url} verifies with the key every node publishes`);
      }
    });
  });
});
