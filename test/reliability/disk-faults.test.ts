/**
 * Disk faults injected at the storage edge (the fs FileHandle the blob store writes through):
 * ENOSPC on write and EIO on fsync give an OSS InternalError, never an acknowledgement, never a
 * change to the object that was there before, and leave no blob behind.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

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

describe('disk faults', () => {
  let server: TestServer;
  let client: OSS;
  let proto: Proto;
  let original: Pick<Proto, 'write' | 'writev' | 'sync'>;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'faults');
    const fh = await open(path.join(server.dataDir, 'probe'), 'w');
    proto = Object.getPrototypeOf(fh) as Proto;
    await fh.close();
    original = { write: proto.write, writev: proto.writev, sync: proto.sync };
  });
  afterEach(() => {
    Object.assign(proto, original);
  });
  after(() => server.stop());

  for (const [what, inject] of [
    [
      'ENOSPC on write',
      () =>
        Object.assign(proto, {
          write: () => Promise.reject(errno('ENOSPC')),
          writev: () => Promise.reject(errno('ENOSPC')),
        }),
    ],
    [
      'EIO on write',
      () =>
        Object.assign(proto, { write: () => Promise.reject(errno('EIO')), writev: () => Promise.reject(errno('EIO')) }),
    ],
    ['EIO on fsync (fatal for that write)', () => (proto.sync = () => Promise.reject(errno('EIO')))],
  ] as const) {
    it(`${what}: InternalError, old object intact, no blob left`, async () => {
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
      assert.equal(err.status, 500);
      assert.equal(err.code, 'InternalError');
      assert.equal((await client.get('victim.txt')).content.toString(), 'the original');
      assert.equal(blobCount(server.dataDir), blobsBefore, 'the failed blob was removed');
      // And the server keeps working.
      await client.put('after.txt', Buffer.from('fine'));
      assert.equal((await client.get('after.txt')).content.toString(), 'fine');
    });
  }
});
