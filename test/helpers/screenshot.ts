/** With OSSD_SCREENSHOTS=1, browser tests save the pages docs/console.md shows (docs/images/console-NAME.png). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO } from './spawn-ossd.js';

export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.OSSD_SCREENSHOTS !== '1') return;
  const dir = path.join(REPO, 'docs', 'images');
  mkdirSync(dir, { recursive: true });
  // No caret, animations or toasts left over from earlier steps: the images change only when the page does.
  await page.screenshot({
    path: path.join(dir, `console-${name}.png`),
    animations: 'disabled',
    caret: 'hide',
    style: '.toasts { display: none; }',
  });
}
