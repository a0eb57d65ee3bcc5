#!/usr/bin/env node
// Compiles ossd into dist/ with esbuild: one bundle, dist/cli/main.js (the `ossd` command and `npm start`),
// with its dependencies inside (except better-sqlite3, a native addon) and code split at the CLI's dynamic
// imports, so `ossd keys list` never loads the HTTP server and the callback sender's HTTP client (undici)
// loads on the first callback. Fewer, smaller modules start faster and take less memory than a module per
// source file. Type checking is `npm run typecheck`'s job, not this one.
// Every output file sits in dist/cli/, two levels below the package root, as src/<dir>/<file>.ts does:
// the modules that find package.json, web/dist and native/ relative to their own URL work the same from
// dist/ as from src/.
// Run by `npm ci` (prepare), `npm pack` (prepare) and before `npm start`; writes into a temporary directory
// and renames it into place, so a concurrent build never leaves a half-written dist/.
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

const tmp = mkdtempSync(path.join(root, '.dist-'));
chmodSync(tmp, 0o755);
try {
  await build({
    entryPoints: { 'cli/main': path.join(src, 'cli', 'main.ts') },
    outdir: tmp,
    chunkNames: 'cli/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Native addons, and the drivers of the scale-out stores (loaded only when configured), stay packages.
    external: ['better-sqlite3', 'sharp', 'pg', 'pg-native'],
    // CommonJS dependencies (pino, prom-client, busboy, …) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __ossdRequire } from 'node:module'; const require = __ossdRequire(import.meta.url);",
    },
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  chmodSync(path.join(tmp, 'cli', 'main.js'), 0o755);
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  try {
    renameSync(tmp, dist);
  } catch (err) {
    // A concurrent build put its (identical) output in place first.
    if (!existsSync(path.join(dist, 'cli', 'main.js'))) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  if (!process.env.OSSD_QUIET_BUILD) console.log('ossd compiled into dist/');
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  throw err;
}
