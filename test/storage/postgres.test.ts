/**
 * The PostgreSQL metadata store: the storage conformance suite (with local-disk blobs), and what only a
 * shared database has to get right — several nodes (store instances with their own pools) racing on one
 * key, one upload, one setting, one background job; an unreachable or restarted server; migrations run
 * by nodes starting together. PostgreSQL comes from test/helpers/postgres.ts.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { DeliveryRecordInput } from '../../src/callback/delivery-store.js';
import { StorageError } from '../../src/storage/errors.js';
import { LocalBlobStore } from '../../src/storage/local/blob-store.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { openPostgresMetadata } from '../../src/storage/postgres/open.js';
import { MIGRATIONS } from '../../src/storage/postgres/schema.js';
import { parsePostgresUrl } from '../../src/storage/postgres/url.js';
import type { MetadataStore, ObjectRecord } from '../../src/storage/types.js';
import { postgresTestOptions, startPostgres, startPrivateCluster } from '../helpers/postgres.js';
import { type Backend, storageConformance } from './conformance.js';
import { deliveryQueueConformance } from './delivery-queue-conformance.js';

const options = postgresTestOptions();

function obj(bucket: string, key: string, blob: string, size = 1): ObjectRecord {
  return {
    bucket,
    key,
    type: 'Normal',
    size,
    etag: 'E',
    crc64: '0',
    lastModified: Date.now(),
    acl: 'default',
    storageClass: 'Standard',
    contentType: 'text/plain',
    meta: {},
    tags: {},
    segments: [{ blob, size, crc64: '0' }],
  };
}

const blobId = (n: number) => n.toString(16).padStart(32, '0');

async function openBackend(): Promise<Backend> {
  const server = await startPostgres();
  const { meta } = await openPostgresMetadata(await server.newDatabase());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-pgblobs-'));
  const blobs = new LocalBlobStore(dir, false);
  await blobs.init();
  return {
    meta,
    blobs,
    close: async () => {
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Two nodes on one fresh database: two stores with their own connection pools. */
async function twoNodes() {
  const url = await (await startPostgres()).newDatabase();
  const a = await openPostgresMetadata(url);
  const b = await openPostgresMetadata(url);
  return {
    url,
    a: a.meta,
    b: b.meta,
    deliveries: a.deliveries,
    close: async () => {
      await a.meta.close();
      await b.meta.close();
    },
  };
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const isUnavailable = (e: unknown) => e instanceof StorageError && e.kind === 'unavailable';

if (!options.skip) storageConformance('PostgreSQL metadata + local blobs', openBackend);

describe('PostgreSQL metadata: several nodes on one database', options, () => {
  it('serializes racing guarded writers of one key: exactly one wins, the loser sees its commit', async () => {
    const n = await twoNodes();
    try {
      const forbidOverwrite = (existing: ObjectRecord | undefined) => {
        if (existing) throw new Error('FileAlreadyExists');
      };
      for (let round = 0; round < 20; round++) {
        const key = `race-${round}`;
        const results = await Promise.allSettled([
          n.a.putObject(obj('b', key, blobId(2 * round)), forbidOverwrite),
          n.b.putObject(obj('b', key, blobId(2 * round + 1)), forbidOverwrite),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1, `round ${round}: exactly one writer wins`);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.match(String(lost.reason), /FileAlreadyExists/);
        // The winner's blob is the one stored and referenced; the loser's is not.
        const winner = results[0].status === 'fulfilled' ? 2 * round : 2 * round + 1;
        assert.equal((await n.b.getObject('b', key))?.segments[0].blob, blobId(winner));
        const loser = winner ^ 1;
        assert.deepEqual([...(await n.a.referencedAmong([blobId(winner), blobId(loser)]))], [blobId(winner)]);
      }
    } finally {
      await n.close();
    }
  });

  it('serializes racing appends: one of two appends at the same position wins', async () => {
    const n = await twoNodes();
    try {
      const appendAt = (position: number, blob: string) => (existing: ObjectRecord | undefined) => {
        const size = existing?.size ?? 0;
        if (size !== position) throw new Error(`PositionNotEqualToLength ${size}`);
        return {
          ...obj('b', 'log', blob),
          type: 'Appendable' as const,
          size: size + 1,
          segments: [...(existing?.segments ?? []), { blob, size: 1, crc64: '0' }],
        };
      };
      for (let position = 0; position < 15; position++) {
        const results = await Promise.allSettled([
          n.a.multipart.appendObject('b', 'log', appendAt(position, blobId(100 + 2 * position))),
          n.b.multipart.appendObject('b', 'log', appendAt(position, blobId(101 + 2 * position))),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `position ${position}`);
      }
      const final = await n.a.getObject('b', 'log');
      assert.equal(final?.size, 15);
      assert.equal(final?.segments.length, 15, 'no append lost or doubled');
    } finally {
      await n.close();
    }
  });

  it('serializes racing completes of one upload: one completes, the other finds no upload', async () => {
    const n = await twoNodes();
    try {
      for (let round = 0; round < 10; round++) {
        const uploadId = `up${round}`;
        const template = { acl: 'default' as const, storageClass: 'Standard', contentType: 'x', meta: {}, tags: {} };
        await n.a.multipart.createUpload({ uploadId, bucket: 'b', key: `m${round}`, initiated: Date.now(), template });
        const p = {
          uploadId,
          partNumber: 1,
          blob: blobId(500 + round),
          size: 1,
          etag: 'E',
          crc64: '0',
          lastModified: 1,
        };
        await n.b.multipart.putPart(p);
        const results = await Promise.all([
          n.a.multipart.completeUpload(uploadId, obj('b', `m${round}`, p.blob), [p]),
          n.b.multipart.completeUpload(uploadId, obj('b', `m${round}`, p.blob), [p]),
        ]);
        assert.deepEqual(results.filter((r) => r === 'no-upload').length, 1, JSON.stringify(results));
        assert.equal((await n.a.getObject('b', `m${round}`))?.segments[0].blob, p.blob);
      }
    } finally {
      await n.close();
    }
  });

  it('keeps the first of two racing settings on every node', async () => {
    const n = await twoNodes();
    try {
      for (let round = 0; round < 10; round++) {
        const name = `key-${round}`;
        const [x, y] = await Promise.all([
          n.a.putSettingIfAbsent(name, 'from-a'),
          n.b.putSettingIfAbsent(name, 'from-b'),
        ]);
        assert.equal(x, y, 'both nodes were told the same stored value');
        assert.equal(await n.a.getSetting(name), x);
        assert.equal(await n.b.getSetting(name), x);
      }
    } finally {
      await n.close();
    }
  });

  it('runs an exclusive job on one node at a time; a dead holder releases it', async () => {
    const n = await twoNodes();
    const admin = new pg.Client({ connectionString: n.url });
    await admin.connect();
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      const holder = n.a.runExclusive('gc', async () => {
        started();
        await held;
        return 'a ran';
      });
      await running;
      let ran = false;
      assert.equal(
        await n.b.runExclusive('gc', async () => {
          ran = true;
        }),
        undefined,
      );
      assert.equal(ran, false, 'the other node did not run it');
      assert.equal(await n.b.runExclusive('lifecycle', async () => 'other job'), 'other job');
      release();
      assert.equal(await holder, 'a ran');
      assert.equal(await n.b.runExclusive('gc', async () => 'b ran'), 'b ran', 'free again after the job');

      // A holder whose connection dies (a crashed node): PostgreSQL drops its session lock.
      let release2!: () => void;
      const held2 = new Promise<void>((r) => {
        release2 = r;
      });
      let started2!: () => void;
      const running2 = new Promise<void>((r) => {
        started2 = r;
      });
      const holder2 = n.a.runExclusive('gc', async () => {
        started2();
        await held2;
        return 'done';
      });
      await running2;
      assert.equal(await n.b.runExclusive('gc', async () => 'b'), undefined);
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND pid <> pg_backend_pid()
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      assert.equal(killed.rowCount, 1, 'one session held the job lock');
      let got: string | undefined;
      for (let i = 0; i < 50 && got === undefined; i++) {
        got = await n.b.runExclusive('gc', async () => 'b took over');
        if (got === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(got, 'b took over');
      release2();
      assert.equal(await holder2, 'done', 'the old holder finishes without crashing the process');
      assert.equal(await n.a.runExclusive('gc', async () => 'a again'), 'a again', 'and its pool still works');
    } finally {
      await admin.end();
      await n.close();
    }
  });

  it('applies migrations once when nodes start together', async () => {
    const url = await (await startPostgres()).newDatabase();
    const opened = await Promise.all([openPostgresMetadata(url), openPostgresMetadata(url), openPostgresMetadata(url)]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const versions = await admin.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        versions.rows.map((r) => r.version),
        MIGRATIONS.map((m) => m.version),
        'each migration applied once',
      );
      // Every node works on the one schema.
      await opened[0].meta.putObject(obj('b', 'k', blobId(1)));
      assert.ok(await opened[2].meta.getObject('b', 'k'));
      // A schema from a newer ossd is refused, not used half-understood.
      await admin.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`);
      await assert.rejects(openPostgresMetadata(url), /999.*upgrade ossd/);
    } finally {
      await admin.end();
      for (const o of opened) await o.meta.close();
    }
  });
});

describe('PostgreSQL metadata: same order and listings as SQLite', options, () => {
  it('lists the same keys the same way (UTF-8 bytes above U+FFFF, "/" and its neighbours)', async () => {
    const { meta: pgMeta } = await openPostgresMetadata(await (await startPostgres()).newDatabase());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-cmp-'));
    const sqlite = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
    try {
      const chars = [
        'a',
        'b',
        '/',
        '!',
        '0',
        '.',
        '-',
        'é',
        '\uFF5E',
        '\uFFFD',
        '\u{1F600}',
        '\u{20000}',
        '\u{10FFFF}',
      ];
      const keys = new Set<string>();
      // Every one- and two-character key, and some three-character ones under a "directory".
      for (const x of chars) {
        keys.add(x);
        for (const y of chars) {
          keys.add(x + y);
          if (y === '/') for (const z of chars.slice(0, 5)) keys.add(x + y + z);
        }
      }
      let i = 0;
      for (const key of keys) {
        const o = obj('cmp', key, blobId(i++));
        await pgMeta.putObject(o);
        await sqlite.putObject(o);
      }
      const list = async (m: MetadataStore, prefix: string, delimiter: string, maxKeys: number) => {
        const pages: string[][] = [];
        let after = '';
        for (let guard = 0; guard < 1000; guard++) {
          const page = await m.listObjects('cmp', { prefix, delimiter, after, maxKeys });
          pages.push([...page.objects.map((o) => o.key), '|', ...page.commonPrefixes]);
          if (!page.isTruncated) break;
          after = page.nextMarker ?? '';
        }
        return pages;
      };
      for (const prefix of ['', 'a', '\u{1F600}', '\uFFFD', '/']) {
        for (const delimiter of ['', '/', '\u{1F600}']) {
          for (const maxKeys of [1, 7, 1000]) {
            assert.deepEqual(
              await list(pgMeta, prefix, delimiter, maxKeys),
              await list(sqlite, prefix, delimiter, maxKeys),
              `prefix ${JSON.stringify(prefix)} delimiter ${JSON.stringify(delimiter)} maxKeys ${maxKeys}`,
            );
          }
        }
      }
    } finally {
      await pgMeta.close();
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function delivery(over: Partial<DeliveryRecordInput> = {}): DeliveryRecordInput {
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
        responseHeaders: { 'content-length': '4' },
        responseBody: Buffer.from([0x7b, 0xe4, 0xb8, 0x7d]),
        latencyMs: 12,
        ok: true,
      },
    ],
    ok: true,
    latencyMs: 12.4,
    ...over,
  };
}

describe('PostgreSQL delivery log', options, () => {
  it('records, gets, filters and pages newest first, seen from every node', async () => {
    const n = await twoNodes();
    try {
      const first = await n.deliveries.record(delivery({ createdAt: 1_700_000_000_000 }));
      assert.match(first.id, /^[0-9a-f]{16}$/);
      assert.equal(first.latencyMs, 12);
      const { meta: otherMeta, deliveries: other } = await openPostgresMetadata(n.url);
      try {
        assert.deepEqual(await other.get(first.id), first);
        assert.equal(await other.get('0000000000000000'), undefined);
        const more = [];
        for (let i = 0; i < 5; i++) {
          more.push(
            await n.deliveries.record(
              delivery({
                key: `k${i % 2}`,
                ok: i !== 3,
                requestId: `req-${i}`,
                cause: i === 3 ? 'status' : undefined,
                message: i === 3 ? 'bad status' : undefined,
                resendOf: i === 4 ? first.id : undefined,
              }),
            ),
          );
        }
        const all = await other.list({});
        assert.deepEqual(
          all.map((r) => r.id),
          [...more.reverse().map((r) => r.id), first.id],
        );
        assert.deepEqual(
          (await other.list({ ok: false })).map((r) => r.requestId),
          ['req-3'],
        );
        assert.equal((await other.list({ ok: false }))[0].cause, 'status');
        assert.deepEqual(
          (await other.list({ bucket: 'b1', key: 'k0' })).map((r) => r.requestId),
          ['req-4', 'req-2', 'req-0'],
        );
        assert.deepEqual(
          (await other.list({ requestId: 'req-2' })).map((r) => r.key),
          ['k0'],
        );
        assert.equal((await other.get(more[0].id))?.resendOf, first.id);
        // Paging: `before` the last record of a page gives the older ones.
        const page1 = await other.list({ limit: 2 });
        const page2 = await other.list({ limit: 2, before: page1[1].id });
        const page3 = await other.list({ limit: 2, before: page2[1].id });
        assert.deepEqual(
          [...page1, ...page2, ...page3].map((r) => r.id),
          all.map((r) => r.id),
        );
        assert.deepEqual(await other.list({ before: 'ffffffffffffffff' }), [], 'an unknown cursor gives nothing');
      } finally {
        await otherMeta.close();
      }
    } finally {
      await n.close();
    }
  });
});

describe('PostgreSQL out of reach', options, () => {
  it('fails quickly with StorageError unavailable when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    await assert.rejects(openPostgresMetadata(`postgres://ossd:secret@127.0.0.1:${port}/ossd`), (e: unknown) => {
      assert.ok(isUnavailable(e), String(e));
      assert.doesNotMatch(String((e as Error).message), /secret/, 'the password is not in the error');
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'within a few seconds');
  });

  it('recovers by itself when the server comes back, without reopening the store', async () => {
    const server = await startPrivateCluster();
    const { meta } = await openPostgresMetadata(await server.newDatabase());
    try {
      await meta.putObject(obj('b', 'before', blobId(1)));
      await server.cluster.stop();
      for (const call of [
        () => meta.getObject('b', 'before'),
        () => meta.putObject(obj('b', 'during', blobId(2))),
        () => meta.ping(),
        () => meta.runExclusive('gc', async () => 1),
      ]) {
        const started = Date.now();
        await assert.rejects(call(), isUnavailable);
        assert.ok(Date.now() - started < 5000, 'each call fails within a few seconds');
      }
      await server.cluster.start();
      await meta.ping();
      assert.equal((await meta.getObject('b', 'before'))?.segments[0].blob, blobId(1));
      await meta.putObject(obj('b', 'after', blobId(3)));
      assert.equal(await meta.getObject('b', 'during'), undefined, 'the failed write left nothing');
      assert.ok(await meta.getObject('b', 'after'));
    } finally {
      await meta.close();
      server.cluster.destroy();
    }
  });
});

describe('PostgreSQL URL', () => {
  it('parses users, databases, sslmode and socket directories', () => {
    const c = parsePostgresUrl('postgresql://us%40er:p%2Fss@db.example:6543/meta%20data?sslmode=verify-full');
    assert.equal(c.user, 'us@er');
    assert.equal(c.password, 'p/ss');
    assert.equal(c.host, 'db.example');
    assert.equal(c.port, 6543);
    assert.equal(c.database, 'meta data');
    assert.deepEqual(c.ssl, { rejectUnauthorized: true, ca: undefined });
    assert.deepEqual(parsePostgresUrl('postgres://u@h/d?sslmode=require').ssl, { rejectUnauthorized: false });
    assert.equal(parsePostgresUrl('postgres://u@h/d?sslmode=disable').ssl, false);
    assert.equal(parsePostgresUrl('postgres://u@h/d').port, 5432);
    const socket = parsePostgresUrl('postgres:///d?host=/var/run/postgresql&user=ossd');
    assert.equal(socket.host, '/var/run/postgresql');
    assert.equal(socket.user, 'ossd');
    assert.equal(parsePostgresUrl('postgres://u@%2Ftmp%2Fpg/d').host, '/tmp/pg');
    assert.equal(parsePostgresUrl('postgres://u@[::1]:5433/d').host, '::1');
    assert.throws(() => parsePostgresUrl('mysql://u@h/d'), /scheme/);
    assert.throws(() => parsePostgresUrl('postgres://u@h/d?sslmode=sometimes'), /sslmode/);
    assert.throws(() => parsePostgresUrl('postgres://u@h/d?sslmod=require'), /unsupported parameter sslmod/);
  });
});

describe('PostgreSQL delivery queue', options, () => {
  deliveryQueueConformance('PostgreSQL, two nodes', async () => {
    const url = await (await startPostgres()).newDatabase();
    const a = await openPostgresMetadata(url);
    const b = await openPostgresMetadata(url);
    return {
      a: a.deliveries,
      b: b.deliveries,
      close: async () => {
        await a.meta.close();
        await b.meta.close();
      },
    };
  });
});
