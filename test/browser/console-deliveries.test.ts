// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OSS callback templates are written ${…} in plain strings
/**
 * The console's delivery log in a real browser: an upload with a callback (Node ali-oss) to a real
 * receiver shows up in the live list, the detail shows the request and the response, re-send works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

describe('console: callback deliveries in a real browser', { timeout: 30_000 }, () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  let client: OSS;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    receiver = await startCallbackReceiver({ kind: 'json', body: { from: 'receiver', n: 1 } });
    client = await withBucket(server, 'deliveries');
    browser = await launchBrowser();
    page = await browser.newPage();
    problems = watchPage(page);
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
  });

  it('lists a delivery live, shows its request and response, and re-sends it', async () => {
    const put = await putWithCallback(client, 'photos/cb.txt', Buffer.from('hello'), {
      url: `${receiver.url}/hook?src=ossd`,
      body: 'bucket=${bucket}&object=${object}&size=${size}',
    });
    assert.equal(put.res.status, 200);
    await signIn(page, `http://127.0.0.1:${server.consolePort}/`, ROOT_ID, ROOT_SECRET);
    await page.click('nav a:text("Callback deliveries")');
    const row = 'tr[data-key="photos/cb.txt"]';
    await page.waitForSelector(row);
    assert.match((await page.textContent(row)) ?? '', /OK.*PutObject.*\/hook\?src=ossd.*200/s);

    // Live: a later, failing upload appears without reloading (polling), newest first.
    receiver.setBehaviour({ kind: 'status', status: 500, body: 'boom' });
    await assert.rejects(
      putWithCallback(client, 'late.txt', Buffer.from('x'), { url: `${receiver.url}/hook`, body: 'k=${object}' }),
      (err: { status: number }) => err.status === 203,
    );
    await page.waitForSelector('tr[data-key="late.txt"]', { timeout: 6000 });
    assert.equal(await page.getAttribute('[data-testid=deliveries] tbody tr:first-child', 'data-key'), 'late.txt');
    await page.selectOption('select[name=ok]', 'false');
    await page.waitForSelector(row, { state: 'detached' });
    assert.equal(await page.locator('tr[data-key="late.txt"]').count(), 1);
    await page.selectOption('select[name=ok]', '');
    await page.waitForSelector(row);

    await page.click(`${row} a`);
    await page.waitForSelector('[data-testid=delivery-detail] [data-testid=attempt]');
    assert.equal(
      await page.textContent('[data-testid=rendered-body]'),
      'bucket=deliveries&object=photos%2Fcb.txt&size=5',
    );
    assert.match(
      (await page.textContent('[data-testid=request-headers]')) ?? '',
      /authorization: .+\nx-oss-pub-key-url: /s,
    );
    assert.match(
      (await page.textContent('[data-testid=string-to-sign]')) ?? '',
      /^\/hook\?src=ossd\nbucket=deliveries/,
    );
    assert.equal(await page.textContent('[data-testid=response-status]'), '200');
    assert.deepEqual(JSON.parse((await page.textContent('[data-testid=response-body]')) ?? ''), {
      from: 'receiver',
      n: 1,
    });

    receiver.setBehaviour({ kind: 'json', body: { from: 'receiver', n: 2 } });
    const before = receiver.requests.length;
    await page.click('[data-testid=resend]');
    const got = await receiver.waitForRequests(before + 1);
    assert.equal(got[got.length - 1].body.toString(), 'bucket=deliveries&object=photos%2Fcb.txt&size=5');
    await page.waitForSelector('text=re-send of');
    await page.waitForSelector('[data-testid=response-body]:has-text("2")');
    assert.deepEqual(JSON.parse((await page.textContent('[data-testid=response-body]')) ?? ''), {
      from: 'receiver',
      n: 2,
    });
    assert.deepEqual(problems, []);
  });

  it('shows the version id an upload to a versioned bucket created', async () => {
    const versioned = (await withBucket(server, 'versioned-deliveries')) as OSS & {
      putBucketVersioning(b: string, s: string): Promise<unknown>;
    };
    await versioned.putBucketVersioning('versioned-deliveries', 'Enabled');
    receiver.setBehaviour({ kind: 'json', body: { ok: true } });
    const put = await putWithCallback(versioned, 'v.txt', Buffer.from('v1'), {
      url: `${receiver.url}/hook`,
      body: 'object=${object}',
    });
    const versionId = (put.res.headers as Record<string, string>)['x-oss-version-id'];
    assert.ok(versionId);
    await page.goto(`http://127.0.0.1:${server.consolePort}/#/deliveries`);
    await page.click('tr[data-key="v.txt"] a');
    await page.waitForSelector('[data-testid=version-id]');
    assert.equal(await page.textContent('[data-testid=version-id]'), `(version ${versionId}) `);
  });

  it('marks a delivery whose texts were cut to the record cap', async () => {
    // 20 × 5000 bytes = 100,000 bytes rendered: delivered whole, recorded up to 64 KiB with a marker.
    receiver.setBehaviour({ kind: 'json', body: { ok: true } });
    const put = await putWithCallback(client, 'big-body.txt', Buffer.from('b'), {
      url: `${receiver.url}/hook`,
      body: '${x:v}'.repeat(20),
      customValue: { v: 'c'.repeat(5000) },
    });
    assert.equal(put.res.status, 200);
    await page.click('nav a:text("Callback deliveries")');
    await page.waitForSelector('tr[data-key="big-body.txt"]');
    await page.click('tr[data-key="big-body.txt"] a');
    await page.waitForSelector('[data-testid=delivery-detail] [data-testid=truncated]');
    assert.match(
      (await page.textContent('[data-testid=truncated]')) ?? '',
      /Truncated: renderedBody, stringToSign, attempt 1 stringToSign/,
    );
    const body = (await page.textContent('[data-testid=rendered-body]')) ?? '';
    assert.match(body, /…\[truncated by ossd: first 65536 of 100000 bytes kept\]$/);
    assert.ok(body.length < 66_000);
    assert.deepEqual(problems, []);
  });
});
