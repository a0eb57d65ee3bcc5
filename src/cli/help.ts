import { SETTINGS } from '../config/config.js';

const GROUPS: [string, (flag: string) => boolean][] = [
  [
    'Network',
    (f) =>
      [
        'address',
        'public-endpoint',
        'vhost-domain',
        'region',
        'tls-cert',
        'tls-key',
        'console-address',
        'body-idle-timeout-ms',
        'max-connections',
      ].includes(f),
  ],
  ['Metrics', (f) => f.startsWith('metrics-')],
  [
    'Storage',
    (f) =>
      [
        'data',
        'metadata',
        'blobs',
        'blobs-endpoint',
        'blobs-region',
        'blob-gc-grace-hours',
        'fsync',
        'inline-max-bytes',
        'multipart-max-age-hours',
      ].includes(f),
  ],
  ['Callbacks', (f) => f.startsWith('callback-')],
  ['Image processing', (f) => f.startsWith('image-')],
  ['Logging', () => true],
];

/** Server options grouped, each with its environment variable. */
function settingsHelp(): string {
  const seen = new Set<string>();
  return GROUPS.map(([title, member]) => {
    const lines = SETTINGS.filter((s) => !seen.has(s.flag) && member(s.flag)).map((s) => {
      seen.add(s.flag);
      const env = `OSSD_${s.flag.toUpperCase().replace(/-/g, '_')}`;
      return `  --${s.flag.padEnd(36)}${s.help}\n  ${''.padEnd(38)}env ${env}`;
    });
    return lines.length ? `${title}:\n${lines.join('\n')}` : '';
  })
    .filter(Boolean)
    .join('\n\n');
}

export function helpText(): string {
  const flags = settingsHelp();
  return `ossd — a self-hosted object store speaking the Alibaba Cloud OSS API, with upload callbacks

Usage:
  ossd serve [options]                  run the server (npm start -- [options])
  ossd keys create [--account ID] | list | delete ID
                                        manage access keys (root account by default)
  ossd bucket create NAME [--acl ACL] [--account ID] | list | delete NAME
                                        manage buckets (owned by the root account by default;
                                        ACL private|public-read|public-read-write)
  ossd callbacks list [--bucket B] [--key K] [--failed|--ok] [--limit N]
  ossd callbacks show ID [--json]       one delivery: request, signature input, response, latency
  ossd callbacks resend ID              sign and deliver the recorded callback again
  ossd sts issue [--duration SECONDS] [--bucket B] [--prefix P ...] [--action A ...] [--policy JSON|@FILE]
                                        temporary credentials (STS.… key, SecurityToken, Expiration) for
                                        --account (root by default), optionally limited; see docs/sts.md
  ossd migrate --to-metadata URL --to-blobs URL
                                        copy this deployment (--data, or --metadata/--blobs) into
                                        other stores, e.g. PostgreSQL + S3; verified, resumable
  ossd help                             this text

Server options — each also read from its OSSD_* environment variable; a JSON --config FILE
(env OSSD_CONFIG, keys as in src/config/config.ts) is read first, flags win:

${flags}

Credentials:
  OSSD_ROOT_ACCESS_KEY_ID / OSSD_ROOT_ACCESS_KEY_SECRET set the root access key; otherwise one is
  generated on first start, stored in the data directory, and its secret printed once.

Admin commands (keys, bucket, callbacks, sts) work on the data directory directly (--data / OSSD_DATA),
whether or not the server is running.
`;
}
