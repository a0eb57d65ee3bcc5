#!/usr/bin/env node
// First: sizes the libuv thread pool before any module uses it.
import './threadpool.js';
import { parseArgs } from 'node:util';
import { loadConfig, SETTINGS } from '../config/config.js';
import { helpText } from './help.js';
import { packageVersion } from './version.js';

const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  bucket: { type: 'string' },
  key: { type: 'string' },
  failed: { type: 'boolean' },
  ok: { type: 'boolean' },
  pending: { type: 'boolean' },
  notifications: { type: 'boolean' },
  retries: { type: 'string' },
  'base-delay': { type: 'string' },
  'max-delay': { type: 'string' },
  off: { type: 'boolean' },
  events: { type: 'string' },
  suffix: { type: 'string' },
  target: { type: 'string', multiple: true },
  limit: { type: 'string' },
  account: { type: 'string' },
  acl: { type: 'string' },
  json: { type: 'boolean' },
  clear: { type: 'boolean' },
  duration: { type: 'string' },
  prefix: { type: 'string', multiple: true },
  action: { type: 'string', multiple: true },
  policy: { type: 'string' },
  'to-metadata': { type: 'string' },
  'to-blobs': { type: 'string' },
  endpoint: { type: 'string' },
  to: { type: 'string' },
  name: { type: 'string' },
  'access-key-id': { type: 'string' },
  'access-key-secret': { type: 'string' },
  now: { type: 'string' },
  'dry-run': { type: 'boolean' },
};
for (const s of SETTINGS) {
  options[s.flag] = s.kind === 'boolean' ? { type: 'string' } : { type: 'string', multiple: s.kind === 'list' };
}

async function main(argv: string[]): Promise<number> {
  // Boolean settings accept `--fsync false` or a bare `--callback-deny-private`.
  const normalized: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const setting = SETTINGS.find((s) => `--${s.flag}` === a && s.kind === 'boolean');
    if (setting && (i + 1 >= argv.length || argv[i + 1].startsWith('--'))) normalized.push(a, 'true');
    else normalized.push(a);
  }
  const { values, positionals } = parseArgs({ args: normalized, options, allowPositionals: true, strict: true });
  const [command = 'serve', ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (values.version || command === 'version') {
    process.stdout.write(`ossd ${packageVersion()}\n`);
    return 0;
  }
  // A client of a running server: no data directory, no server configuration.
  if (command === 'relay') return (await import('./relay.js')).runRelay(values);
  const config = loadConfig(values as Record<string, string | boolean | string[] | undefined>);
  // Each command loads only its own modules: `ossd keys list` never loads the HTTP server.
  if (command === 'serve') return (await import('./serve.js')).serve(config);
  if (command === 'migrate') return (await import('./migrate.js')).runMigrate(config, values);
  if (command === 'lifecycle')
    return (await import('./lifecycle-command.js')).runLifecycleCommand(rest, values, config);
  const { runAdminCommand } = await import('./admin-commands.js');
  return runAdminCommand(command, rest, values as Record<string, string | boolean | undefined>, config);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`ossd: ${err.message}\n`);
    process.exitCode = 2;
  },
);
