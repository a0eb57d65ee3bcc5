import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { DeliveryRecordInput } from '../../src/callback/delivery-store.js';
import { SqliteDeliveryStore } from '../../src/storage/local/delivery-store.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { countDatasyncs } from '../helpers/datasync-spy.js';

function input(over: Partial<DeliveryRecordInput> = {}): DeliveryRecordInput {
  return {
    requestId: 'req-1',
    bucket: 'b1',
    key: 'k1',
    operation: 'PutObject',
    spec: {
      targets: [
        { url: 'http://127.0.0.1:9/cb', protocol: 'http:', hostname: '127.0.0.1', port: 9, pathAndQuery: '/cb' },
      ],
      bodyType: 'application/x-www-form-urlencoded',
      additionalHeaders: { 'X-A': 'b' },
      sni: false,
    },
    renderedBody: 'bucket=b1',
    stringToSign: '/cb\nbucket=b1',
    attempts: [
      {
        url: 'http://127.0.0.1:9/cb',
        address: '127.0.0.1',
        requestHeaders: { host: '127.0.0.1:9' },
        status: 200,
        responseHeaders: { 'content-length': '11' },
        responseBody: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe4, 0xb8, 0xad, 0x22, 0x7d]),
        latencyMs: 12,
        ok: true,
      },
    ],
    ok: true,
    latencyMs: 12,
    ...over,
  };
}

describe('SqliteDeliveryStore', () => {
  it('relaxed: records commit on the metadata connection without an fsync of their own', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-deliveries-'));
    const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: true });
    const syncs = countDatasyncs();
    try {
      const store = SqliteDeliveryStore.relaxed(meta.db);
      const rec = await store.record(input());
      assert.deepEqual(await store.get(rec.id), rec);
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => store.record(input({ key: `k${i}` }))));
      assert.equal(new Set(many.map((r) => r.id)).size, 20);
      assert.equal(syncs.count, 0, 'a delivery record waited for an fdatasync');
      // An object's commit on the same connection does fdatasync the WAL (and so the records before it).
      await meta.putBucketConfig('b1', 'x', 'y');
      assert.ok(syncs.count >= 1, 'the object commit did not fdatasync the WAL');
      assert.equal(meta.db.pragma('synchronous', { simple: true }), 1, 'the connection runs synchronous=NORMAL');
    } finally {
      syncs.restore();
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records and gets a delivery with its attempts', async () => {
    const db = new Database(':memory:');
    const store = new SqliteDeliveryStore(db);
    new SqliteDeliveryStore(db); // idempotent schema
    const rec = await store.record(input({ createdAt: 1700000000000 }));
    assert.match(rec.id, /^[0-9a-f]{16}$/);
    assert.equal(rec.createdAt, 1700000000000);
    const got = await store.get(rec.id);
    assert.deepEqual(got, rec);
    assert.deepEqual(got?.attempts[0].responseBody, input().attempts[0].responseBody);
    assert.deepEqual(got?.spec, input().spec);
    assert.equal(got?.cause, undefined);
    assert.equal(got?.resendOf, undefined);
    assert.equal(await store.get('nope'), undefined);
    const failed = await store.record(
      input({ ok: false, cause: 'status', message: 'Error status : 500.', resendOf: rec.id }),
    );
    assert.deepEqual(
      [failed.ok, failed.cause, failed.message, failed.resendOf],
      [false, 'status', 'Error status : 500.', rec.id],
    );
    db.close();
  });

  it('lists newest first with filters and cursor paging', async () => {
    const db = new Database(':memory:');
    const store = new SqliteDeliveryStore(db);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await store.record(
        input({
          requestId: `req-${i}`,
          bucket: i % 2 ? 'odd' : 'even',
          key: `k${i % 3}`,
          ok: i % 4 !== 0,
          createdAt: 1000,
        }),
      );
      ids.push(r.id);
    }
    const all = await store.list({});
    assert.deepEqual(
      all.map((r) => r.id),
      [...ids].reverse(),
    );
    assert.deepEqual(
      (await store.list({ bucket: 'odd' })).map((r) => r.requestId),
      ['req-9', 'req-7', 'req-5', 'req-3', 'req-1'],
    );
    assert.deepEqual(
      (await store.list({ bucket: 'even', key: 'k0' })).map((r) => r.requestId),
      ['req-6', 'req-0'],
    );
    assert.deepEqual(
      (await store.list({ ok: false })).map((r) => r.requestId),
      ['req-8', 'req-4', 'req-0'],
    );
    assert.deepEqual(
      (await store.list({ requestId: 'req-3' })).map((r) => r.id),
      [ids[3]],
    );
    const page1 = await store.list({ limit: 4 });
    const page2 = await store.list({ limit: 4, before: page1[3].id });
    const page3 = await store.list({ limit: 4, before: page2[3].id });
    assert.deepEqual(
      [...page1, ...page2, ...page3].map((r) => r.id),
      [...ids].reverse(),
    );
    assert.equal(page3.length, 2);
    assert.deepEqual(await store.list({ before: 'unknown' }), []);
    assert.equal((await store.list({ limit: 0 })).length, 1);
    db.close();
  });
});
