/** A real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the browser tests. */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.OSSD_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it). ` +
        'Set OSSD_CHROMIUM to use another binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** Fails the test on uncaught page errors; console errors are collected for assertion messages. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return problems;
}

/** Opens the console and signs in with the given key. */
export async function signIn(page: Page, consoleUrl: string, id: string, secret: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.fill('input[name=accessKeyId]', id);
  await page.fill('input[name=accessKeySecret]', secret);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
}
