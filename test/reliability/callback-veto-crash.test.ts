/**
 * Veto mode under SIGKILL: ossd (a child process) is killed while applications hang on the callbacks of a
 * PutObject (file blob and inline), a PostObject and a CompleteMultipartUpload to a bucket with
 * callback-failure discard. After the restart every key shows its previous version (or stays absent), the
 * multipart upload is still open, and no orphan blob file remains (start-up collection removed the
 * written-but-never-committed bytes).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import Database from 'better-sqlite3';
import { putWithCallback } from '../helpers/callback-client.js';
import { startCallbackReceiver } from '../helpers/callback-receiver.js';
import { spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields } from '../post-object/post-helpers.js';

const ID = 'vetoCrashKeyId01';
const SECRET = 'vetoCrashSecret00000000000001';
const ENV = { OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET };
const ARGS = ['--callback-timeout-ms', '60000'];

function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs');
  return readdirSync(root).flatMap((d) => readdirSync(path.join(root, d)));
}

function referenced(dataDir: string): Set<string> {
  const db = new Database(path.join(dataDir, 'meta.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const out = new Set<string>();
    for (const r of db.prepare('SELECT segments FROM objects').all() as { segments: string }[]) {
      for (const seg of JSON.parse(r.segments) as { blob: string }[]) out.add(seg.blob);
    }
    for (const r of db.prepare('SELECT blob FROM parts').all() as { blob: string }[]) out.add(r.blob);
    return out;
  } finally {
    db.close();
  }
}

describe('veto mode under SIGKILL', () => {
  let dataDir = '';
  after(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('discards uploads whose callback never answered: previous versions stay, no orphans', {
    timeout: 120_000,
  }, async () => {
    const app = await startCallbackReceiver({ kind: 'hang' });
    try {
      const first = await spawnOssd(ENV, ARGS);
      dataDir = first.dataDir;
      const client = ossClient({
        endpoint: `http://localhost:${first.port}`,
        sldEnable: true,
        accessKeyId: ID,
        accessKeySecret: SECRET,
        bucket: 'vetocrash',
        timeout: 60_000,
      }) as OSS;
      await client.putBucket('vetocrash');
      const set = await fetch(
        `http://localhost:${first.port}/-/admin/buckets/vetocrash/callback-failure?mode=discard`,
        {
          method: 'PUT',
          headers: { authorization: `Basic ${Buffer.from(`${ID}:${SECRET}`).toString('base64')}` },
        },
      );
      assert.equal(set.status, 200);
      const big1 = randomBytes(300 * 1024);
      await client.put('big.bin', big1);
      await client.put('small.txt', Buffer.from('small v1'));

      // Open a multipart upload with two parts (their blobs are referenced by the open upload).
      const loose = client as unknown as {
        initMultipartUpload(name: string): Promise<{ uploadId: string }>;
        uploadPart(
          name: string,
          id: string,
          n: number,
          file: Buffer,
          start: number,
          end: number,
        ): Promise<{ etag: string }>;
        completeMultipartUpload(
          name: string,
          id: string,
          parts: { number: number; etag: string }[],
          o: object,
        ): Promise<unknown>;
        listUploads(q: object): Promise<{ uploads: { name: string; uploadId: string }[] }>;
      };
      const mpData = randomBytes(200 * 1024);
      const { uploadId } = await loose.initMultipartUpload('mp.bin');
      const p1 = await loose.uploadPart('mp.bin', uploadId, 1, mpData, 0, 100 * 1024);
      const p2 = await loose.uploadPart('mp.bin', uploadId, 2, mpData, 100 * 1024, mpData.length);
      // Committed so far: big.bin's blob and the two parts (small.txt is inline).
      const blobsBefore = blobFiles(dataDir).length;
      assert.equal(blobsBefore, 3);

      const callback = { url: `${app.url}/hang`, body: 'o=${object}' };
      const pending = [
        putWithCallback(client, 'big.bin', randomBytes(400 * 1024), callback),
        putWithCallback(client, 'small.txt', Buffer.from('small v2'), callback),
        putWithCallback(client, 'absent.bin', randomBytes(150 * 1024), callback),
        loose.completeMultipartUpload(
          'mp.bin',
          uploadId,
          [
            { number: 1, etag: p1.etag },
            { number: 2, etag: p2.etag },
          ],
          { callback },
        ),
        postForm(
          first.port,
          buildForm(
            [
              ['key', 'form.bin'],
              [
                'callback',
                Buffer.from(JSON.stringify({ callbackUrl: app.url, callbackBody: 'o=${object}' })).toString('base64'),
              ],
              ...v1Fields(client, policyOf([])),
            ],
            { data: randomBytes(120 * 1024).toString('base64') },
          ),
          { path: '/vetocrash/' },
        ),
      ].map((p) =>
        p.then(
          () => 'answered',
          () => 'cut',
        ),
      );
      await app.waitForRequests(5, 20_000);
      // Meanwhile nothing new is visible, and the new bytes are on disk (written, not committed).
      assert.ok(Buffer.from((await client.get('big.bin')).content).equals(big1));
      assert.equal((await client.get('small.txt')).content.toString(), 'small v1');
      await assert.rejects(client.get('absent.bin'), (e: { status?: number }) => e.status === 404);
      await assert.rejects(client.get('form.bin'), (e: { status?: number }) => e.status === 404);
      await assert.rejects(client.get('mp.bin'), (e: { status?: number }) => e.status === 404);
      assert.ok(blobFiles(dataDir).length >= blobsBefore + 3, 'the pending uploads wrote their bytes');

      first.child.kill('SIGKILL');
      await new Promise<void>((r) =>
        first.child.exitCode !== null || first.child.signalCode !== null ? r() : first.child.once('exit', () => r()),
      );
      assert.deepEqual(await Promise.all(pending), ['cut', 'cut', 'cut', 'cut', 'cut']);

      const second = await spawnOssd(ENV, [...ARGS, '--data', dataDir]);
      rmSync(second.dataDir, { recursive: true, force: true });
      try {
        const c2 = ossClient({
          endpoint: `http://localhost:${second.port}`,
          sldEnable: true,
          accessKeyId: ID,
          accessKeySecret: SECRET,
          bucket: 'vetocrash',
        }) as OSS;
        assert.ok(Buffer.from((await c2.get('big.bin')).content).equals(big1), 'big.bin: previous version');
        assert.equal((await c2.get('small.txt')).content.toString(), 'small v1');
        for (const k of ['absent.bin', 'form.bin', 'mp.bin']) {
          await assert.rejects(c2.get(k), (e: { status?: number }) => e.status === 404, k);
        }
        const l2 = c2 as unknown as typeof loose;
        assert.deepEqual(
          (await l2.listUploads({})).uploads.map((u) => u.uploadId),
          [uploadId],
          'the multipart upload is still open',
        );
        // Start-up collection: every blob file is referenced (objects or open parts).
        const refs = referenced(dataDir);
        const orphans = blobFiles(dataDir).filter((b) => !refs.has(b));
        assert.deepEqual(orphans, [], 'no orphan blob files');
        assert.equal(blobFiles(dataDir).length, blobsBefore, 'exactly the committed blobs remain');
      } finally {
        await second.stop();
      }
    } finally {
      await app.close();
    }
  });
});
