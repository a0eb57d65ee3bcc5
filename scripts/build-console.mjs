#!/usr/bin/env node
// Bundles the console (web/console/*.tsx, Preact) into web/dist/ with esbuild.
// Run by `npm ci` (prepare), before `npm start` and `npm test`, and by ossd when the bundle is missing.
// Writes into a temporary directory and renames it into place, so concurrent builds never mix files.
import { chmodSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'web', 'console');
const dist = path.join(root, 'web', 'dist');

const tmp = mkdtempSync(path.join(root, 'web', '.dist-'));
chmodSync(tmp, 0o755);
try {
  await build({
    entryPoints: [path.join(src, 'main.tsx')],
    outfile: path.join(tmp, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  cpSync(path.join(src, 'index.html'), path.join(tmp, 'index.html'));
  cpSync(path.join(src, 'styles.css'), path.join(tmp, 'styles.css'));
  // The ali-oss browser build the console uploads with: copied in, so an installed ossd (without
  // ali-oss, a development dependency) serves it too.
  const aliOss = path.dirname(createRequire(import.meta.url).resolve('ali-oss/package.json'));
  cpSync(path.join(aliOss, 'dist', 'aliyun-oss-sdk.min.js'), path.join(tmp, 'aliyun-oss-sdk.min.js'));
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  try {
    renameSync(tmp, dist);
  } catch (err) {
    // A concurrent build put its (identical) bundle in place first.
    if (!existsSync(path.join(dist, 'index.html'))) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  if (!process.env.OSSD_QUIET_BUILD) console.log(`console bundled into ${path.relative(process.cwd(), dist) || dist}`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  throw err;
}
