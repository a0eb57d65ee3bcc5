import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** web/dist: the bundled console (git-ignored; built by scripts/build-console.mjs). */
export const DIST_DIR = path.join(REPO, 'web', 'dist');

/** The ali-oss browser build, served as is: the copy in web/dist, else the one in node_modules. */
export function aliOssBrowserSdk(): string | undefined {
  const copy = path.join(DIST_DIR, 'aliyun-oss-sdk.min.js');
  if (existsSync(copy)) return copy;
  try {
    const pkg = createRequire(import.meta.url).resolve('ali-oss/package.json');
    const file = path.join(path.dirname(pkg), 'dist', 'aliyun-oss-sdk.min.js');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

let building: Promise<void> | undefined;

/** Builds web/dist once per process when it is missing (a fresh clone started without `npm ci`). */
export function ensureBundle(dist = DIST_DIR): Promise<void> {
  if (existsSync(path.join(dist, 'index.html'))) return Promise.resolve();
  building ??= new Promise<void>((resolve, reject) => {
    const script = path.join(REPO, 'scripts', 'build-console.mjs');
    execFile(
      process.execPath,
      [script],
      { cwd: REPO, env: { ...process.env, OSSD_QUIET_BUILD: '1' } },
      (err, _o, e) => {
        building = undefined;
        if (err) reject(new Error(`console build failed: ${e || err.message}`));
        else resolve();
      },
    );
  });
  return building;
}
