/**
 * Bucket lifecycle: ali-oss putBucketLifecycle/getBucketLifecycle/deleteBucketLifecycle against a real
 * ossd, OSS's validation errors (raw signed requests for bodies ali-oss refuses to build), and the rules
 * applied — by `ossd lifecycle run --now …` as a child process, by the exported run function on the
 * server's store, and by the periodic worker.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { applyLifecycle } from '../../src/storage/lifecycle.js';
import { DAY_MS } from '../../src/storage/lifecycle-rules.js';
import { REPO } from '../helpers/spawn-ossd.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** ali-oss 6.23 has these at runtime; @types/ali-oss declares them loosely. */
interface LifecycleClient {
  putBucketLifecycle(name: string, rules: Record<string, unknown>[]): Promise<{ res: { status: number } }>;
  getBucketLifecycle(name: string): Promise<{ rules: Record<string, unknown>[]; res: { status: number } }>;
  deleteBucketLifecycle(name: string): Promise<{ res: { status: number } }>;
}

const lc = (c: OSS) => c as unknown as LifecycleClient;

/** A signed raw PUT ?lifecycle with any body. */
async function rawPut(client: OSS, bucket: string, body: string): Promise<{ status: number; text: string }> {
  const url = client.signatureUrl('', {
    method: 'PUT',
    subResource: { lifecycle: '' },
    'Content-Type': 'application/xml',
  } as unknown as OSS.SignatureUrlOptions);
  // signatureUrl('') addresses the bucket: …/<bucket>/?lifecycle&…
  assert.ok(url.includes(`/${bucket}/`), url);
  const r = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/xml' } });
  return { status: r.status, text: await r.text() };
}

const xml = (rules: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration>${rules}</LifecycleConfiguration>`;

/**
 * `ossd lifecycle run …` on the server's stores (its data directory, or on a cluster the shared
 * PostgreSQL + S3 stores); resolves with exit code and output.
 */
function cli(server: TestServer, args: string[]): Promise<{ code: number | null; out: string }> {
  const c = server.services.config;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
  const stores = ['--data', server.dataDir];
  if (c.metadata) stores.push('--metadata', c.metadata);
  if (c.blobs) stores.push('--blobs', c.blobs, '--blobs-region', c.blobsRegion);
  if (c.blobsEndpoint) stores.push('--blobs-endpoint', c.blobsEndpoint);
  if (c.blobsAccessKeyId) env.OSSD_BLOBS_ACCESS_KEY_ID = c.blobsAccessKeyId;
  if (c.blobsSecretAccessKey) env.OSSD_BLOBS_SECRET_ACCESS_KEY = c.blobsSecretAccessKey;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'lifecycle', 'run', ...stores, ...args],
      { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function keys(client: OSS, prefix = ''): Promise<string[]> {
  const r = await client.list({ prefix, 'max-keys': 1000 }, {});
  return (r.objects ?? []).map((o) => o.name).sort();
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Midnight UTC `days` from today. */
const midnight = (days: number) => iso((Math.floor(Date.now() / DAY_MS) + days) * DAY_MS);

describe('bucket lifecycle', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('round-trips rules through ali-oss and answers NoSuchLifecycle when there are none', async () => {
    const c = await withBucket(server, 'lc-roundtrip');
    await assert.rejects(lc(c).getBucketLifecycle('lc-roundtrip'), (e: { code: string; status: number }) => {
      assert.equal(e.code, 'NoSuchLifecycle');
      assert.equal(e.status, 404);
      return true;
    });
    const put = await lc(c).putBucketLifecycle('lc-roundtrip', [
      { id: 'logs', prefix: 'logs/', status: 'Enabled', expiration: { days: 30 } },
      {
        id: 'old',
        prefix: 'old/',
        status: 'Disabled',
        expiration: { createdBeforeDate: '2020-01-01T00:00:00.000Z' },
      },
      { id: 'mpu', prefix: 'tmp/', status: 'Enabled', abortMultipartUpload: { days: 2 } },
      {
        id: 'cold',
        prefix: 'data/',
        status: 'Enabled',
        transition: { days: 10, storageClass: 'IA' },
        tag: { key: 'tier', value: 'cold' },
      },
      {
        id: 'versions',
        prefix: 'v/',
        status: 'Enabled',
        noncurrentVersionExpiration: { noncurrentDays: 5 },
        noncurrentVersionTransition: { noncurrentDays: 2, storageClass: 'Archive' },
      },
      { id: 'markers', prefix: 'm/', status: 'Enabled', expiration: { expiredObjectDeleteMarker: 'true' } },
    ]);
    assert.equal(put.res.status, 200);
    const got = await lc(c).getBucketLifecycle('lc-roundtrip');
    assert.equal(got.res.status, 200);
    assert.deepEqual(got.rules, [
      { id: 'logs', prefix: 'logs/', status: 'Enabled', expiration: { days: '30' } },
      { id: 'old', prefix: 'old/', status: 'Disabled', expiration: { createdBeforeDate: '2020-01-01T00:00:00.000Z' } },
      { id: 'mpu', prefix: 'tmp/', status: 'Enabled', abortMultipartUpload: { days: '2' } },
      {
        id: 'cold',
        prefix: 'data/',
        status: 'Enabled',
        tag: [{ key: 'tier', value: 'cold' }],
        transition: { days: '10', storageClass: 'IA' },
      },
      {
        id: 'versions',
        prefix: 'v/',
        status: 'Enabled',
        noncurrentVersionTransition: { noncurrentDays: '2', storageClass: 'Archive' },
        noncurrentVersionExpiration: { noncurrentDays: '5' },
      },
      { id: 'markers', prefix: 'm/', status: 'Enabled', expiration: { expiredObjectDeleteMarker: 'true' } },
    ]);
    // A Filter/Not with a tag round-trips too (ali-oss has no field for it: raw XML).
    const r = await rawPut(
      c,
      'lc-roundtrip',
      xml(
        '<Rule><ID>not</ID><Prefix>a/</Prefix><Status>Enabled</Status>' +
          '<Filter><Not><Prefix>a/keep/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Not></Filter>' +
          '<Expiration><Days>1</Days></Expiration></Rule>',
      ),
    );
    assert.equal(r.status, 200, r.text);
    const again = await lc(c).getBucketLifecycle('lc-roundtrip');
    assert.deepEqual(again.rules, [
      {
        id: 'not',
        prefix: 'a/',
        status: 'Enabled',
        filter: { not: { prefix: 'a/keep/', tag: { key: 'k', value: 'v' } } },
        expiration: { days: '1' },
      },
    ]);
    assert.equal((await lc(c).deleteBucketLifecycle('lc-roundtrip')).res.status, 204);
    assert.equal((await lc(c).deleteBucketLifecycle('lc-roundtrip')).res.status, 204, 'again: still 204');
    await assert.rejects(lc(c).getBucketLifecycle('lc-roundtrip'), { code: 'NoSuchLifecycle' });
  });

  it('refuses what OSS refuses, with its error codes', async () => {
    const c = await withBucket(server, 'lc-invalid');
    const rule = (inner: string, id = 'r', prefix = 'p/') =>
      `<Rule><ID>${id}</ID><Prefix>${prefix}</Prefix><Status>Enabled</Status>${inner}</Rule>`;
    const exp = (days: number) => `<Expiration><Days>${days}</Days></Expiration>`;
    const cases: [string, string, string, string?][] = [
      ['not xml', '<LifecycleConfiguration><Rule>', 'MalformedXML'],
      ['wrong root', '<Lifecycle><Rule/></Lifecycle>', 'MalformedXML'],
      ['no rule', xml(''), 'MalformedXML'],
      ['unknown element', xml(`${rule(exp(1))}<Other/>`), 'MalformedXML', '0014-00000015'],
      ['no prefix', xml(`<Rule><ID>r</ID><Status>Enabled</Status>${exp(1)}</Rule>`), 'MalformedXML', '0014-00000021'],
      ['bad status', xml(rule(exp(1)).replace('Enabled', 'On')), 'MalformedXML'],
      ['no action', xml(rule('')), 'MalformedXML'],
      [
        'days and date',
        xml(
          rule(
            '<Expiration><Days>1</Days><CreatedBeforeDate>2020-01-01T00:00:00.000Z</CreatedBeforeDate></Expiration>',
          ),
        ),
        'MalformedXML',
      ],
      ['zero days', xml(rule(exp(0))), 'InvalidArgument'],
      [
        'date not midnight',
        xml(rule('<Expiration><CreatedBeforeDate>2020-01-01T10:00:00.000Z</CreatedBeforeDate></Expiration>')),
        'InvalidArgument',
      ],
      [
        'bad class',
        xml(rule('<Transition><Days>1</Days><StorageClass>Glacier</StorageClass></Transition>')),
        'InvalidArgument',
      ],
      ['long id', xml(rule(exp(1), 'x'.repeat(256))), 'InvalidArgument', '0014-00000019'],
      ['duplicate id', xml(rule(exp(1), 'a', 'x/') + rule(exp(1), 'a', 'y/')), 'InvalidArgument'],
      [
        'same prefix',
        xml(
          rule(exp(1), 'a', 'x/') +
            rule('<Transition><Days>1</Days><StorageClass>IA</StorageClass></Transition>', 'b', 'x/'),
        ),
        'InvalidArgument',
        '0014-00000085',
      ],
      [
        'overlapping expirations',
        xml(rule(exp(200), 'a', 'test') + rule(exp(100), 'b', 'test/log')),
        'InvalidArgument',
        '0014-00000084',
      ],
      [
        'expiration before transition',
        xml(
          rule('<Transition><Days>60</Days><StorageClass>IA</StorageClass></Transition>', 'a', 'test') +
            rule(exp(30), 'b', 'test/log'),
        ),
        'InvalidArgument',
        '0014-00000082',
      ],
      [
        'archive before IA',
        xml(
          rule(
            '<Transition><Days>60</Days><StorageClass>IA</StorageClass></Transition><Transition><Days>30</Days><StorageClass>Archive</StorageClass></Transition>',
          ),
        ),
        'InvalidArgument',
        '0014-00000082',
      ],
      [
        'mixed days and dates',
        xml(
          rule('<Transition><Days>30</Days><StorageClass>IA</StorageClass></Transition>', 'a', 'test') +
            rule(
              '<Transition><CreatedBeforeDate>2021-12-30T00:00:00.000Z</CreatedBeforeDate><StorageClass>Archive</StorageClass></Transition>',
              'b',
              'test/log',
            ),
        ),
        'InvalidArgument',
        '0014-00000080',
      ],
      [
        'tag with abort',
        xml(rule('<Tag><Key>k</Key><Value>v</Value></Tag><AbortMultipartUpload><Days>1</Days></AbortMultipartUpload>')),
        'InvalidArgument',
        '0014-00000027',
      ],
      [
        'marker with days',
        xml(rule('<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>')),
        'MalformedXML',
      ],
      [
        'not prefix outside',
        xml(rule(`<Filter><Not><Prefix>log</Prefix></Not></Filter>${exp(1)}`, 'r', 'test')),
        'InvalidArgument',
        '0014-00000035',
      ],
      [
        'not tag equals rule tag',
        xml(
          rule(
            `<Tag><Key>k</Key><Value>v</Value></Tag><Filter><Not><Prefix>p/a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Not></Filter>${exp(1)}`,
          ),
        ),
        'InvalidArgument',
        '0014-00000036',
      ],
      [
        'too many rules',
        xml(Array.from({ length: 1001 }, (_, i) => rule(exp(1), `r${i}`, `p${i}/`)).join('')),
        'InvalidArgument',
      ],
    ];
    for (const [name, body, code, ec] of cases) {
      const r = await rawPut(c, 'lc-invalid', body);
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assert.match(r.text, new RegExp(`<Code>${code}</Code>`), name);
      if (ec) assert.match(r.text, new RegExp(`<EC>${ec}</EC>`), name);
    }
    await assert.rejects(lc(c).getBucketLifecycle('lc-invalid'), { code: 'NoSuchLifecycle' }, 'nothing was stored');
    // Overlapping prefixes with different actions in order, and tag-filtered rules, are fine.
    const ok = await rawPut(
      c,
      'lc-invalid',
      xml(
        rule('<Transition><Days>30</Days><StorageClass>IA</StorageClass></Transition>', 'a', 'test') +
          rule(exp(60), 'b', 'test/log') +
          rule(`<Tag><Key>k</Key><Value>v</Value></Tag>${exp(10)}`, 'c', 'test/log/x'),
      ),
    );
    assert.equal(ok.status, 200, ok.text);
  });

  it('accepts the configurations ali-oss users send: old api, dates, several tags, allowed same-action overlap', async () => {
    const c = await withBucket(server, 'lc-client');
    const put = (rules: Record<string, unknown>[], headers?: Record<string, string>) =>
      (
        c as unknown as {
          putBucketLifecycle: (b: string, r: unknown[], o?: unknown) => Promise<{ res: { status: number } }>;
        }
      ).putBucketLifecycle('lc-client', rules, headers ? { headers } : undefined);
    // ali-oss's `days` / `date` shorthands become Expiration.
    assert.equal((await put([{ id: 'old', prefix: 'logs/', status: 'Enabled', days: 1 }])).res.status, 200);
    assert.equal(
      (await put([{ id: 'old', prefix: 'logs/', status: 'Enabled', date: '2020-02-18T00:00:00.000Z' }])).res.status,
      200,
    );
    // With dates, a later action names an earlier date (it applies to older objects).
    const dated = await put([
      {
        id: 't',
        prefix: 'logs/',
        status: 'Enabled',
        transition: { createdBeforeDate: '2020-02-18T00:00:00.000Z', storageClass: 'IA' },
        expiration: { createdBeforeDate: '2020-02-17T00:00:00.000Z' },
        tag: { key: 'test', value: '123' },
      },
    ]);
    assert.equal(dated.res.status, 200);
    const tags = await put([
      {
        id: 'tags',
        prefix: 'logs/',
        status: 'Enabled',
        expiration: { days: 1 },
        tag: [
          { key: 1, value: '2' },
          { key: 'testkey', value: 'testvalue' },
        ],
      },
    ]);
    assert.equal(tags.res.status, 200);
    const got = await lc(c).getBucketLifecycle('lc-client');
    assert.deepEqual(got.rules[0].tag, [
      { key: '1', value: '2' },
      { key: 'testkey', value: 'testvalue' },
    ]);
    const overlap = [
      { id: 'a', prefix: 'test', status: 'Enabled', expiration: { days: 200 } },
      { id: 'b', prefix: 'test/log', status: 'Enabled', expiration: { days: 100 } },
    ];
    await assert.rejects(put(overlap), { code: 'InvalidArgument', status: 400 });
    assert.equal((await put(overlap, { 'x-oss-allow-same-action-overlap': 'true' })).res.status, 200);
  });

  it('ossd lifecycle run --now expires by days as OSS counts them, and --dry-run changes nothing', async () => {
    const c = await withBucket(server, 'lc-days');
    for (const k of ['logs/a', 'logs/b', 'keep/c']) await c.put(k, Buffer.from(k));
    await lc(c).putBucketLifecycle('lc-days', [
      { id: 'logs30', prefix: 'logs/', status: 'Enabled', expiration: { days: 30 } },
    ]);
    // Rounded up to the next midnight UTC, then 30 days: not due 30 days from now, due 31 days from now.
    const early = await cli(server, ['--now', iso(Date.now() + 30 * DAY_MS), '--bucket', 'lc-days']);
    assert.equal(early.code, 0, early.out);
    assert.match(early.out, /^0 expired, 0 transitioned, 0 aborted/m);
    const dry = await cli(server, ['--now', iso(Date.now() + 31 * DAY_MS + 60_000), '--dry-run']);
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /^would expire lc-days\/logs\/a \(rule logs30\)$/m);
    assert.match(dry.out, /^would expire lc-days\/logs\/b \(rule logs30\)$/m);
    assert.match(dry.out, /^2 would expire, 0 would transition, 0 would abort/m);
    assert.deepEqual(await keys(c), ['keep/c', 'logs/a', 'logs/b'], 'the dry run changed nothing');
    const run = await cli(server, ['--now', iso(Date.now() + 31 * DAY_MS + 60_000)]);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /^expired lc-days\/logs\/a \(rule logs30\)$/m);
    assert.match(run.out, /^2 expired, 0 transitioned, 0 aborted/m);
    assert.deepEqual(await keys(c), ['keep/c']);
    await assert.rejects(c.get('logs/a'), { code: 'NoSuchKey' });
    const bad = await cli(server, ['--now', 'tomorrow']);
    assert.equal(bad.code, 2, bad.out);
    const missing = await cli(server, ['--bucket', 'no-such-bucket-here']);
    assert.equal(missing.code, 1, missing.out);
  });

  it('expires by date, by tag, and leaves what Filter/Not excludes; disabled rules do nothing', async () => {
    const c = await withBucket(server, 'lc-filters');
    await c.put('date/1', Buffer.from('1'));
    await c.put('tag/hot', Buffer.from('h'), { headers: { 'x-oss-tagging': 'tier=hot' } });
    await c.put('tag/cold', Buffer.from('c'), { headers: { 'x-oss-tagging': 'tier=cold&x=1' } });
    await c.put('not/a', Buffer.from('a'));
    await c.put('not/keep/b', Buffer.from('b'));
    await c.put('not/keep/c', Buffer.from('c'), { headers: { 'x-oss-tagging': 'pin=yes' } });
    await c.put('off/d', Buffer.from('d'));
    const r = await rawPut(
      c,
      'lc-filters',
      xml(
        `<Rule><ID>date</ID><Prefix>date/</Prefix><Status>Enabled</Status><Expiration><CreatedBeforeDate>${midnight(1)}</CreatedBeforeDate></Expiration></Rule>` +
          '<Rule><ID>tag</ID><Prefix>tag/</Prefix><Status>Enabled</Status><Tag><Key>tier</Key><Value>cold</Value></Tag><Expiration><Days>1</Days></Expiration></Rule>' +
          '<Rule><ID>not</ID><Prefix>not/</Prefix><Status>Enabled</Status><Filter><Not><Prefix>not/keep/</Prefix><Tag><Key>pin</Key><Value>yes</Value></Tag></Not></Filter><Expiration><Days>1</Days></Expiration></Rule>' +
          '<Rule><ID>off</ID><Prefix>off/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>',
      ),
    );
    assert.equal(r.status, 200, r.text);
    // Today: only the date rule is due (the objects were modified before tomorrow's midnight).
    const today = await applyLifecycle(server.services.meta, server.services.blobs, { bucket: 'lc-filters' });
    assert.deepEqual([today.expired, today.transitioned, today.aborted], [1, 0, 0]);
    assert.deepEqual(await keys(c), ['not/a', 'not/keep/b', 'not/keep/c', 'off/d', 'tag/cold', 'tag/hot']);
    const actions: string[] = [];
    const later = await applyLifecycle(server.services.meta, server.services.blobs, {
      now: Date.now() + 3 * DAY_MS,
      onAction: (a) => actions.push(`${a.kind} ${a.bucket}/${a.key} ${a.rule}`),
    });
    assert.equal(later.expired, 3);
    assert.deepEqual(actions.sort(), [
      'expire lc-filters/not/a not',
      'expire lc-filters/not/keep/b not',
      'expire lc-filters/tag/cold tag',
    ]);
    assert.deepEqual(await keys(c), ['not/keep/c', 'off/d', 'tag/hot']);
  });

  it('transitions record the storage class (HEAD, GET, list), coldest due class wins, never back', async () => {
    const c = await withBucket(server, 'lc-transition');
    await c.put('t/a', Buffer.from('a'));
    await c.put('t/big', Buffer.alloc(200_000, 1));
    await lc(c).putBucketLifecycle('lc-transition', [
      { id: 'ia', prefix: 't/', status: 'Enabled', transition: { days: 10, storageClass: 'IA' } },
    ]);
    const r = await rawPut(
      c,
      'lc-transition',
      xml(
        '<Rule><ID>tiers</ID><Prefix>t/</Prefix><Status>Enabled</Status>' +
          '<Transition><Days>10</Days><StorageClass>IA</StorageClass></Transition>' +
          '<Transition><Days>20</Days><StorageClass>Archive</StorageClass></Transition>' +
          '<Transition><Days>40</Days><StorageClass>ColdArchive</StorageClass></Transition>' +
          '<Expiration><Days>100</Days></Expiration></Rule>',
      ),
    );
    assert.equal(r.status, 200, r.text);
    const cls = async (k: string) => (await c.head(k)).res.headers['x-oss-storage-class' as keyof object];
    assert.equal(await cls('t/a'), 'Standard');
    const run = (days: number) => cli(server, ['--now', iso(Date.now() + days * DAY_MS)]);
    const ia = await run(12);
    assert.match(ia.out, /^transitioned lc-transition\/t\/a to IA \(rule tiers\)$/m);
    assert.match(ia.out, /^0 expired, 2 transitioned, 0 aborted/m);
    assert.equal(await cls('t/a'), 'IA');
    assert.equal((await c.get('t/big')).res.headers['x-oss-storage-class' as keyof object], 'IA');
    const cold = await run(45);
    assert.match(cold.out, /^transitioned lc-transition\/t\/big to ColdArchive \(rule tiers\)$/m);
    const listed = await c.list({ prefix: 't/', 'max-keys': 100 }, {});
    assert.deepEqual(
      listed.objects.map((o) => [o.name, o.storageClass]),
      [
        ['t/a', 'ColdArchive'],
        ['t/big', 'ColdArchive'],
      ],
    );
    // GetBucketStat counts objects by the class lifecycle recorded.
    const stat = (
      await (c as unknown as { getBucketStat(b: string): Promise<{ stat: Record<string, string> }> }).getBucketStat(
        'lc-transition',
      )
    ).stat;
    assert.equal(stat.ColdArchiveObjectCount, '2');
    assert.equal(stat.StandardObjectCount, '0');
    const again = await run(45);
    assert.match(again.out, /^0 expired, 0 transitioned, 0 aborted/m, 'an object is transitioned once');
    // The byte content is untouched; an IA rule due later cannot warm a colder object.
    assert.equal((await c.get('t/a')).content.toString(), 'a');
  });

  it('aborts multipart uploads by days and by date, not other prefixes', async () => {
    const c = await withBucket(server, 'lc-mpu');
    const old = await c.initMultipartUpload('tmp/big');
    await c.uploadPart('tmp/big', old.uploadId, 1, Buffer.alloc(100_000, 2), 0, 100_000);
    const other = await c.initMultipartUpload('keep/big');
    await lc(c).putBucketLifecycle('lc-mpu', [
      { id: 'mpu', prefix: 'tmp/', status: 'Enabled', abortMultipartUpload: { days: 3 } },
    ]);
    const early = await applyLifecycle(server.services.meta, server.services.blobs, {
      bucket: 'lc-mpu',
      now: Date.now() + 2 * DAY_MS,
    });
    assert.equal(early.aborted, 0);
    const run = await cli(server, ['--bucket', 'lc-mpu', '--now', iso(Date.now() + 4 * DAY_MS + 60_000)]);
    assert.match(run.out, new RegExp(`^aborted lc-mpu/tmp/big upload ${old.uploadId} \\(rule mpu\\)$`, 'm'));
    assert.match(run.out, /^0 expired, 0 transitioned, 1 aborted/m);
    const uploads = await c.listUploads({}, {});
    assert.deepEqual(
      uploads.uploads.map((u: { name: string }) => u.name),
      ['keep/big'],
    );
    await assert.rejects(c.listParts('tmp/big', old.uploadId, {} as OSS.ListPartsQuery, {}), { code: 'NoSuchUpload' });
    // By date: every upload initiated before tomorrow's midnight.
    const r = await rawPut(
      c,
      'lc-mpu',
      xml(
        `<Rule><ID>date</ID><Prefix></Prefix><Status>Enabled</Status><AbortMultipartUpload><CreatedBeforeDate>${midnight(1)}</CreatedBeforeDate></AbortMultipartUpload></Rule>`,
      ),
    );
    assert.equal(r.status, 200, r.text);
    const byDate = await applyLifecycle(server.services.meta, server.services.blobs, { bucket: 'lc-mpu' });
    assert.equal(byDate.aborted, 1);
    await assert.rejects(c.listParts('keep/big', other.uploadId, {} as OSS.ListPartsQuery, {}), {
      code: 'NoSuchUpload',
    });
  });
});

describe('lifecycle on a versioned bucket', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  /** Every version and delete marker, as `key versionId-or-marker`, newest first per key. */
  async function versions(bucket: string): Promise<{ key: string; marker: boolean; latest: boolean; cls: string }[]> {
    const r = await server.services.meta.listObjectVersions(bucket, {
      prefix: '',
      delimiter: '',
      keyMarker: '',
      versionIdMarker: '',
      maxKeys: 1000,
    });
    return r.versions.map((v) => ({ key: v.key, marker: v.deleteMarker, latest: v.isLatest, cls: v.storageClass }));
  }

  it('expiring a current object leaves a delete marker; noncurrent versions transition, then expire; lone delete markers go', async () => {
    const c = await withBucket(server, 'lc-versions');
    await (c as unknown as { putBucketVersioning(b: string, s: string): Promise<unknown> }).putBucketVersioning(
      'lc-versions',
      'Enabled',
    );
    await c.put('v/a', Buffer.from('a1'));
    await c.put('v/a', Buffer.from('a2'));
    await c.put('v/b', Buffer.from('b1'));
    await c.delete('v/b');
    await c.put('e/x', Buffer.from('x1'));
    const r = await rawPut(
      c,
      'lc-versions',
      xml(
        '<Rule><ID>nc</ID><Prefix>v/</Prefix><Status>Enabled</Status>' +
          '<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>' +
          '<NoncurrentVersionTransition><NoncurrentDays>5</NoncurrentDays><StorageClass>IA</StorageClass></NoncurrentVersionTransition>' +
          '<NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration></Rule>' +
          '<Rule><ID>cur</ID><Prefix>e/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>',
      ),
    );
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await versions('lc-versions'), [
      { key: 'e/x', marker: false, latest: true, cls: 'Standard' },
      { key: 'v/a', marker: false, latest: true, cls: 'Standard' },
      { key: 'v/a', marker: false, latest: false, cls: 'Standard' },
      { key: 'v/b', marker: true, latest: true, cls: 'Standard' },
      { key: 'v/b', marker: false, latest: false, cls: 'Standard' },
    ]);
    const week = await cli(server, ['--now', iso(Date.now() + 7 * DAY_MS)]);
    assert.equal(week.code, 0, week.out);
    assert.match(week.out, /^transitioned lc-versions\/v\/a noncurrent version \S+ to IA \(rule nc\)$/m);
    assert.match(week.out, /^transitioned lc-versions\/v\/b noncurrent version \S+ to IA \(rule nc\)$/m);
    assert.match(week.out, /^expired lc-versions\/e\/x \(rule cur\)$/m);
    assert.match(week.out, /^1 expired, 2 transitioned, 0 aborted/m);
    // Expiring e/x on a versioned bucket kept its data as a noncurrent version behind a delete marker.
    await assert.rejects(c.get('e/x'), { code: 'NoSuchKey' });
    assert.deepEqual(await versions('lc-versions'), [
      { key: 'e/x', marker: true, latest: true, cls: 'Standard' },
      { key: 'e/x', marker: false, latest: false, cls: 'Standard' },
      { key: 'v/a', marker: false, latest: true, cls: 'Standard' },
      { key: 'v/a', marker: false, latest: false, cls: 'IA' },
      { key: 'v/b', marker: true, latest: true, cls: 'Standard' },
      { key: 'v/b', marker: false, latest: false, cls: 'IA' },
    ]);
    const later = await cli(server, ['--now', iso(Date.now() + 12 * DAY_MS)]);
    assert.equal(later.code, 0, later.out);
    assert.match(later.out, /^expired lc-versions\/v\/a noncurrent version \S+ \(rule nc\)$/m);
    assert.match(later.out, /^expired lc-versions\/v\/b noncurrent version \S+ \(rule nc\)$/m);
    assert.match(later.out, /^expired lc-versions\/v\/b delete marker \S+ \(rule nc\)$/m);
    assert.match(later.out, /^3 expired, 0 transitioned, 0 aborted/m);
    assert.deepEqual(await versions('lc-versions'), [
      { key: 'e/x', marker: true, latest: true, cls: 'Standard' },
      { key: 'e/x', marker: false, latest: false, cls: 'Standard' },
      { key: 'v/a', marker: false, latest: true, cls: 'Standard' },
    ]);
    assert.equal((await c.get('v/a')).content.toString(), 'a2');
  });
});

describe('the lifecycle worker', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((c) => {
      c.lifecycleInterval = '200ms';
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('applies the rules every --lifecycle-interval and counts them in /-/metrics', async () => {
    const c = await withBucket(server, 'lc-worker');
    await c.put('w/a', Buffer.from('a'));
    await c.put('w/b', Buffer.from('b'));
    await c.put('stay', Buffer.from('s'));
    const r = await rawPut(
      c,
      'lc-worker',
      xml(
        `<Rule><ID>w</ID><Prefix>w/</Prefix><Status>Enabled</Status><Expiration><CreatedBeforeDate>${midnight(1)}</CreatedBeforeDate></Expiration></Rule>`,
      ),
    );
    assert.equal(r.status, 200, r.text);
    let left: string[] = [];
    for (let i = 0; i < 100; i++) {
      left = await keys(c);
      if (left.length === 1) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.deepEqual(left, ['stay']);
    // On a cluster the balancer reaches any node, and whichever held the job counted the actions.
    if (!ONE_NODE_ONLY) {
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/-/metrics`)).text();
      assert.match(metrics, /^ossd_lifecycle_actions_total\{action="expire"\} 2$/m);
    }
  });
});
