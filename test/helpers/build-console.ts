import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './spawn-ossd.js';

let built = false;

/** Bundles web/console into web/dist once per test process, so browser tests run the current sources. */
export async function buildConsole(): Promise<void> {
  if (built) return;
  execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build-console.mjs')], {
    env: { ...process.env, OSSD_QUIET_BUILD: '1' },
    stdio: 'inherit',
  });
  built = true;
}
