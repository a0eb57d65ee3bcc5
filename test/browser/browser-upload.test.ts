/**
 * The whole browser flow in headless Chromium: a page served by the example application server gets a
 * POST policy with a callback, uploads a file cross-origin to ossd, the application receives and
 * verifies the callback, the page shows the relayed JSON; the console then shows that delivery.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type BrowserUploadApp, startBrowserUploadApp } from '../../examples/browser-upload/app.js';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

describe('browser direct upload with a callback (examples/browser-upload)', { timeout: 40_000 }, () => {
  let server: TestServer;
  let app: BrowserUploadApp;
  let browser: Browser;
  let dir: string;
  before(async () => {
    await buildConsole();
    server = await startTestServer();
    app = await startBrowserUploadApp({
      endpoint: server.endpoint,
      accessKeyId: ROOT_ID,
      accessKeySecret: ROOT_SECRET,
      bucket: 'browserbucket',
    });
    browser = await launchBrowser();
    dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-browser-'));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uploads cross-origin, the app verifies the callback, the page shows its JSON, the console shows the delivery', async () => {
    const file = path.join(dir, 'holiday photo.txt');
    const content = 'pretend this is a photo\n'.repeat(1000);
    writeFileSync(file, content);

    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.url}/`);
    await page.fill('input[name=user]', 'zoë');
    await page.setInputFiles('input[name=file]', file);
    await page.click('button[type=submit]');
    await page.waitForSelector('#result[data-status]');
    assert.equal(await page.getAttribute('#result', 'data-status'), '200', (await page.textContent('#result')) ?? '');
    const shown = JSON.parse((await page.textContent('#result')) ?? '{}');
    assert.deepEqual(shown, {
      Status: 'OK',
      stored: 'uploads/holiday photo.txt',
      size: content.length,
      mimeType: 'text/plain',
      user: 'zoë',
    });
    assert.deepEqual(problems, []);

    // The application received exactly one verified callback, with PostObject's variables.
    assert.equal(app.callbacks.length, 1);
    assert.equal(
      app.callbacks[0].body,
      `bucket=browserbucket&object=uploads%2Fholiday%20photo.txt&size=${content.length}&mimeType=text%2Fplain&user=zo%C3%AB`,
    );
    // The object is in ossd, byte for byte.
    const stored = await server.client({ bucket: 'browserbucket' }).get('uploads/holiday photo.txt');
    assert.equal(stored.content.toString(), content);

    // The console shows that delivery.
    const consolePage = await browser.newPage();
    await signIn(consolePage, `http://127.0.0.1:${server.consolePort}/`, ROOT_ID, ROOT_SECRET);
    await consolePage.click('nav a:text("Callback deliveries")');
    const row = 'tr[data-key="uploads/holiday photo.txt"]';
    await consolePage.waitForSelector(row);
    assert.match((await consolePage.textContent(row)) ?? '', /OK.*PostObject.*\/callback.*200/s);
  });
});
