/**
 * Veto mode (bucket setting callback-failure: discard), end to end: real ossd, real ali-oss uploads with
 * callbacks, real application servers on loopback.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, type ReceivedRequest, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { buildForm, policyOf, postForm, v1Fields, xmlText } from '../post-object/post-helpers.js';

const BUCKET = 'veto';
const NOT_STORED = 'The object was not stored';

async function admin(
  server: TestServer,
  method: string,
  p: string,
  creds: [string, string] = [ROOT_ID, ROOT_SECRET],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.endpoint}${p}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(creds.join(':')).toString('base64')}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function text(client: OSS, key: string): Promise<string | 404> {
  try {
    return (await client.get(key)).content.toString();
  } catch (err) {
    if ((err as OssErrorLike).status === 404) return 404;
    throw err;
  }
}

async function listed(client: OSS, prefix: string): Promise<string[]> {
  const r = await client.list({ prefix, 'max-keys': 1000 }, {});
  return (r.objects ?? []).map((o) => o.name);
}

/** Blobs in the blob store (files, or the shared S3 bucket in cluster runs). */
async function blobCount(server: TestServer): Promise<number> {
  let n = 0;
  for await (const _ of server.services.blobs.list()) n++;
  return n;
}

/** An app that holds each callback until the test releases it with a status and JSON. */
function heldApp(app: CallbackReceiver) {
  const held: { req: ReceivedRequest; res: ServerResponse }[] = [];
  app.setBehaviour({ kind: 'custom', handle: (req, res) => held.push({ req, res }) });
  return {
    async next(timeoutMs = 5000): Promise<{ req: ReceivedRequest; answer(status: number, body: unknown): void }> {
      const deadline = Date.now() + timeoutMs;
      while (held.length === 0) {
        if (Date.now() > deadline) throw new Error('no callback arrived');
        await new Promise((r) => setTimeout(r, 10));
      }
      const h = held.shift()!;
      return {
        req: h.req,
        answer(status, body) {
          const data = Buffer.from(JSON.stringify(body));
          h.res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
          h.res.end(data);
        },
      };
    },
  };
}

describe('veto mode: callback-failure discard', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.timeoutMs = 3000;
    });
    client = await withBucket(server, BUCKET);
    app = await startCallbackReceiver();
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('is set and read through the admin API, by the owning account only', async () => {
    assert.deepEqual((await admin(server, 'GET', `/-/admin/buckets/${BUCKET}/callback-failure`)).body, {
      bucket: BUCKET,
      callbackFailure: 'keep',
    });
    const bad = await admin(server, 'PUT', `/-/admin/buckets/${BUCKET}/callback-failure?mode=drop`);
    assert.equal(bad.status, 400);
    const meta = server.services.meta;
    await meta.ensureAccount('other', 'other');
    await meta.putAccessKey({
      id: 'otherVetoKey01',
      secret: 'otherVetoSecret0000000001',
      accountId: 'other',
      createdAt: 0,
    });
    const foreign = await admin(server, 'PUT', `/-/admin/buckets/${BUCKET}/callback-failure?mode=discard`, [
      'otherVetoKey01',
      'otherVetoSecret0000000001',
    ]);
    assert.equal(foreign.status, 404);
    const set = await admin(server, 'PUT', `/-/admin/buckets/${BUCKET}/callback-failure?mode=discard`);
    assert.equal(set.status, 200);
    assert.equal(set.body.callbackFailure, 'discard');
  });

  it('a failing callback (non-2xx, not JSON, unreachable) discards the upload; the previous version stays', async () => {
    await client.put('doc.txt', Buffer.from('version 1'));
    const before = await blobCount(server);
    const failures: [string, () => void][] = [
      ['status', () => app.setBehaviour({ kind: 'status', status: 500 })],
      ['not-json', () => app.setBehaviour({ kind: 'text', body: 'ok' })],
    ];
    for (const [what, set] of failures) {
      set();
      const big = randomBytes(200 * 1024); // a file blob, not inline
      const err = (await putWithCallback(client, 'doc.txt', big, { url: `${app.url}/cb`, body: 'o=${object}' }).then(
        () => assert.fail(`${what}: expected CallbackFailed`),
        (e: unknown) => e,
      )) as OssErrorLike;
      assert.equal(err.status, 203, what);
      assert.equal(err.code, 'CallbackFailed', what);
      assert.ok(err.message.includes(NOT_STORED), `${what}: ${err.message}`);
      assert.equal(await text(client, 'doc.txt'), 'version 1', what);
    }
    // Unreachable application: a closed port.
    const closed = await startCallbackReceiver();
    const url = closed.url;
    await closed.close();
    const err = (await putWithCallback(client, 'new.txt', Buffer.from('never'), { url, body: 'o=${object}' }).then(
      () => assert.fail('expected CallbackFailed'),
      (e: unknown) => e,
    )) as OssErrorLike;
    assert.equal(err.status, 203);
    assert.ok(err.message.startsWith('Error status : -1. OSS can not connect'), err.message);
    assert.ok(err.message.includes(NOT_STORED));
    assert.equal(await text(client, 'new.txt'), 404);
    assert.deepEqual(await listed(client, 'new'), []);
    assert.equal(await blobCount(server), before, 'the discarded bytes were released');
  });

  it('200 with JSON keeps the upload and relays the JSON, as OSS does', async () => {
    app.setBehaviour({ kind: 'json', body: { accepted: true } });
    const r = await putWithCallback(client, 'doc.txt', Buffer.from('version 2'), { url: app.url, body: 'o=${object}' });
    assert.equal(r.res.status, 200);
    assert.deepEqual(r.data, { accepted: true });
    assert.equal(await text(client, 'doc.txt'), 'version 2');
  });

  it('nothing is visible while the application has not answered (GET, HEAD, LIST)', async () => {
    const hold = heldApp(app);
    // An overwrite: readers keep seeing the previous version, then the new one once the app says yes.
    const upload = putWithCallback(client, 'doc.txt', Buffer.from('version 3'), { url: app.url, body: 'o=${object}' });
    const cb = await hold.next();
    assert.equal(await text(client, 'doc.txt'), 'version 2');
    assert.equal(((await client.head('doc.txt')).res.headers as Record<string, string>)['content-length'], '9');
    // A new key: absent for every reader meanwhile.
    const fresh = putWithCallback(client, 'fresh/a.txt', Buffer.from('new'), {
      url: app.url,
      body: 'o=${object}',
    }).then(
      () => assert.fail('expected CallbackFailed'),
      (e: unknown) => e as OssErrorLike,
    );
    const cb2 = await hold.next();
    assert.equal(await text(client, 'fresh/a.txt'), 404);
    assert.deepEqual(await listed(client, 'fresh/'), []);
    cb.answer(200, { ok: 1 });
    cb2.answer(403, { no: 1 });
    assert.equal((await upload).res.status, 200);
    assert.equal(await text(client, 'doc.txt'), 'version 3');
    const refused = await fresh;
    assert.equal(refused.status, 203);
    assert.ok(refused.message.includes(NOT_STORED));
    assert.equal(await text(client, 'fresh/a.txt'), 404);
  });

  it('x-oss-forbid-overwrite is checked again when the commit happens after the callback', async () => {
    const hold = heldApp(app);
    const upload = putWithCallback(
      client,
      'once.txt',
      Buffer.from('first try'),
      { url: app.url, body: 'o=${object}' },
      { 'x-oss-forbid-overwrite': 'true' },
    );
    const cb = await hold.next();
    await client.put('once.txt', Buffer.from('someone else'));
    cb.answer(200, { ok: 1 });
    await assert.rejects(upload, (e: OssErrorLike) => e.status === 409 && e.code === 'FileAlreadyExists');
    assert.equal(await text(client, 'once.txt'), 'someone else');
  });

  it('PostObject: a failed callback discards the form upload', async () => {
    app.setBehaviour({ kind: 'status', status: 502 });
    const callback = Buffer.from(JSON.stringify({ callbackUrl: `${app.url}/p`, callbackBody: 'o=${object}' })).toString(
      'base64',
    );
    const fd = buildForm([['key', 'form.txt'], ['callback', callback], ...v1Fields(client, policyOf([]))], {
      data: 'form bytes',
    });
    const r = await postForm(server.port, fd, { path: `/${BUCKET}/` });
    assert.equal(r.status, 203, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'CallbackFailed');
    assert.ok(xmlText(r.text, 'Message')?.includes(NOT_STORED));
    assert.equal(r.headers['x-ossd-upload-discarded'], 'true');
    assert.equal(await text(client, 'form.txt'), 404);
    app.setBehaviour({ kind: 'json', body: { form: 'ok' } });
    const ok = await postForm(
      server.port,
      buildForm([['key', 'form.txt'], ['callback', callback], ...v1Fields(client, policyOf([]))], { data: 'kept' }),
      { path: `/${BUCKET}/` },
    );
    assert.equal(ok.status, 200, ok.text);
    assert.equal(await text(client, 'form.txt'), 'kept');
  });

  it('CompleteMultipartUpload: a failed callback leaves the upload open; Complete can be retried', async () => {
    await client.put('big.bin', Buffer.from('old'));
    const data = randomBytes(250 * 1024);
    app.setBehaviour({ kind: 'status', status: 500 });
    const callback = { url: `${app.url}/mp`, body: 'o=${object}&size=${size}' };
    const err = (await client
      .multipartUpload('big.bin', data, { partSize: 100 * 1024, callback } as unknown as OSS.MultipartUploadOptions)
      .then(
        () => assert.fail('expected CallbackFailed'),
        (e: unknown) => e,
      )) as OssErrorLike;
    assert.equal(err.status, 203);
    assert.ok(err.message.includes(NOT_STORED), err.message);
    assert.equal(await text(client, 'big.bin'), 'old');
    type Loose = {
      listUploads(q: object): Promise<{ uploads: { name: string; uploadId: string }[] }>;
      listParts(name: string, uploadId: string): Promise<{ parts: { PartNumber: string; ETag: string }[] }>;
      completeMultipartUpload(
        name: string,
        uploadId: string,
        parts: { number: number; etag: string }[],
        options: object,
      ): Promise<{ res: { status: number }; data: unknown }>;
    };
    const loose = client as unknown as Loose;
    const uploads = (await loose.listUploads({})).uploads.filter((u) => u.name === 'big.bin');
    assert.equal(uploads.length, 1, 'the upload is still open');
    const { parts } = await loose.listParts('big.bin', uploads[0].uploadId);
    assert.equal(parts.length, 3);
    app.setBehaviour({ kind: 'json', body: { completed: true } });
    const done = await loose.completeMultipartUpload(
      'big.bin',
      uploads[0].uploadId,
      parts.map((p) => ({ number: Number(p.PartNumber), etag: p.ETag })),
      { callback },
    );
    assert.equal(done.res.status, 200);
    assert.deepEqual(done.data, { completed: true });
    assert.ok(Buffer.from((await client.get('big.bin')).content).equals(data));
  });

  it('keep (the default) stays OSS behaviour: a failed callback still stores the object', async () => {
    const set = await admin(server, 'PUT', `/-/admin/buckets/${BUCKET}/callback-failure?mode=keep`);
    assert.equal(set.body.callbackFailure, 'keep');
    app.setBehaviour({ kind: 'status', status: 500 });
    await assert.rejects(
      putWithCallback(client, 'kept.txt', Buffer.from('kept anyway'), { url: app.url, body: 'o=${object}' }),
      (e: OssErrorLike) => e.status === 203 && e.message === 'Error status : 500.',
    );
    assert.equal(await text(client, 'kept.txt'), 'kept anyway');
  });
});
