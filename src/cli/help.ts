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
        'access-log-interval',
        'access-log-buffer-bytes',
        'lifecycle-interval',
      ].includes(f),
  ],
  ['Encryption at rest', (f) => f.startsWith('encryption-')],
  ['Callbacks', (f) => f.startsWith('callback-')],
  ['Image processing', (f) => f.startsWith('image-')],
  ['Logging', () => true],
];

const WIDTH = 80;

/** `text` word-wrapped to the terminal width: the first line indented by `indent`, the others by `hang`. */
export function wrap(text: string, indent: number, hang = indent, width = WIDTH): string {
  const lines: string[] = [];
  let line = '';
  const pad = () => ' '.repeat(lines.length ? hang : indent);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && pad().length + line.length + 1 + word.length > width) {
      lines.push(pad() + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(pad() + line);
  return lines.join('\n');
}

/** Server options grouped, each with its environment variable and its description below. */
function settingsHelp(): string {
  const seen = new Set<string>();
  return GROUPS.map(([title, member]) => {
    const lines = SETTINGS.filter((s) => !seen.has(s.flag) && member(s.flag)).map((s) => {
      seen.add(s.flag);
      const env = `OSSD_${s.flag.toUpperCase().replace(/-/g, '_')}`;
      return `  ${`--${s.flag}`.padEnd(36)}env ${env}\n${wrap(s.help, 6)}`;
    });
    return lines.length ? `${title}:\n${lines.join('\n')}` : '';
  })
    .filter(Boolean)
    .join('\n\n');
}

/** A command with its description below it, both fitted to the terminal. */
function command(usage: string, description: string): string {
  return `${wrap(usage, 2, 4)}\n${wrap(description, 6)}`;
}

export function helpText(): string {
  const commands = [
    command('ossd serve [options]', 'run the server (in a checkout: npm start -- [options])'),
    command('ossd keys create [--account ID] | list | delete ID', 'manage access keys (root account by default)'),
    command(
      'ossd bucket create NAME [--acl ACL] [--account ID] | list | delete NAME',
      'manage buckets (owned by the root account by default; ACL private|public-read|public-read-write)',
    ),
    command(
      'ossd bucket style-delimiters NAME [CHARS|--clear]',
      'show, set (any of - _ / !) or remove the image style delimiters: GET KEY!STYLE = KEY?x-oss-process=style/STYLE',
    ),
    command(
      'ossd bucket callback-failure NAME [keep|discard]',
      'show or set what happens to an upload whose callback fails: keep it (default, as OSS) or discard it ' +
        '(veto mode: the previous version stays; see docs/callbacks.md)',
    ),
    command(
      'ossd relay --endpoint URL --to LOCAL_URL [--name NAME] [--access-key-id ID --access-key-secret SECRET]',
      'forward callbacks addressed to http://NAME.<relay domain>/… on the server at URL to a local server, ' +
        'over an outbound long poll (no tunnel); key from OSSD_ACCESS_KEY_ID / OSSD_ACCESS_KEY_SECRET by ' +
        'default, endpoint from OSSD_ENDPOINT; prints each delivery',
    ),
    command(
      'ossd callbacks list [--bucket B] [--key K] [--failed|--ok] [--pending] [--notifications] [--limit N]',
      'recent callback and notification deliveries, newest first',
    ),
    command('ossd callbacks show ID [--json]', 'one delivery: request, signature input, response, latency'),
    command('ossd callbacks resend ID', 'sign and deliver the recorded callback again'),
    command(
      'ossd callbacks policy BUCKET [--retries N --base-delay MS --max-delay MS | --off]',
      'show or set the retry policy of failed upload callbacks (ossd extension; default off, as OSS)',
    ),
    command(
      'ossd notifications add BUCKET --target URL [--target URL …] [--events E1,E2] [--prefix P] [--suffix S]',
      'POST OSS-format event messages (ObjectCreated:*, ObjectRemoved:*, …) for matching keys (ossd extension)',
    ),
    command(
      'ossd notifications list BUCKET [--json] | remove BUCKET RULE | test BUCKET RULE',
      "show, remove or try (a sample event, sent now) a bucket's notification rules",
    ),
    command(
      'ossd sts issue [--duration SECONDS] [--bucket B] [--prefix P ...] [--action A ...] [--policy JSON|@FILE]',
      'temporary credentials (STS.… key, SecurityToken, Expiration) for --account (root by default), ' +
        'optionally limited; see docs/sts.md',
    ),
    command(
      'ossd lifecycle run [--bucket B] [--now ISO-DATE] [--dry-run]',
      "apply the buckets' lifecycle rules once, as if the time were --now, and print each object expired, " +
        'transitioned or upload aborted (expirations queue ObjectRemoved:Expire notifications for a running server ' +
        'to deliver); --dry-run only prints',
    ),
    command(
      'ossd migrate --to-metadata URL --to-blobs URL',
      'copy this deployment (--data, or --metadata/--blobs) into other stores, e.g. PostgreSQL + S3, ' +
        'with every version and delete marker of versioned buckets; verified, resumable',
    ),
    command(
      'ossd encryption reencrypt [--bucket B]',
      'after a key rotation: rewrite encrypted objects under the primary key of --encryption-key-file / ' +
        'OSSD_ENCRYPTION_KEY (content, ETag and dates unchanged); safe beside a running server',
    ),
    command('ossd version', 'the version of ossd (also --version)'),
    command('ossd help', 'this text'),
  ].join('\n');
  return `ossd — a self-hosted object store speaking the Alibaba Cloud OSS API,
with upload callbacks

Usage:
${commands}

Server options — each also read from its OSSD_* environment variable; a JSON
--config FILE (env OSSD_CONFIG, keys as in docs/configuration.md) is read
first, flags win:

${settingsHelp()}

Credentials:
${wrap(
  'OSSD_ROOT_ACCESS_KEY_ID / OSSD_ROOT_ACCESS_KEY_SECRET set the root access key; otherwise one is ' +
    'generated on first start, stored in the data directory, and its secret printed once.',
  2,
)}
${wrap(
  'OSSD_ENCRYPTION_KEY (or --encryption-key-file) holds the keys that encrypt AES256/KMS/SM4 objects: ' +
    '`ID:BASE64` entries (32-byte keys, e.g. `openssl rand -base64 32`), first = primary for new writes, ' +
    'the others stay readable. Without one, ossd generates a key and keeps it in the metadata store (a ' +
    'warning at start); see docs/operations.md "Encryption at rest".',
  2,
)}

${wrap(
  'Admin commands (keys, bucket, callbacks, notifications, sts, lifecycle, encryption) work on the data directory directly (--data / OSSD_DATA), ' +
    'whether or not the server is running.',
  0,
)}
`;
}
