import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { b64 } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { loose, partList, tempFile } from './helpers.js';

const KB = 1024;

/** The multipart ETag ossd documents: MD5 of the binary part MD5s, then -count. */
function expectedEtag(bytes: Buffer, partSize: number): string {
  const md5s: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += partSize) {
    md5s.push(
      createHash('md5')
        .update(bytes.subarray(off, off + partSize))
        .digest(),
    );
  }
  return `${createHash('md5').update(Buffer.concat(md5s)).digest('hex').toUpperCase()}-${md5s.length}`;
}

interface MultipartResult {
  res: { status: number; headers: Record<string, string> };
  etag: string;
  data?: unknown;
}

interface Checkpoint {
  uploadId: string;
  doneParts: { number: number; etag: string }[];
}

describe('multipartUpload with ali-oss: callback, resume, parallel parts, ranges', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'multipart');
    app = await startCallbackReceiver();
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('uploads a several-MB file in parallel parts with a callback relayed into result.data', async () => {
    const { file, bytes, cleanup } = tempFile(3 * 1024 * KB + 12_345);
    try {
      const reply = { Status: 'OK', nested: { n: 1 } };
      app.setBehaviour({ kind: 'json', body: reply });
      const seen = app.requests.length;
      const partSize = 256 * KB;
      const result = (await client.multipartUpload('big/file.bin', file, {
        partSize,
        parallel: 4,
        mime: 'video/mp4',
        meta: { owner: 'tester' },
        callback: {
          url: `${app.url}/mp`,
          body: 'size=${size}&operation=${operation}&contentMd5=${contentMd5}&mimeType=${mimeType}&etag=${etag}&crc64=${crc64}&bucket=${bucket}&object=${object}&h=${imageInfo.height}&v=${x:v}',
          contentType: 'application/x-www-form-urlencoded',
          customValue: { v: 'var' },
        },
      } as unknown as OSS.MultipartUploadOptions)) as unknown as MultipartResult;
      assert.equal(result.res.status, 200);
      assert.deepEqual(result.data, reply);
      const etag = expectedEtag(bytes, partSize);
      assert.equal(result.etag, `"${etag}"`);
      assert.equal(result.res.headers['x-oss-hash-crc64ecma'], crc64(bytes));
      assert.equal(app.requests.length, seen + 1);
      const cb = app.requests[seen];
      assert.equal(
        cb.body.toString(),
        `size=${bytes.length}&operation=CompleteMultipartUpload&contentMd5=&mimeType=video%2Fmp4&etag=${etag}` +
          `&crc64=${crc64(bytes)}&bucket=multipart&object=big%2Ffile.bin&h=&v=var`,
      );

      const got = await client.get('big/file.bin');
      assert.ok(Buffer.from(got.content).equals(bytes));
      const h = got.res.headers as Record<string, string>;
      assert.equal(h['x-oss-object-type'], 'Multipart');
      assert.equal(h['content-type'], 'video/mp4');
      assert.equal(h['x-oss-meta-owner'], 'tester');
      assert.equal(h.etag, `"${etag}"`);
      assert.equal(h['x-oss-hash-crc64ecma'], crc64(bytes));
      assert.equal(h['content-md5'], undefined);
      // No upload is left behind.
      assert.equal((await loose(client).listUploads({})).uploads.length, 0);
    } finally {
      cleanup();
    }
  });

  it('reads ranges that span part boundaries', async () => {
    const { file, bytes, cleanup } = tempFile(5 * 100 * KB + 7);
    try {
      await client.multipartUpload('ranges.bin', file, { partSize: 100 * KB, parallel: 5 });
      const ranges: [number, number][] = [
        [100 * KB - 10, 100 * KB + 9], // across the first boundary
        [50, 4 * 100 * KB + 3], // across four boundaries
        [100 * KB, 200 * KB - 1], // exactly the second part
        [5 * 100 * KB, 5 * 100 * KB + 6], // the 7-byte last part
      ];
      for (const [a, b] of ranges) {
        const r = await client.get('ranges.bin', { headers: { Range: `bytes=${a}-${b}` } });
        assert.equal(r.res.status, 206, `${a}-${b}`);
        assert.equal((r.res.headers as Record<string, string>)['content-range'], `bytes ${a}-${b}/${bytes.length}`);
        assert.ok(Buffer.from(r.content).equals(bytes.subarray(a, b + 1)), `${a}-${b}`);
      }
    } finally {
      cleanup();
    }
  });

  it('resumes from the checkpoint of an interrupted upload, sending only the missing parts', async () => {
    const partSize = 100 * KB;
    const { file, bytes, cleanup } = tempFile(8 * partSize + 999);
    try {
      let checkpoint: Checkpoint | undefined;
      const interrupted = new Error('client interrupted');
      await assert.rejects(
        client.multipartUpload('resumed.bin', file, {
          partSize,
          parallel: 1,
          progress: async (_p: number, cpt: Checkpoint) => {
            if (!cpt) return;
            checkpoint = { ...cpt, doneParts: [...cpt.doneParts] };
            if (cpt.doneParts.length === 3) throw interrupted;
          },
        } as unknown as OSS.MultipartUploadOptions),
        (err) => err === interrupted,
      );
      assert.ok(checkpoint);
      assert.equal(checkpoint.doneParts.length, 3);
      const listed = await loose(client).listParts('resumed.bin', checkpoint.uploadId, {});
      assert.deepEqual(
        partList(listed.parts).map((p) => p.PartNumber),
        ['1', '2', '3'],
      );
      // Record which parts the resumed run sends.
      const sent: number[] = [];
      const internal = client as unknown as { _uploadPart: (...a: unknown[]) => Promise<unknown> };
      const original = internal._uploadPart;
      internal._uploadPart = function (this: unknown, ...args: unknown[]) {
        sent.push(args[2] as number);
        return original.apply(this, args);
      };
      let result: MultipartResult;
      try {
        result = (await client.multipartUpload('resumed.bin', file, {
          partSize,
          parallel: 2,
          checkpoint,
        } as unknown as OSS.MultipartUploadOptions)) as unknown as MultipartResult;
      } finally {
        internal._uploadPart = original;
      }
      assert.deepEqual(
        sent.sort((a, b) => a - b),
        [4, 5, 6, 7, 8, 9],
      );
      assert.equal(result.etag, `"${expectedEtag(bytes, partSize)}"`);
      const got = await client.get('resumed.bin');
      assert.ok(Buffer.from(got.content).equals(bytes));
      assert.equal((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(bytes));
    } finally {
      cleanup();
    }
  });

  it('accepts and ignores x-oss-callback on Initiate and UploadPart; only Complete calls back', async () => {
    const { file, bytes, cleanup } = tempFile(300 * KB + 1);
    try {
      app.setBehaviour({ kind: 'json', body: { once: true } });
      const seen = app.requests.length;
      const callbackHeader = b64({ callbackUrl: `${app.url}/h`, callbackBody: 'size=${size}&op=${operation}' });
      const result = (await client.multipartUpload('hdr.bin', file, {
        partSize: 100 * KB,
        headers: { 'x-oss-callback': callbackHeader },
      } as unknown as OSS.MultipartUploadOptions)) as unknown as MultipartResult;
      assert.deepEqual(result.data, { once: true });
      assert.equal(app.requests.length, seen + 1);
      assert.equal(app.requests[seen].body.toString(), `size=${bytes.length}&op=CompleteMultipartUpload`);
    } finally {
      cleanup();
    }
  });

  it('answers 203 CallbackFailed when the application fails, and keeps the object', async () => {
    const { file, bytes, cleanup } = tempFile(200 * KB + 5);
    try {
      app.setBehaviour({ kind: 'status', status: 500 });
      await assert.rejects(
        client.multipartUpload('cbfail.bin', file, {
          partSize: 100 * KB,
          callback: { url: `${app.url}/fail`, body: 'size=${size}' },
        } as unknown as OSS.MultipartUploadOptions),
        (err: { name: string; status: number; code: string }) => {
          assert.equal(err.status, 203);
          assert.equal(err.code, 'CallbackFailed');
          return true;
        },
      );
      const got = await client.get('cbfail.bin');
      assert.ok(Buffer.from(got.content).equals(bytes));
      assert.equal((await loose(client).listUploads({})).uploads.length, 0);
    } finally {
      app.setBehaviour({ kind: 'json' });
      cleanup();
    }
  });
});
