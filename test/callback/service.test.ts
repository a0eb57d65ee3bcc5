// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OSS callback templates are written ${…} in plain strings
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parseCallbackParams } from '../../src/callback/parse.js';
import { CallbackService, type CallbackSettings, DeliveryNotFoundError } from '../../src/callback/service.js';
import type { CallbackVariables } from '../../src/callback/template.js';
import { SqliteDeliveryStore } from '../../src/storage/local/delivery-store.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const policy = { denyPrivate: false, allowLinkLocal: false };
const settings: CallbackSettings = {
  timeoutMs: 300,
  maxResponseBytes: 1024 * 1024,
  maxInFlight: 2,
  absentNumbersAsNull: false,
  policy,
};
const vars: CallbackVariables = {
  bucket: 'examplebucket',
  object: 'exampleobject.txt',
  etag: 'D41D8CD98F00B204E9800998ECF8427E',
  size: 0,
  mimeType: 'text/plain',
  crc64: '0',
  contentMd5: '1B2M2Y8AsgTpgAmY7PhCfg==',
  vpcId: '',
  clientIp: '127.0.0.1',
  reqId: 'REQ123',
  operation: 'PutObject',
};
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

describe('CallbackService', () => {
  let rx: CallbackReceiver;
  let db: Database.Database;
  let store: SqliteDeliveryStore;
  const logs: unknown[] = [];
  const logger = {
    info: (o: object, m?: string) => logs.push([o, m]),
    warn: (o: object, m?: string) => logs.push([o, m]),
  };
  const service = () =>
    new CallbackService(settings, {
      privateKey,
      deliveries: store,
      publicKeyUrl: () => 'http://ossd.local/callback_pub_key_v1.pem',
      logger,
    });
  const spec = () =>
    parseCallbackParams(
      b64({
        callbackUrl: `${rx.url}/cb`,
        callbackBody: 'bucket=${bucket}&object=${object}&var1=${x:var1}&var2=${x:var2}',
      }),
      b64({ 'x:var1': 'value1', 'x:var2': 'value2' }),
      { policy },
    );

  before(async () => {
    rx = await startCallbackReceiver();
    db = new Database(':memory:');
    store = new SqliteDeliveryStore(db);
  });
  after(async () => {
    await rx.close();
    db.close();
  });

  it("delivers the seed sample's body and records it", async () => {
    rx.setBehaviour({ kind: 'json', body: { Status: 'OK' } });
    const out = await service().run(spec(), vars);
    assert.equal(out.ok, true);
    assert.equal(out.body?.toString(), '{"Status":"OK"}');
    const req = rx.requests.at(-1);
    assert.equal(req?.body.toString(), 'bucket=examplebucket&object=exampleobject.txt&var1=value1&var2=value2');
    assert.equal(
      Buffer.from(String(req?.headers['x-oss-pub-key-url']), 'base64').toString(),
      'http://ossd.local/callback_pub_key_v1.pem',
    );
    assert.equal(
      verify(
        'md5',
        Buffer.from(`/cb\n${req?.body}`),
        publicKey,
        Buffer.from(String(req?.headers.authorization), 'base64'),
      ),
      true,
    );
    const [rec] = await store.list({ requestId: 'REQ123' });
    assert.deepEqual(
      [rec.ok, rec.bucket, rec.key, rec.operation, rec.renderedBody],
      [true, 'examplebucket', 'exampleobject.txt', 'PutObject', req?.body.toString()],
    );
    assert.equal(rec.attempts[0].responseBody?.toString(), '{"Status":"OK"}');
    assert.equal(rec.stringToSign, `/cb\n${req?.body}`);
  });

  it('refuses beyond maxInFlight with Too many callback requests', async () => {
    rx.setBehaviour({ kind: 'hang' });
    const svc = service();
    const runs = [svc.run(spec(), { ...vars, reqId: 'HANG1' }), svc.run(spec(), { ...vars, reqId: 'HANG2' })];
    assert.equal(svc.active, 2);
    const third = await svc.run(spec(), { ...vars, reqId: 'OVER' });
    assert.deepEqual(
      [third.ok, third.cause, third.message, third.attempts.length],
      [false, 'overloaded', 'Too many callback requests', 0],
    );
    const [a, b] = await Promise.all(runs);
    assert.equal(a.cause, 'timeout');
    assert.equal(b.cause, 'timeout');
    assert.equal(svc.active, 0);
    const [over] = await store.list({ requestId: 'OVER' });
    assert.deepEqual([over.ok, over.cause, over.message], [false, 'overloaded', 'Too many callback requests']);
    assert.equal((await svc.run(spec(), vars)).cause, 'timeout'); // capacity is back
  });

  it('re-sends a recorded delivery, re-signed, as a new record', async () => {
    rx.setBehaviour({ kind: 'status', status: 500 });
    const svc = service();
    const failed = await svc.run(spec(), { ...vars, reqId: 'RESEND' });
    assert.equal(failed.message, 'Error status : 500.');
    const [original] = await store.list({ requestId: 'RESEND' });
    rx.setBehaviour({ kind: 'json', body: { again: true } });
    const { id, outcome } = await svc.resend(original.id);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.body?.toString(), '{"again":true}');
    assert.equal(outcome.renderedBody, original.renderedBody);
    const rec = await store.get(id);
    assert.equal(rec?.resendOf, original.id);
    assert.equal(rec?.ok, true);
    const req = rx.requests.at(-1);
    assert.equal(
      verify(
        'md5',
        Buffer.from(`/cb\n${original.renderedBody}`),
        publicKey,
        Buffer.from(String(req?.headers.authorization), 'base64'),
      ),
      true,
    );
    await assert.rejects(svc.resend('0000000000000000'), DeliveryNotFoundError);
  });

  it('never logs signatures or keys, and survives a failing store', async () => {
    const signatures = rx.requests.map((r) => String(r.headers.authorization));
    const text = JSON.stringify(logs);
    for (const s of signatures) assert.ok(!text.includes(s));
    assert.ok(!text.includes('PRIVATE KEY'));
    const broken = new CallbackService(settings, {
      privateKey,
      publicKeyUrl: 'http://x/',
      logger,
      deliveries: {
        record: () => Promise.reject(new Error('disk full')),
        list: async () => [],
        get: async () => undefined,
        claimDue: async () => [],
        complete: async () => false,
        countPending: async () => 0,
      },
    });
    rx.setBehaviour({ kind: 'json' });
    assert.equal((await broken.run(spec(), vars)).ok, true);
  });
});
