#!/usr/bin/env node
// Builds the native CRC-64 addon (run by `npm ci` through the root package's install script).
// A failed build is not fatal: ossd then uses the JavaScript CRC-64 (src/storage/crc64.ts).
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const r = spawnSync('node-gyp', ['rebuild', '--release'], {
  cwd: dir,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (r.status !== 0) {
  console.warn('ossd: the native CRC-64 addon did not build; falling back to the JavaScript implementation.');
}
