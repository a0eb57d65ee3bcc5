#!/usr/bin/env node
// Builds the native CRC-64 addon (run by `npm ci` / `npm install` through the root package's install script).
// A failed build is not fatal: ossd then uses the JavaScript CRC-64 (src/storage/crc64.ts).
// node-gyp's output is kept unless the build fails; a successful build prints one line.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const r = spawnSync('node-gyp', ['rebuild', '--release'], {
  cwd: dir,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  shell: process.platform === 'win32',
});
if (r.status === 0) {
  console.log('ossd: native CRC-64 addon built');
} else {
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  if (output) console.warn(output);
  if (r.error) console.warn(r.error.message);
  console.warn('ossd: the native CRC-64 addon did not build; falling back to the JavaScript implementation.');
}
