/**
 * The console's "Retries & notifications" page in a real browser: set a bucket's retry policy, add a
 * notification rule, test it against a real receiver, see the notification in the delivery list, remove it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { admin } from '../helpers/admin-api.js';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

describe('console: retries and notifications in a real browser', { timeout: 60_000 }, () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  let client: OSS;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    await buildConsole();
    server = await startTestServer((c) => {
      c.callback.queuePollMs = 100;
    });
    receiver = await startCallbackReceiver({ kind: 'status', status: 200, body: 'ok' });
    client = await withBucket(server, 'notified');
    browser = await launchBrowser();
    page = await browser.newPage();
    problems = watchPage(page);
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
  });

  it('sets a retry policy, adds, tests and removes a rule; notifications appear in the delivery list', async () => {
    await signIn(page, `http://127.0.0.1:${server.consolePort}/`, ROOT_ID, ROOT_SECRET);
    await page.click('nav a:text("Retries & notifications")');
    await page.fill('input[name=bucket]', 'notified');
    await page.click('button:text("Open")');
    await page.waitForSelector('[data-testid=policy]');
    assert.match((await page.textContent('[data-testid=policy]')) ?? '', /not retried/);
    await page.fill('input[name=retries]', '3');
    await page.fill('input[name=baseDelayMs]', '250');
    await page.fill('input[name=maxDelayMs]', '1000');
    await page.click('button:text("Save")');
    await page.waitForSelector('[data-testid=policy]:has-text("up to 3 times")');
    assert.deepEqual((await admin(server.endpoint, 'GET', '/callbacks/policy/notified')).body.policy, {
      retries: 3,
      baseDelayMs: 250,
      maxDelayMs: 1000,
    });

    await page.fill('input[name=events]', 'ObjectCreated:PutObject');
    await page.fill('input[name=suffix]', '.txt');
    await page.fill('input[name=targets]', `${receiver.url}/events`);
    await page.click('button:text("Add rule")');
    await page.waitForSelector('[data-testid=rules] tbody tr');
    const text = (await page.textContent('[data-testid=rules] tbody tr')) ?? '';
    assert.match(text, /ObjectCreated:PutObject.*suffix \.txt.*\/events/s);

    await page.click('[data-testid=rules] button:text("Test")');
    await page.waitForSelector(`text=${receiver.url}/events: OK 200`);
    assert.equal(receiver.requests.length, 1);

    await client.put('hello.txt', Buffer.from('hi'));
    await receiver.waitForRequests(2, 10_000);
    await page.click('nav a:text("Callback deliveries")');
    await page.selectOption('select[name=kind]', 'notification');
    await page.waitForSelector('tr[data-key="hello.txt"]');
    assert.match(
      (await page.textContent('tr[data-key="hello.txt"]')) ?? '',
      /notification.*OK.*ObjectCreated:PutObject/s,
    );

    await page.goBack(); // to #/notifications?bucket=notified
    await page.waitForSelector('[data-testid=rules] tbody tr');
    await page.click('[data-testid=rules] button:text("Remove")');
    await page.waitForSelector('text=No rules.');
    assert.deepEqual((await admin(server.endpoint, 'GET', '/notifications/notified')).body.rules, []);
    assert.deepEqual(problems, []);
  });
});
