/**
 * A hanging application server must not take ossd down: 1,000 uploads with callbacks against it
 * stay within the in-flight cap, sockets and memory stay bounded, and uploads without callbacks are
 * not delayed. Also the remaining fault kinds end to end: reset and trickle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { spawnOssd } from '../helpers/spawn-ossd.js';
import { ossClient } from '../helpers/start-server.js';

const ID = 'floodKeyId0001';
const SECRET = 'floodSecret000000000000000001';
const UPLOADS = 1000;
const CONCURRENCY = 150;

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

describe('callback flood against a hanging application server', () => {
  let ossd: Awaited<ReturnType<typeof spawnOssd>>;
  let app: CallbackReceiver;
  let client: OSS;
  before(async () => {
    ossd = await spawnOssd(
      { OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET, OSSD_LOG_LEVEL: 'warn' },
      ['--callback-timeout-ms', '1500', '--callback-max-in-flight', '64'],
    );
    app = await startCallbackReceiver({ kind: 'hang' });
    client = ossClient({
      endpoint: `http://localhost:${ossd.port}`,
      sldEnable: true,
      accessKeyId: ID,
      accessKeySecret: SECRET,
      bucket: 'flood',
      timeout: 30_000,
    });
    await client.putBucket('flood');
  });
  after(async () => {
    await app.close();
    await ossd.stop();
  });

  it(`survives ${UPLOADS} uploads with callbacks, bounded, without delaying plain uploads`, {
    timeout: 120_000,
  }, async () => {
    const pid = ossd.child.pid!;
    const baselineFds = fdCount(pid);
    let maxFds = baselineFds;
    let maxRss = rssBytes(pid);
    const sampler = setInterval(() => {
      maxFds = Math.max(maxFds, fdCount(pid));
      maxRss = Math.max(maxRss, rssBytes(pid));
    }, 50);
    const outcomes = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < UPLOADS) {
        const i = next++;
        const r = await putWithCallback(client, `f/${i}`, Buffer.from(`flood ${i}`), {
          url: app.url,
          body: 'o=${object}',
        }).then(
          () => 'ok',
          (e: OssErrorLike) => `${e.status} ${e.message.replace(/\d+/g, 'N')}`,
        );
        outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
      }
    };
    // Plain uploads measured while the flood runs.
    const plainLatencies: number[] = [];
    let flooding = true;
    const plain = (async () => {
      let i = 0;
      while (flooding && i < 200) {
        const t = performance.now();
        await client.put(`plain/${i++}`, Buffer.from('p'));
        plainLatencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    flooding = false;
    await plain;
    clearInterval(sampler);

    const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, UPLOADS);
    assert.equal(outcomes.get('ok'), undefined, 'a hanging application never succeeds');
    assert.ok((outcomes.get('203 Too many callback requests') ?? 0) > 0, JSON.stringify([...outcomes]));
    assert.ok(
      (outcomes.get('203 Error status : -N N.N.N.N:N reply timeout, cost:N ms, timeout:N ms') ?? 0) > 0,
      JSON.stringify([...outcomes]),
    );
    // Bounded: per client connection at most a socket, a blob file and a directory handle being
    // fsynced, plus the in-flight cap (64) of callback sockets — never one socket per upload.
    assert.ok(maxFds < baselineFds + 3 * CONCURRENCY + 64 + 40, `fds ${baselineFds} → max ${maxFds}`);
    assert.ok(maxRss < 400 * 1024 * 1024, `rss max ${Math.round(maxRss / 1048576)} MB`);
    // Plain uploads kept flowing during the flood.
    assert.ok(plainLatencies.length >= 5, `plain uploads ran (${plainLatencies.length})`);
    const sorted = [...plainLatencies].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(sorted.length * 0.9)];
    assert.ok(p90 < 1000, `plain upload p90 ${Math.round(p90)} ms during the flood`);
    // Every object is stored (the callback failing never loses the upload).
    const listed = await client.list({ prefix: 'f/', 'max-keys': 1000 } as OSS.ListObjectsQuery, {});
    assert.equal(listed.objects.length, 1000);
    // ossd is still healthy and its sockets drain.
    assert.equal((await fetch(`http://127.0.0.1:${ossd.port}/-/health`)).status, 200);
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(fdCount(pid) < baselineFds + CONCURRENCY + 20, `fds after: ${fdCount(pid)} (baseline ${baselineFds})`);
  });

  it('answers 203 for a reset connection and for a reply trickled past the timeout', async () => {
    app.setBehaviour({ kind: 'reset' });
    const reset = (await putWithCallback(client, 'reset.txt', Buffer.from('r'), {
      url: app.url,
      body: 'o=${object}',
    }).catch((e: OssErrorLike) => e)) as OssErrorLike;
    assert.equal(reset.status, 203);
    assert.equal(reset.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
    app.setBehaviour({ kind: 'slow', delayMs: 3000 });
    const slow = (await putWithCallback(client, 'slow.txt', Buffer.from('s'), {
      url: app.url,
      body: 'o=${object}',
    }).catch((e: OssErrorLike) => e)) as OssErrorLike;
    assert.equal(slow.status, 203);
    assert.match(slow.message, /^Error status : -1 127\.0\.0\.1:\d+ reply timeout, cost:1\d{3} ms, timeout:1500 ms$/);
    assert.equal((await client.get('slow.txt')).content.toString(), 's');
  });
});
