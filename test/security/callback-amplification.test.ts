// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OSS callback templates are written ${…} in plain strings
/**
 * Callback template amplification: a 5 KB template naming a 5 KB variable ~830 times renders to 4 MB.
 * ossd refuses such a callback before storing anything (400), stops rendering at the cap when only the
 * upload's own variables push it over (203, nothing sent), and keeps delivery records bounded with a
 * visible truncation marker. Memory of ossd and the size of its database stay small meanwhile, and a
 * plain GET still answers.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { runToEnd, spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'ampKeyId0001';
const SECRET = 'ampSecret0000000000000000001';
const CONCURRENT = 12;
const MB = 1024 * 1024;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function dbBytes(dir: string): number {
  return ['meta.sqlite', 'meta.sqlite-wal']
    .map((f) => path.join(dir, f))
    .filter((f) => existsSync(f))
    .reduce((sum, f) => sum + statSync(f).size, 0);
}

describe('callback template amplification', () => {
  let ossd: Awaited<ReturnType<typeof spawnOssd>>;
  let hanging: CallbackReceiver;
  let app: CallbackReceiver;
  let client: OSS;
  before(async () => {
    ossd = await spawnOssd(
      { OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET, OSSD_LOG_LEVEL: 'warn' },
      ['--callback-timeout-ms', '3000'],
    );
    hanging = await startCallbackReceiver({ kind: 'hang' });
    app = await startCallbackReceiver({ kind: 'json', body: { ok: true } });
    client = ossClient({
      endpoint: `http://localhost:${ossd.port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      bucket: 'amp',
      timeout: 60_000,
    });
    await client.putBucket('amp');
    await client.put('plain.txt', Buffer.from('plain'));
  });
  after(async () => {
    await hanging.close();
    await app.close();
    await ossd.stop();
  });

  /** Runs `uploads` while a plain GET is made; checks the GET, RSS growth and database growth. */
  async function bounded<T>(uploads: () => Promise<T>): Promise<T> {
    const rss0 = rssBytes(Number(ossd.child.pid));
    const db0 = dbBytes(ossd.dataDir);
    const running = uploads();
    await new Promise((r) => setTimeout(r, 50));
    const got = await client.get('plain.txt');
    assert.equal(String(got.content), 'plain');
    const result = await running;
    const rssGrowth = rssBytes(Number(ossd.child.pid)) - rss0;
    const dbGrowth = dbBytes(ossd.dataDir) - db0;
    assert.ok(rssGrowth < 100 * MB, `ossd RSS grew by ${Math.round(rssGrowth / MB)} MB`);
    assert.ok(dbGrowth < 10 * MB, `the database grew by ${Math.round(dbGrowth / MB)} MB`);
    return result;
  }

  it(`refuses ${CONCURRENT} concurrent uploads whose template renders to 4 MB, before storing them`, async () => {
    const errors = await bounded(() =>
      Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          putWithCallback(client, `amp-${i}`, Buffer.from('x'.repeat(1024)), {
            url: `${hanging.url}/cb`,
            body: '${x:v}'.repeat(830),
            customValue: { v: 'a'.repeat(5000) },
          }).then(
            () => assert.fail('the upload was accepted'),
            (err: OssErrorLike) => err,
          ),
        ),
      ),
    );
    for (const err of errors) {
      assert.equal(err.status, 400, err.message);
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.message, /callbackBody renders to more than 262144 bytes/);
    }
    const listed = await client.list({ prefix: 'amp-', 'max-keys': 100 }, {});
    assert.equal(listed.objects?.length ?? 0, 0, 'nothing is stored');
    assert.equal(hanging.requests.length, 0);
  });

  it('stops rendering at the cap when the object key pushes the body over it: 203, nothing sent', async () => {
    const sent = app.requests.length;
    // Each `${object}` renders a 1000-byte key of `%` as 3000 bytes: 540 of them would be 1.6 MB.
    const errors = await bounded(() =>
      Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          putWithCallback(client, `sys-${i}-${'%'.repeat(1000)}`, Buffer.from('y'), {
            url: `${app.url}/cb`,
            body: '${object}'.repeat(540),
          }).then(
            () => assert.fail('the callback was delivered'),
            (err: OssErrorLike) => err,
          ),
        ),
      ),
    );
    for (const err of errors) {
      assert.equal(err.status, 203, err.message);
      assert.equal(err.code, 'CallbackFailed');
      assert.match(err.message, /callback body exceeds 262144 bytes/);
    }
    assert.equal(app.requests.length, sent, 'no callback was sent');
    const listed = await client.list({ prefix: 'sys-', 'max-keys': 100 }, {});
    assert.equal(listed.objects?.length, CONCURRENT, 'the objects stay stored, as with any 203');
  });

  it('keeps delivery records bounded with a truncation marker (CLI show), and refuses to re-send a cut body', async () => {
    // 20 × 5000 bytes = 100,000 bytes rendered: under the render cap, over the record cap.
    app.setBehaviour({ kind: 'huge', bytes: 200_000 });
    const result = await putWithCallback(client, 'trunc.txt', Buffer.from('z'), {
      url: `${app.url}/cb`,
      body: '${x:v}'.repeat(20),
      customValue: { v: 'b'.repeat(5000) },
    });
    assert.equal(result.res.status, 200);
    assert.equal(app.requests.at(-1)?.body.length, 100_000, 'the whole body was sent');
    const cli = (args: string[]) =>
      runToEnd(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'callbacks', ...args, '--data', ossd.dataDir],
        { OSSD_LOG_LEVEL: 'silent' },
        30_000,
      );
    const list = await cli(['list', '--bucket', 'amp', '--key', 'trunc.txt']);
    assert.equal(list.code, 0, list.output);
    const id = /^([0-9a-f]{16}) /m.exec(list.output)?.[1];
    assert.ok(id, list.output);
    const show = await cli(['show', id]);
    assert.equal(show.code, 0, show.output);
    assert.match(show.output, /TRUNCATED: +renderedBody, stringToSign, attempt 1 stringToSign, attempt 1 responseBody/);
    assert.match(show.output, /…\[truncated by ossd: first 65536 of 100000 bytes kept\]/);
    assert.match(show.output, /response: .*\n…\[truncated by ossd: first 65536 of 2000\d\d bytes kept\]/);
    const json = await cli(['show', id, '--json']);
    const record = JSON.parse(json.output) as { renderedBody: string; stringToSign: string };
    assert.ok(record.renderedBody.length < 66_000);
    assert.ok(record.stringToSign.length < 66_000);
    const resend = await cli(['resend', id]);
    assert.notEqual(resend.code, 0);
    assert.match(resend.output, /cannot be re-sent/);
  });
});
