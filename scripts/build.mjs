#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through prepare, by `npm pack`, and before `npm start`): the console
// bundle (web/dist) and the compiled server (dist/). One line of output; `--quiet` for none.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, OSSD_QUIET_BUILD: '1' };
for (const script of ['build-console.mjs', 'build-server.mjs']) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', script)], { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (!process.argv.includes('--quiet')) console.log('ossd built: dist/ (server), web/dist/ (console)');
