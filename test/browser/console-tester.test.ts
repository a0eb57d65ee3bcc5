/**
 * The console's callback tester in a real browser: a malformed template shows the upload's error
 * (EC 0007-00000105); a valid one renders with an uploaded object's variables and, sent to a real
 * receiver, shows its reply — or the exact 203 message an upload would get.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

describe('console: callback tester in a real browser', { timeout: 30_000 }, () => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    receiver = await startCallbackReceiver({ kind: 'json', body: { accepted: true } });
    const client = await withBucket(server, 'tester');
    await client.put('docs/report.txt', Buffer.from('0123456789'), { mime: 'text/plain' });
    browser = await launchBrowser();
    page = await browser.newPage();
    problems = watchPage(page);
    await signIn(page, `http://127.0.0.1:${server.consolePort}/`, ROOT_ID, ROOT_SECRET);
    await page.click('nav a:text("Callback tester")');
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
  });

  it('shows the template error an upload would get', async () => {
    await page.fill(
      'textarea[name=callback]',
      JSON.stringify({ callbackUrl: `${receiver.url}/cb`, callbackBody: 'object=$object}' }),
    );
    await page.click('[data-testid=render]');
    await page.waitForSelector('[data-testid=tester-error]');
    const text = (await page.textContent('[data-testid=tester-error]')) ?? '';
    assert.match(text, /InvalidArgument · EC 0007-00000105/);
    assert.match(text, /Left brace must be adjacent to dollar sign\./);
    assert.equal(receiver.requests.length, 0);
  });

  it("renders with an object's variables, sends, and shows the reply or the 203 message", async () => {
    const callback = {
      callbackUrl: `${receiver.url}/cb`,
      callbackBody: '{"object":${object},"size":${size},"mime":${mimeType},"uid":${x:uid}}',
      callbackBodyType: 'application/json',
    };
    await page.fill('textarea[name=callback]', JSON.stringify(callback));
    await page.fill('textarea[name=callbackVar]', '{"x:uid":"u-7"}');
    await page.check('input[name=source] >> nth=0');
    await page.fill('input[name=bucket]', 'tester');
    await page.fill('input[name=key]', 'docs/report.txt');
    await page.click('[data-testid=send]');
    await page.waitForSelector('[data-testid=tester-outcome]');
    const expected = '{"object":"docs/report.txt","size":10,"mime":"text/plain","uid":"u-7"}';
    assert.equal(await page.textContent('[data-testid=tester-rendered]'), expected);
    assert.match((await page.textContent('[data-testid=tester-outcome]')) ?? '', /would return 200/);
    assert.deepEqual(JSON.parse((await page.textContent('[data-testid=response-body]')) ?? ''), { accepted: true });
    const [req] = await receiver.waitForRequests(1);
    assert.equal(req.body.toString(), expected);
    assert.ok(req.headers.authorization, 'signed');

    receiver.setBehaviour({ kind: 'text', body: 'thanks' });
    await page.click('[data-testid=send]');
    await page.waitForSelector('[data-testid=tester-outcome]:has-text("203")');
    assert.equal(
      await page.textContent('[data-testid=tester-outcome]'),
      'The upload would return 203 CallbackFailed: Response body is not valid json format.',
    );
    // Test sends are not recorded in the delivery log.
    assert.deepEqual(await server.services.callbacks.deliveries.list({}), []);
    assert.deepEqual(problems, []);
  });
});
