/**
 * The console in a real browser: sign in, create a bucket, upload ~8 MB (multipart, with progress), see it
 * listed, check its metadata against a Node ali-oss client, download it, delete it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';

describe('console: buckets and objects in a real browser', { timeout: 30_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let origin: string;

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    assert.ok(server.consolePort, 'the console listens');
    origin = `http://127.0.0.1:${server.consolePort}`;
    browser = await launchBrowser();
    page = await browser.newPage();
    problems = watchPage(page);
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('serves the UI, redirects / to it, and keeps the OSS API on the same port', async () => {
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/-/console/');
    const get = async (path: string) => {
      const r = await fetch(`${origin}${path}`);
      return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
    };
    const html = await get('/-/console/');
    assert.equal(html.type, 'text/html; charset=utf-8');
    assert.match(html.body, /vendor\/aliyun-oss-sdk\.min\.js/);
    assert.equal((await get('/-/console/app.js')).type, 'text/javascript; charset=utf-8');
    assert.equal((await get('/-/console/styles.css')).type, 'text/css; charset=utf-8');
    const sdk = await get('/-/console/vendor/aliyun-oss-sdk.min.js');
    assert.equal(sdk.status, 200);
    assert.match(sdk.body, /OSS/);
    assert.equal((await get('/-/console/..%2Fpackage.json')).status, 404);
    // An anonymous OSS request through the console port gets the pipeline's XML error.
    const anon = await fetch(`${origin}/nosuchbucket/x`);
    assert.equal(anon.status, 404);
    assert.match(await anon.text(), /<Code>NoSuchBucket<\/Code>/);
  });

  it('signs in, creates a bucket, uploads 8 MB with progress, shows metadata, downloads, deletes', async () => {
    await signIn(page, `${origin}/`, ROOT_ID, ROOT_SECRET);
    await page.fill('input[name=bucket]', 'console-e2e');
    await page.click('button:text("Create bucket")');
    await page.click('tr[data-bucket=console-e2e] a');
    await page.waitForSelector('[data-testid=objects]');

    // Record every progress value the page shows.
    await page.evaluate(`(() => {
      window.__progress = [];
      new MutationObserver(() => {
        const p = document.querySelector('[data-testid=upload-progress]');
        const list = window.__progress;
        if (p && list[list.length - 1] !== Number(p.value)) list.push(Number(p.value));
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    })()`);
    const data = randomBytes(8 * 1024 * 1024 + 12345);
    await page.setInputFiles('input[type=file]', {
      name: 'big.bin',
      mimeType: 'application/octet-stream',
      buffer: data,
    });
    await page.waitForSelector('[data-testid=upload-status][data-status=done]', { timeout: 20_000 });
    const progress = (await page.evaluate('window.__progress')) as number[];
    assert.equal(progress[progress.length - 1], 1, `progress reached 100%: ${progress}`);
    assert.ok(progress.filter((p) => p > 0 && p < 1).length >= 3, `intermediate progress observed: ${progress}`);
    assert.match((await page.textContent('[data-testid=upload-status]')) ?? '', /100%.*multipart/);

    await page.waitForSelector('tr[data-key="big.bin"]');
    const client = server.client({ bucket: 'console-e2e' });
    const head = await client.head('big.bin');
    const headers = head.res.headers as Record<string, string>;
    assert.equal(headers['x-oss-object-type'], 'Multipart', 'uploaded with multipart');
    assert.equal(Number(headers['content-length']), data.length);

    await page.click('tr[data-key="big.bin"] button.link');
    await page.waitForSelector('[data-field=etag]:not(:empty)');
    assert.equal(await page.textContent('[data-field=etag]'), headers.etag);
    assert.equal(await page.textContent('[data-field=crc64]'), headers['x-oss-hash-crc64ecma']);
    assert.match((await page.textContent('[data-field=size]')) ?? '', new RegExp(`${data.length} bytes`));

    const href = await page.getAttribute('tr[data-key="big.bin"] a[data-action=download]', 'href');
    assert.ok(href?.startsWith(`${origin}/console-e2e/big.bin?`), href ?? '');
    const downloaded = await fetch(href!);
    assert.equal(downloaded.status, 200);
    assert.match(downloaded.headers.get('content-disposition') ?? '', /attachment/);
    assert.ok(Buffer.from(await downloaded.arrayBuffer()).equals(data), 'downloaded bytes match');

    await page.click('tr[data-key="big.bin"] button[data-action=delete]');
    await page.waitForSelector('tr[data-key="big.bin"]', { state: 'detached' });
    await assert.rejects(client.head('big.bin'), (err: { status: number }) => err.status === 404);
    assert.deepEqual(problems, []);
  });
});
