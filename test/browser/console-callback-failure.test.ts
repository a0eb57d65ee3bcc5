/**
 * The bucket view's veto-mode setting in a real browser: it shows the bucket's callback-failure and sets
 * it through the admin API; an upload with a failing callback is then discarded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { loadCallbackFailure } from '../../src/api/object/callback-failure.js';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

describe('console: callback-failure (veto mode) in the bucket view', { timeout: 30_000 }, () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    client = await withBucket(server, 'vetoview');
    app = await startCallbackReceiver({ kind: 'status', status: 500 });
    browser = await launchBrowser();
    page = await browser.newPage();
    problems = watchPage(page);
    await signIn(page, `http://127.0.0.1:${server.consolePort}/`, ROOT_ID, ROOT_SECRET);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
  });

  it('shows keep, switches to discard, and uploads are then discarded', async () => {
    await page.click('a:text("vetoview")');
    const select = 'select[name=callbackFailure]';
    await page.waitForSelector(`${select}:not([disabled])`);
    assert.equal(await page.inputValue(select), 'keep');
    await page.selectOption(select, 'discard');
    const deadline = Date.now() + 5000;
    while ((await loadCallbackFailure(server.services.meta, 'vetoview')) !== 'discard' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await loadCallbackFailure(server.services.meta, 'vetoview'), 'discard');
    await assert.rejects(
      putWithCallback(client, 'x.txt', Buffer.from('x'), { url: app.url, body: 'o=${object}' }),
      (e: OssErrorLike) => e.status === 203 && e.message.includes('not stored'),
    );
    await assert.rejects(client.get('x.txt'), (e: OssErrorLike) => e.status === 404);
    await page.reload();
    await page.waitForSelector(`${select}:not([disabled])`);
    assert.equal(await page.inputValue(select), 'discard');
    assert.deepEqual(problems, []);
  });
});
