import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { AccessLog, type AccessRecord } from '../../src/http/access-log.js';
import { Metrics } from '../../src/observability/metrics.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { rawBucketRequest } from '../helpers/raw-bucket-request.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer } from '../helpers/start-server.js';

/** ali-oss 6.23 has these at runtime; @types/ali-oss does not declare them all. */
interface LoggingClient {
  putBucketLogging(name: string, prefix?: string): Promise<{ res: OSS.NormalSuccessResponse }>;
  getBucketLogging(name: string): Promise<{ enable: boolean; prefix: string | null; res: OSS.NormalSuccessResponse }>;
  deleteBucketLogging(name: string): Promise<{ res: OSS.NormalSuccessResponse }>;
}

function loggingXml(target: string, prefix?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><BucketLoggingStatus><LoggingEnabled><TargetBucket>${target}</TargetBucket>${
    prefix === undefined ? '' : `<TargetPrefix>${prefix}</TargetPrefix>`
  }</LoggingEnabled></BucketLoggingStatus>`;
}

/** Polls (bounded) until `fn` returns something. */
async function eventually<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('bucket access logging (ali-oss)', () => {
  let server: TestServer;
  let client: OSS;
  let logging: LoggingClient;
  const src = 'log-source';
  const dst = 'log-target';

  before(async () => {
    server = await startTestServer((c) => {
      c.accessLogIntervalSeconds = 0.5;
    });
    client = server.client();
    logging = client as unknown as LoggingClient;
    await client.putBucket(src);
    await client.putBucket(dst);
  });
  after(() => server.stop());

  it('off by default: GetBucketLogging answers an empty status (200)', async () => {
    const r = await logging.getBucketLogging(src);
    assert.equal(r.res.status, 200);
    assert.equal(r.enable, false);
  });

  it('put (twice), get and delete round-trip; GetBucketInfo shows the target', async () => {
    // ali-oss logs a bucket into itself.
    assert.equal((await logging.putBucketLogging(src, 'logs/')).res.status, 200);
    assert.equal((await logging.putBucketLogging(src, 'logs/')).res.status, 200);
    const got = await logging.getBucketLogging(src);
    assert.equal(got.enable, true);
    assert.equal(got.prefix, 'logs/');
    const info = (await client.getBucketInfo(src)) as unknown as {
      bucket: { BucketPolicy: { LogBucket: string; LogPrefix: string } };
    };
    assert.deepEqual(info.bucket.BucketPolicy, { LogBucket: src, LogPrefix: 'logs/' });
    assert.equal((await logging.deleteBucketLogging(src)).res.status, 204);
    assert.equal((await logging.getBucketLogging(src)).enable, false);
  });

  it('refuses a missing target bucket, another owner and bad prefixes', async () => {
    await rejectsWith(
      rawBucketRequest(client, 'PUT', src, 'logging', loggingXml('no-such-bucket-here', 'x/')),
      'InvalidTargetBucketForLogging',
      400,
    );
    await server.services.meta.ensureAccount('acct-log-other', 'other');
    await server.services.meta.createBucket({
      name: 'log-other-owner',
      owner: 'acct-log-other',
      acl: 'private',
      createdAt: Date.now(),
      region: 'oss-cn-hangzhou',
      storageClass: 'Standard',
      dataRedundancyType: 'LRS',
    });
    await rejectsWith(
      rawBucketRequest(client, 'PUT', src, 'logging', loggingXml('log-other-owner')),
      'InvalidTargetBucketForLogging',
      400,
    );
    await rejectsWith(rawBucketRequest(client, 'PUT', src, 'logging', loggingXml(dst, '/abs')), 'InvalidArgument', 400);
    await rejectsWith(
      rawBucketRequest(client, 'PUT', src, 'logging', loggingXml(dst, 'p'.repeat(257))),
      'InvalidArgument',
      400,
    );
    await rejectsWith(
      rawBucketRequest(client, 'PUT', src, 'logging', '<BucketLoggingStatus><LoggingEnabled/></BucketLoggingStatus>'),
      'MalformedXML',
      400,
    );
    assert.equal((await logging.getBucketLogging(src)).enable, false);
  });

  it('requests to a logging bucket become log lines in the target bucket, in OSS format', async () => {
    await rawBucketRequest(client, 'PUT', src, 'logging', loggingXml(dst, 'access/'));
    // The node that took the request knows at once; the others of a cluster read the setting again within
    // min(5 s, interval) — here 0.5 s — of their last look (requests of the previous test looked).
    await new Promise((r) => setTimeout(r, 1000));
    const bucketClient = server.client({ bucket: src });
    await bucketClient.put('hello.txt', Buffer.from('hello world'));
    await bucketClient.get('hello.txt');
    await rejectsWith(bucketClient.get('missing.txt'), 'NoSuchKey', 404);
    const anonymous = await fetch(`http://127.0.0.1:${server.port}/${src}/hello.txt`, {
      headers: { referer: 'http://example.com/page', 'user-agent': 'log-test-agent' },
    });
    assert.equal(anonymous.status, 403);
    await anonymous.text();
    const target = server.client({ bucket: dst });
    const text = await eventually(async () => {
      const list = await target.list({ prefix: `access/${src}`, 'max-keys': 100 }, {});
      if (!list.objects?.length) return undefined;
      const bodies = await Promise.all(list.objects.map(async (o) => (await target.get(o.name)).content.toString()));
      const all = bodies.join('');
      // Each node of a cluster writes its own objects, on its own clock: wait for all four requests.
      const want = ['"log-test-agent"', '"NoSuchKey"', '"PutObject"', 'HTTP/1.1" 200 11 '];
      return want.every((w) => all.includes(w)) ? { all, names: list.objects.map((o) => o.name) } : undefined;
    });
    for (const name of text.names)
      assert.match(name, new RegExp(`^access/${src}\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9A-F]{8}$`));
    const lines = text.all.trim().split('\n');
    const put = lines.find((l) => l.includes('"PutObject"'));
    assert.ok(put, text.all);
    // RemoteIP - - [time] "request" status sent ms "referer" "ua" "host" "id" "true" "requester" "op" "bucket" "key" size ms "error" length "owner" ...
    const re =
      /^(\S+) - - \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "PUT \/log-source\/hello.txt HTTP\/1.1" 200 0 (\d+) "-" "[^"]*" "[^"]+" "([0-9A-F]{24})" "true" "(\S+)" "PutObject" "log-source" "hello.txt" 11 \d+ "-" 11 "(\S+)" - "-" "-" "-" "-" "testRootKeyId0001"$/;
    const m = re.exec(put);
    assert.ok(m, put);
    assert.equal(m[1], '127.0.0.1');
    const get = lines.find((l) => l.includes('"GetObject"') && l.includes(' 200 '));
    assert.ok(get);
    assert.match(get, / 200 11 \d+ /);
    assert.match(get, /"hello.txt" 11 /);
    const missing = lines.find((l) => l.includes('"NoSuchKey"'));
    assert.match(missing ?? '', /"GET \/log-source\/missing.txt HTTP\/1.1" 404 /);
    const anon = lines.find((l) => l.includes('"log-test-agent"'));
    assert.match(anon ?? '', /" 403 \d+ \d+ "http:\/\/example.com\/page" "log-test-agent" /);
    assert.match(anon ?? '', /"AccessDenied"/);
    assert.match(anon ?? '', /"true" "-" "GetObject"/);
  });

  it('the target bucket is not logged into itself by the log writes, and logging off stops the lines', async () => {
    await logging.deleteBucketLogging(src);
    const target = server.client({ bucket: dst });
    const before = (await target.list({ prefix: `access/${src}`, 'max-keys': 1000 }, {})).objects?.length ?? 0;
    await server.client({ bucket: src }).put('after.txt', Buffer.from('x'));
    await new Promise((r) => setTimeout(r, 1500));
    const now = (await target.list({ prefix: `access/${src}`, 'max-keys': 1000 }, {})).objects ?? [];
    const bodies = await Promise.all(now.map(async (o) => (await target.get(o.name)).content.toString()));
    assert.ok(!bodies.join('').includes('after.txt'), 'a request after DeleteBucketLogging was logged');
    assert.ok(now.length >= before);
  });
});

describe('access-log buffering', () => {
  it('a full buffer is written early, without waiting for the interval', async () => {
    const server = await startTestServer((c) => {
      c.accessLogIntervalSeconds = 3600;
      c.accessLogBufferBytes = 4096;
    });
    try {
      const client = server.client();
      await client.putBucket('cap-src');
      await (client as unknown as LoggingClient).putBucketLogging('cap-src', 'l/');
      const b = server.client({ bucket: 'cap-src' });
      for (let i = 0; i < 20; i++) await b.put(`k${i}`, Buffer.from('x'));
      const names = await eventually(async () => {
        const list = await b.list({ prefix: 'l/cap-src', 'max-keys': 100 }, {});
        return list.objects?.length ? list.objects.map((o) => o.name) : undefined;
      });
      assert.ok(names.length >= 1);
    } finally {
      await server.stop();
    }
  });

  it('lines still buffered are written at shutdown', { skip: ONE_NODE_ONLY }, async () => {
    const first = await startTestServer((c) => {
      c.accessLogIntervalSeconds = 3600;
    });
    const dataDir = first.dataDir;
    const client = first.client();
    await client.putBucket('drain-src');
    await (client as unknown as LoggingClient).putBucketLogging('drain-src', 'd/');
    await first.client({ bucket: 'drain-src' }).put('before-shutdown.txt', Buffer.from('x'));
    await first.close();
    const second = await startTestServer((c) => {
      c.data = dataDir;
    });
    try {
      const b = second.client({ bucket: 'drain-src' });
      const list = await b.list({ prefix: 'd/drain-src', 'max-keys': 100 }, {});
      assert.equal(list.objects?.length, 1);
      assert.match((await b.get(list.objects[0].name)).content.toString(), /"before-shutdown.txt"/);
    } finally {
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('past twice the buffer size lines are dropped and counted; what was kept is written whole', async () => {
    const server = await startTestServer();
    try {
      const client = server.client();
      await client.putBucket('drop-src');
      await (client as unknown as LoggingClient).putBucketLogging('drop-src', 'x/');
      const metrics = new Metrics();
      const { meta, blobs, logger } = server.services;
      const log = new AccessLog(meta, blobs, metrics, logger, { intervalMs: 0, maxBufferBytes: 4096 });
      const record: AccessRecord = {
        bucket: 'drop-src',
        time: Date.now(),
        remoteIp: '127.0.0.1',
        method: 'GET',
        url: '/drop-src/k',
        httpVersion: '1.1',
        status: 200,
        sentBytes: 1,
        ms: 1,
        requestId: '0123456789ABCDEF01234567',
        operation: 'GetObject',
        key: 'k',
        requestLength: 0,
      };
      // Synchronously, so no write can empty the buffer in between.
      const total = 200;
      for (let i = 0; i < total; i++) log.record({ ...record, url: `/drop-src/k${i}`, key: `k${i}` });
      await log.close();
      const dropped =
        (await metrics.registry.getSingleMetric('ossd_access_log_dropped_total')?.get())?.values[0]?.value ?? 0;
      assert.ok(dropped > 0, 'nothing was dropped');
      const b = server.client({ bucket: 'drop-src' });
      const list = await b.list({ prefix: 'x/drop-src', 'max-keys': 100 }, {});
      let lines = 0;
      for (const o of list.objects ?? []) lines += (await b.get(o.name)).content.toString().trim().split('\n').length;
      assert.equal(lines + dropped, total);
      // After close, nothing more is taken.
      log.record(record);
      assert.equal((await b.list({ prefix: 'x/drop-src', 'max-keys': 100 }, {})).objects?.length, list.objects?.length);
    } finally {
      await server.stop();
    }
  });
});
