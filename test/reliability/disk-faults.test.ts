/**
 * Disk faults injected at the storage edge (the fs FileHandle the blob store writes through):
 * ENOSPC on write gives 507 InsufficientStorage (with an error log line and ossd_disk_full_total),
 * EIO on write or fsync an OSS InternalError; never an acknowledgement, never a change to the object
 * that was there before, and no blob left behind. While the disk is full, reads and deletes work.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { defaultConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { ossClient } from '../helpers/start-server.js';

type Proto = {
  write: (...a: unknown[]) => Promise<unknown>;
  writev: (...a: unknown[]) => Promise<unknown>;
  sync: () => Promise<void>;
};

function errno(code: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected fault`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

function blobCount(dataDir: string): number {
  const root = path.join(dataDir, 'blobs');
  return readdirSync(root).reduce((n, d) => n + readdirSync(path.join(root, d)).length, 0);
}

const enospc = () => ({
  write: () => Promise.reject(errno('ENOSPC')),
  writev: () => Promise.reject(errno('ENOSPC')),
});

type ClientError = { status: number; code: string; message: string };

describe('disk faults', () => {
  let server: RunningServer & { dataDir: string };
  let client: OSS;
  let proto: Proto;
  let original: Pick<Proto, 'write' | 'writev' | 'sync'>;
  const logged: string[] = [];
  before(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossd-faults-'));
    const config = defaultConfig();
    config.address = '127.0.0.1:0';
    config.data = dataDir;
    const logger = createLogger('warn', { write: (line: string) => logged.push(line) });
    server = Object.assign(await startServer(config, { logger }), { dataDir });
    client = ossClient({
      endpoint: server.endpoint,
      sldEnable: true,
      accessKeyId: server.root.accessKeyId,
      accessKeySecret: server.root.accessKeySecret,
      bucket: 'faults',
    });
    await client.putBucket('faults');
    const fh = await open(path.join(server.dataDir, 'probe'), 'w');
    proto = Object.getPrototypeOf(fh) as Proto;
    await fh.close();
    original = { write: proto.write, writev: proto.writev, sync: proto.sync };
  });
  afterEach(() => {
    Object.assign(proto, original);
  });
  after(async () => {
    await server.close();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  for (const [what, inject, status, code] of [
    ['ENOSPC on write', () => Object.assign(proto, enospc()), 507, 'InsufficientStorage'],
    [
      'EIO on write',
      () =>
        Object.assign(proto, { write: () => Promise.reject(errno('EIO')), writev: () => Promise.reject(errno('EIO')) }),
      500,
      'InternalError',
    ],
    [
      'EIO on fsync (fatal for that write)',
      () => (proto.sync = () => Promise.reject(errno('EIO'))),
      500,
      'InternalError',
    ],
  ] as const) {
    it(`${what}: ${code}, old object intact, no blob left`, async () => {
      await client.put('victim.txt', Buffer.from('the original'));
      const blobsBefore = blobCount(server.dataDir);
      inject();
      const err = (await client
        .put('victim.txt', Buffer.alloc(300_000, 1))
        .catch((e: { status: number; code: string }) => e)) as {
        status: number;
        code: string;
      };
      Object.assign(proto, original);
      assert.equal(err.status, status);
      assert.equal(err.code, code);
      assert.equal((await client.get('victim.txt')).content.toString(), 'the original');
      assert.equal(blobCount(server.dataDir), blobsBefore, 'the failed blob was removed');
      // And the server keeps working.
      await client.put('after.txt', Buffer.from('fine'));
      assert.equal((await client.get('after.txt')).content.toString(), 'fine');
    });
  }

  it('disk full: the message says so, an operator sees a log line and a metric; reads and deletes keep working', async () => {
    await client.put('keep.txt', Buffer.from('kept'));
    await client.put('drop.txt', Buffer.from('dropped'));
    const fullBefore = await diskFullCount(server.port);
    const logsBefore = logged.length;
    Object.assign(proto, enospc());
    try {
      const err = (await client.put('big.bin', Buffer.alloc(300_000, 2)).catch((e: ClientError) => e)) as ClientError;
      assert.equal(err.status, 507);
      assert.equal(err.code, 'InsufficientStorage');
      assert.match(err.message, /out of disk space/);
      // A multipart part is refused the same way.
      const { uploadId } = await client.initMultipartUpload('mp.bin');
      const part = (await client
        .uploadPart('mp.bin', uploadId, 1, Buffer.alloc(200_000, 3), 0, 200_000)
        .catch((e: ClientError) => e)) as ClientError;
      assert.equal(part.code, 'InsufficientStorage');
      await client.abortMultipartUpload('mp.bin', uploadId);
      // Reads, listings and deletes do not need new space.
      assert.equal((await client.get('keep.txt')).content.toString(), 'kept');
      assert.equal((await client.head('keep.txt')).status, 200);
      const listed = await client.list({ prefix: '', 'max-keys': 100 }, {});
      assert.ok(listed.objects.some((o) => o.name === 'keep.txt'));
      await client.delete('drop.txt');
      await assert.rejects(client.head('drop.txt'), (e: ClientError) => e.status === 404);
    } finally {
      Object.assign(proto, original);
    }
    assert.equal((await diskFullCount(server.port)) - fullBefore, 2);
    const lines = logged
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as { level: number; msg: string; operation?: string; data?: string });
    const full = lines.filter((l) => /disk full/.test(l.msg));
    assert.deepEqual(
      full.map((l) => l.operation),
      ['PutObject', 'UploadPart'],
    );
    assert.ok(full.every((l) => l.level >= 50 && l.data === server.dataDir));
  });
});

/** The sum of ossd_disk_full_total over its labels, read from /-/metrics. */
async function diskFullCount(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/-/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('ossd_disk_full_total{'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}
