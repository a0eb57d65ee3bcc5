#!/usr/bin/env node
// Compiles src/**/*.ts into dist/ (one JavaScript file per module, same layout) with esbuild, so ossd runs
// compiled code rather than a TypeScript loader. Type checking is `npm run typecheck`'s job, not this one.
// Run by `npm ci` (prepare), `npm pack` (prepack) and before `npm start`; writes into a temporary directory
// and renames it into place, so a concurrent build never leaves a half-written dist/.
import { chmodSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const tmp = mkdtempSync(path.join(root, '.dist-'));
chmodSync(tmp, 0o755);
try {
  await build({
    entryPoints: sources(src),
    outdir: tmp,
    outbase: src,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: 'linked',
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
