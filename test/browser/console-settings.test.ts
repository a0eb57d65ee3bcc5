/**
 * The bucket settings tabs in a real browser, each change checked from Node with ali-oss: policy (and
 * its public status and effect), Referer (a blocked Referer is refused), versioning and the object version
 * list (download, restore, delete a version), lifecycle rules, default encryption, static website, access
 * logging, tags, request payment, the callbacks tab; and every tab at 420 px without horizontal scrolling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, watchPage } from '../helpers/browser.js';
import { buildConsole } from '../helpers/build-console.js';
import { screenshot } from '../helpers/screenshot.js';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const BUCKET = 'settings-e2e';

/** ali-oss methods @types/ali-oss lacks or types loosely. */
type Loose = Record<string, (...args: unknown[]) => Promise<Record<string, unknown>>>;

describe('console: bucket settings tabs', { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let client: OSS;
  let sdk: Loose;
  let origin: string;
  const open = async (hash: string, selector: string) => {
    const url = `${origin}/-/console/#${hash}`;
    // The same URL again changes no hash: reload, so the tab reads the setting afresh.
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.waitForSelector(selector);
  };
  const tab = (id: string, selector: string) => open(`/b/${BUCKET}/settings/${id}`, selector);
  const toast = (text: string) => page.waitForSelector(`[data-testid=toast][data-kind=ok]:has-text("${text}")`);
  const closeToasts = async () => {
    for (const b of await page.$$('[data-testid=toast] button')) await b.click().catch(() => {});
  };
  const anonymous = (key: string, headers: Record<string, string> = {}) =>
    fetch(`${server.endpoint}/${BUCKET}/${key}`, { headers }).then((r) => r.status);

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    client = await withBucket(server, BUCKET);
    sdk = client as unknown as Loose;
    origin = `http://127.0.0.1:${server.consolePort}`;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    problems = watchPage(page);
    page.on('dialog', (d) => void d.accept());
    await signIn(page, `${origin}/`, ROOT_ID, ROOT_SECRET);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('saves, validates and deletes a bucket policy, showing whether it is public', async () => {
    await client.put('public/hello.txt', Buffer.from('hello'));
    assert.equal(await anonymous('public/hello.txt'), 403, 'private bucket');
    await tab('policy', '[data-testid=policy-form] [data-testid=empty]');
    await page.fill('textarea[name=policy]', '{"Version":"1",');
    await page.click('button:text("Validate")');
    await page.waitForSelector('[data-testid=policy-problem]:has-text("Not JSON")');
    await page.fill('textarea[name=policy]', '');
    await page.click('button:text("Start from an example")');
    await page.click('button:text("Save policy")');
    await toast('Bucket policy of');
    await page.waitForSelector('[data-field=isPublic]:has-text("yes")');
    const policy = (await sdk.getBucketPolicy(BUCKET)).policy as { Statement: { Resource: string[] }[] };
    assert.deepEqual(policy.Statement[0].Resource, [`acs:oss:*:*:${BUCKET}/public/*`]);
    assert.equal(await anonymous('public/hello.txt'), 200, 'the policy lets anyone read public/*');
    await screenshot(page, 'settings-policy');

    // A policy the server refuses shows its error as a toast.
    await page.fill(
      'textarea[name=policy]',
      '{"Version":"1","Statement":[{"Effect":"Allow","Principal":["*"],"Action":["oss:NoSuchAction"],"Resource":["*"]}]}',
    );
    await page.click('button:text("Save policy")');
    await page.waitForSelector('[data-testid=toast][data-kind=error]:has-text("Saving the bucket policy failed")');
    await closeToasts();

    await page.click('button:text("Delete policy")');
    await page.waitForSelector('[data-testid=policy-form] [data-testid=empty]');
    const gone = await sdk.getBucketPolicy(BUCKET); // ali-oss answers a 404 with policy null
    assert.equal(gone.policy, null);
    assert.equal(gone.status, 404);
    assert.equal(await anonymous('public/hello.txt'), 403);
  });

  it('sets Referer allow and block lists that are enforced', async () => {
    await client.putBucketACL(BUCKET, 'public-read');
    await client.put('pic.txt', Buffer.from('pic'));
    await tab('referer', '[data-testid=referer-form] [data-testid=empty]');
    await page.uncheck('input[name=allowEmpty]');
    await page.fill('textarea[name=allow]', 'https://*.good.example');
    await page.fill('textarea[name=block]', 'https://bad.good.example');
    await page.click('button:text("Save Referer settings")');
    await toast('Referer settings of');
    const r = await sdk.getBucketReferer(BUCKET);
    assert.equal(r.allowEmpty, false);
    assert.deepEqual(r.referers, ['https://*.good.example']);
    assert.equal(await anonymous('pic.txt', { referer: 'https://www.good.example/page' }), 200);
    assert.equal(await anonymous('pic.txt', { referer: 'https://bad.good.example/page' }), 403, 'blocked');
    assert.equal(await anonymous('pic.txt'), 403, 'empty Referer not allowed');
    await page.reload();
    await page.waitForSelector('textarea[name=block]');
    assert.equal(await page.inputValue('textarea[name=block]'), 'https://bad.good.example');
    assert.equal(await page.isChecked('input[name=allowEmpty]'), false);
    await screenshot(page, 'settings-referer');

    await page.check('input[name=allowEmpty]');
    await page.fill('textarea[name=allow]', '');
    await page.fill('textarea[name=block]', '');
    await page.click('button:text("Save Referer settings")');
    await page.waitForSelector('[data-testid=referer-form] [data-testid=empty]');
    await toast('Referer settings of');
    assert.equal((await sdk.getBucketReferer(BUCKET)).allowEmpty, true);
    assert.equal(await anonymous('pic.txt'), 200);
    await client.putBucketACL(BUCKET, 'private');
  });

  it('enables versioning, then lists, downloads, restores and deletes versions', async () => {
    await tab('versioning', '[data-field=versioning]:has-text("Off")');
    await page.click('button:text("Enable versioning")');
    await page.waitForSelector('[data-field=versioning]:has-text("Enabled")');
    assert.equal((await sdk.getBucketVersioning(BUCKET)).versionStatus, 'Enabled');

    const v1 = (await client.put('doc.txt', Buffer.from('first'))).res.headers as Record<string, string>;
    await client.put('doc.txt', Buffer.from('second'));
    const first = v1['x-oss-version-id'];
    assert.ok(first, 'a version id');
    await open(`/b/${BUCKET}`, 'tr[data-key="doc.txt"]');
    await page.check('input[name=versions]');
    await page.waitForSelector(`[data-testid=versions] tr[data-version="${first}"]`);
    const rows = () =>
      page.$$eval('[data-testid=versions] tr[data-key="doc.txt"]', (trs) =>
        trs.map((t) => `${t.getAttribute('data-version')}${t.hasAttribute('data-latest') ? ' latest' : ''}`),
      );
    assert.equal((await rows()).length, 2);
    assert.ok(!(await rows()).includes(`${first} latest`), 'the first version is not the current one');
    await screenshot(page, 'settings-versions');

    const link = await page.getAttribute(`tr[data-version="${first}"] a[data-action=download-version]`, 'href');
    const got = await fetch(link ?? '');
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'first');

    await page.click(`tr[data-version="${first}"] button[data-action=restore]`);
    await toast('restored from version');
    assert.equal((await client.get('doc.txt')).content.toString(), 'first');
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid=versions] tr[data-key="doc.txt"]').length === 3`,
    );

    await page.click(`tr[data-version="${first}"] button[data-action=delete-version]`);
    await page.waitForSelector(`tr[data-version="${first}"]`, { state: 'detached' });
    const listed = (await sdk.getBucketVersions({ prefix: 'doc.txt' })) as { objects: { versionId: string }[] };
    assert.equal(listed.objects.length, 2);
    assert.ok(!listed.objects.some((o) => o.versionId === first));
    assert.equal((await client.get('doc.txt')).content.toString(), 'first', 'the restored copy stays current');

    await tab('versioning', '[data-field=versioning]:has-text("Enabled")');
    await page.click('button:text("Suspend versioning")');
    await page.waitForSelector('[data-field=versioning]:has-text("Suspended")');
    assert.equal((await sdk.getBucketVersioning(BUCKET)).versionStatus, 'Suspended');
  });

  it('adds and deletes lifecycle rules', async () => {
    await tab('lifecycle', '[data-testid=lifecycle] [data-testid=empty]');
    await page.fill('input[name=ruleId]', 'expire-logs');
    await page.fill('input[name=rulePrefix]', 'logs/');
    await page.fill('input[name=expire]', '30');
    await page.fill('input[name=abort]', '7');
    await page.click('button:text("Add rule")');
    await page.waitForSelector('tr[data-rule-id=expire-logs]');
    await page.fill('input[name=ruleId]', 'cool-media');
    await page.fill('input[name=rulePrefix]', 'media/');
    await page.fill('input[name=transition]', '60');
    await page.selectOption('select[name=transitionClass]', 'Archive');
    await page.uncheck('input[name=ruleEnabled]');
    await page.click('button:text("Add rule")');
    await page.waitForSelector('tr[data-rule-id=cool-media]');
    const rules = (await sdk.getBucketLifecycle(BUCKET)).rules as Record<string, unknown>[];
    assert.equal(rules.length, 2);
    assert.equal(rules[0].id, 'expire-logs');
    assert.equal(rules[0].prefix, 'logs/');
    assert.equal(rules[0].status, 'Enabled');
    assert.deepEqual(rules[0].expiration, { days: '30' });
    assert.deepEqual(rules[0].abortMultipartUpload, { days: '7' });
    assert.equal(rules[1].status, 'Disabled');
    assert.deepEqual(rules[1].transition, { days: '60', storageClass: 'Archive' });
    assert.match((await page.textContent('tr[data-rule-id=cool-media]')) ?? '', /to Archive after 60 d/);
    await screenshot(page, 'settings-lifecycle');

    await page.click('tr[data-rule-id=expire-logs] button.danger');
    await page.waitForSelector('tr[data-rule-id=expire-logs]', { state: 'detached' });
    const left = (await sdk.getBucketLifecycle(BUCKET)).rules as Record<string, unknown>[];
    assert.deepEqual(
      left.map((r) => r.id),
      ['cool-media'],
    );
    await page.click('tr[data-rule-id=cool-media] button.danger');
    await page.waitForSelector('[data-testid=lifecycle] [data-testid=empty]');
    await assert.rejects(sdk.getBucketLifecycle(BUCKET), (e: { code: string }) => e.code === 'NoSuchLifecycle');
  });

  it('keeps rules made elsewhere as they were when deleting another rule', async () => {
    const kept = {
      id: 'tagged',
      prefix: 'tmp/',
      status: 'Enabled',
      tag: { key: 'kind', value: 'scratch' },
      expiration: { createdBeforeDate: '2030-01-01T00:00:00.000Z' },
    };
    await sdk.putBucketLifecycle(BUCKET, [
      kept,
      { id: 'other', prefix: 'other/', status: 'Enabled', abortMultipartUpload: { days: 3 } },
    ]);
    await tab('lifecycle', 'tr[data-rule-id=other]');
    assert.match((await page.textContent('tr[data-rule-id=tagged]')) ?? '', /expire after 2030-01-01/);
    await page.click('tr[data-rule-id=other] button.danger');
    await page.waitForSelector('tr[data-rule-id=other]', { state: 'detached' });
    const rules = (await sdk.getBucketLifecycle(BUCKET)).rules as Record<string, unknown>[];
    assert.equal(rules.length, 1);
    assert.equal(rules[0].id, 'tagged');
    assert.deepEqual(rules[0].tag, [kept.tag]); // ali-oss reads tags as a list
    assert.equal((rules[0].expiration as Record<string, string>).createdBeforeDate, '2030-01-01T00:00:00.000Z');
    await sdk.deleteBucketLifecycle(BUCKET);
  });

  it('sets default encryption, then removes it', async () => {
    await tab('encryption', '[data-testid=encryption-form] input[value=None]:checked');
    await page.check('input[name=sse][value=KMS]');
    await page.fill('input[name=kmsKeyId]', 'console-key-1');
    await page.click('button:text("Save encryption")');
    await toast('Default encryption of');
    const enc = (await sdk.getBucketEncryption(BUCKET)).encryption as Record<string, string>;
    assert.equal(enc.SSEAlgorithm, 'KMS');
    assert.equal(enc.KMSMasterKeyID, 'console-key-1');
    await page.check('input[name=sse][value=AES256]');
    await page.click('button:text("Save encryption")');
    await page.waitForSelector('input[name=kmsKeyId]', { state: 'detached' });
    await toast('AES256');
    assert.equal(((await sdk.getBucketEncryption(BUCKET)).encryption as Record<string, string>).SSEAlgorithm, 'AES256');
    await client.put('sealed.txt', Buffer.from('x'));
    assert.equal((await client.head('sealed.txt')).res.headers['x-oss-server-side-encryption' as never], 'AES256');
    await page.check('input[name=sse][value=None]');
    await page.click('button:text("Save encryption")');
    await toast('None');
    await assert.rejects(
      sdk.getBucketEncryption(BUCKET),
      (e: { code: string }) => e.code === 'NoSuchServerSideEncryptionRule',
    );
  });

  it('configures the static website and turns it off', async () => {
    await tab('website', '[data-testid=website-form] [data-testid=empty]');
    await page.fill('input[name=suffix]', 'index.html');
    await page.check('input[name=subDir]');
    await page.fill('input[name=errorKey]', 'oops.html');
    await page.selectOption('select[name=errorStatus]', '200');
    await page.click('button:text("Save website")');
    await toast('Static website of');
    await page.waitForSelector('[data-testid=website-form] [data-testid=empty]', { state: 'detached' });
    const w = await sdk.getBucketWebsite(BUCKET);
    assert.equal(w.index, 'index.html');
    assert.equal(w.supportSubDir, 'true');
    assert.equal(w.error, 'oops.html');
    await page.click('button:text("Turn off")');
    await page.waitForSelector('[data-testid=website-form] [data-testid=empty]');
    await assert.rejects(
      sdk.getBucketWebsite(BUCKET),
      (e: { code: string }) => e.code === 'NoSuchWebsiteConfiguration',
    );
  });

  it('turns access logging on and off', async () => {
    await tab('logging', '[data-testid=logging-form] [data-testid=empty]');
    await page.fill('input[name=targetBucket]', BUCKET);
    await page.fill('input[name=targetPrefix]', 'access-logs/');
    await page.click('button:text("Save logging")');
    await toast('Access logs of');
    const l = await sdk.getBucketLogging(BUCKET);
    assert.equal(l.enable, true);
    assert.equal(l.prefix, 'access-logs/');
    await page.click('button:text("Turn off")');
    await page.waitForSelector('[data-testid=logging-form] [data-testid=empty]');
    assert.equal((await sdk.getBucketLogging(BUCKET)).enable, false);
  });

  it('edits bucket tags', async () => {
    await tab('tags', '[data-testid=tags-form] [data-testid=empty]');
    await page.click('button:text("Add tag")');
    await page.fill('[data-tag="0"] input[name=tagKey]', 'team');
    await page.fill('[data-tag="0"] input[name=tagValue]', 'storage');
    await page.click('button:text("Add tag")');
    await page.fill('[data-tag="1"] input[name=tagKey]', 'cost-centre');
    await page.fill('[data-tag="1"] input[name=tagValue]', '42 & more');
    await page.click('button:text("Save tags")');
    await toast('Tags of');
    assert.deepEqual((await sdk.getBucketTags(BUCKET)).tag, { team: 'storage', 'cost-centre': '42 & more' });
    await page.reload();
    await page.waitForSelector('[data-tag="1"]');
    await page.click('[data-tag="0"] button:text("Remove")');
    await page.click('[data-tag="0"] button:text("Remove")');
    await page.click('button:text("Save tags")');
    await page.waitForSelector('[data-testid=tags-form] [data-testid=empty]');
    await toast('Tags of');
    assert.deepEqual((await sdk.getBucketTags(BUCKET)).tag, {});
  });

  it('switches request payment to the requester and back', async () => {
    await tab('payment', '[data-testid=payment-form] input[value=BucketOwner]:checked');
    await page.check('input[name=payer][value=Requester]');
    await page.click('button:text("Save request payment")');
    await toast('paid by Requester');
    assert.equal((await sdk.getBucketRequestPayment(BUCKET)).payer, 'Requester');
    await page.check('input[name=payer][value=BucketOwner]');
    await page.click('button:text("Save request payment")');
    await toast('paid by BucketOwner');
    assert.equal((await sdk.getBucketRequestPayment(BUCKET)).payer, 'BucketOwner');
  });

  it('shows the veto mode and links to the notifications page on the callbacks tab', async () => {
    await tab('callbacks', '[data-testid=callbacks] select[name=callbackFailure]:not([disabled])');
    await page.selectOption('select[name=callbackFailure]', 'discard');
    const auth = `Basic ${Buffer.from(`${ROOT_ID}:${ROOT_SECRET}`).toString('base64')}`;
    const mode = async () =>
      (
        (await (
          await fetch(`${origin}/-/admin/buckets/${BUCKET}/callback-failure`, { headers: { authorization: auth } })
        ).json()) as { callbackFailure: string }
      ).callbackFailure;
    for (let i = 0; i < 50 && (await mode()) !== 'discard'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await mode(), 'discard');
    await page.click('[data-testid=notifications-link]');
    await page.waitForURL(/#\/notifications\?bucket=settings-e2e/);
  });

  it('fits every settings tab in 420 px without horizontal scrolling', async () => {
    const narrow = await browser.newPage({ viewport: { width: 420, height: 800 } });
    const narrowProblems = watchPage(narrow);
    await signIn(narrow, `${origin}/`, ROOT_ID, ROOT_SECRET);
    await client.put('a-rather-long-name-for-an-object-with-versions.txt', Buffer.from('x'));
    await client.putBucketLifecycle(BUCKET, [
      { id: 'a-long-rule-identifier-here', prefix: 'some/long/prefix/', status: 'Enabled', days: 30 },
    ] as never);
    const tabs: [string, string][] = [
      ['policy', '[data-testid=policy-form]'],
      ['referer', '[data-testid=referer-form]'],
      ['versioning', '[data-testid=versioning]'],
      ['lifecycle', 'tr[data-rule-id]'],
      ['encryption', '[data-testid=encryption-form]'],
      ['website', '[data-testid=website-form]'],
      ['logging', '[data-testid=logging-form]'],
      ['tags', '[data-testid=tags-form]'],
      ['payment', '[data-testid=payment-form]'],
      ['callbacks', '[data-testid=callbacks]'],
    ];
    for (const [id, selector] of tabs) {
      await narrow.goto(`${origin}/-/console/#/b/${BUCKET}/settings/${id}`);
      await narrow.waitForSelector(selector);
      if (id === 'tags') await narrow.click('button:text("Add tag")');
      if (id === 'policy') await narrow.click('button:text("Start from an example")');
      const width = await narrow.evaluate('document.documentElement.scrollWidth');
      assert.ok((width as number) <= 420, `${id}: scrollWidth ${width} > 420`);
      if (id === 'lifecycle') await screenshot(narrow, 'settings-narrow');
    }
    await narrow.goto(`${origin}/-/console/#/b/${BUCKET}`);
    await narrow.waitForSelector('input[name=versions]');
    await narrow.check('input[name=versions]');
    await narrow.waitForSelector('[data-testid=versions] tr[data-version]');
    const width = await narrow.evaluate('document.documentElement.scrollWidth');
    assert.ok((width as number) <= 420, `versions: scrollWidth ${width} > 420`);
    await narrow.close();
    // The only failed requests: the 404s of settings never made (no policy, lifecycle, website, encryption)
    // and the refused policy (400), each shown on the page.
    const unexpected = (list: string[]) => list.filter((p) => !/status of (400|404) /.test(p));
    assert.deepEqual(unexpected(narrowProblems), []);
    assert.deepEqual(unexpected(problems), []);
  });
});
