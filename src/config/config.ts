import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInterval } from '../storage/lifecycle-interval.js';

/** Everything ossd can be told. Sources, later ones winning: defaults → config file → OSSD_* env → flags. */
export interface Config {
  /** HOST:PORT to listen on (default 127.0.0.1:18080; MinIO owns 9000/9001). */
  address: string;
  /** Data directory: blobs, SQLite metadata, callback key (the embedded default stores). */
  data: string;
  /**
   * Where metadata lives: `sqlite:DIR` (default: the data directory) or `postgres://USER:PASS@HOST:PORT/DB`
   * (also `postgresql://`, `?sslmode=`, a socket directory via `?host=/path`), shared by every node.
   */
  metadata?: string;
  /** Where object bytes live: `file:DIR` (default: the data directory) or `s3://BUCKET[/PREFIX]`. */
  blobs?: string;
  /** The S3 store's endpoint URL (e.g. http://rgw.internal:7480) for `--blobs s3://…`. */
  blobsEndpoint?: string;
  /** The S3 store's region (default us-east-1). */
  blobsRegion: string;
  /** S3 credentials, from OSSD_BLOBS_ACCESS_KEY_ID / OSSD_BLOBS_SECRET_ACCESS_KEY only (never a flag). */
  blobsAccessKeyId?: string;
  blobsSecretAccessKey?: string;
  /**
   * With a shared blob store: unreferenced blobs older than this many hours are deleted by the periodic
   * collection (one node at a time); no upload may run for half of it (default 24).
   */
  blobGcGraceHours: number;
  /** Root access key id; generated on first start when unset. */
  rootAccessKeyId?: string;
  /** Root access key secret; generated on first start when unset. */
  rootAccessKeySecret?: string;
  /** Region reported by GetBucketLocation and used for vhost host names. */
  region: string;
  /** Extra domains for virtual-hosted style: `<bucket>.<domain>` (localhost is always one). */
  vhostDomains: string[];
  /** Public endpoint advertised in logs, snippets and the callback key URL (default http://localhost:PORT). */
  publicEndpoint?: string;
  /** TLS certificate and key (PEM files); HTTPS when both are given. */
  tlsCert?: string;
  tlsKey?: string;
  /** Log level for pino (info by default; silent for tests). */
  logLevel: string;
  /** Maximum clock skew accepted on signed requests, in ms (OSS: 15 minutes). */
  maxSkewMs: number;
  /** fsync blobs and the SQLite WAL (off the event loop) before acknowledging writes. */
  fsync: boolean;
  /**
   * PutObject bodies of at most this many bytes (by Content-Length) are stored in the metadata database
   * with their record instead of as a file: one commit, shared fsyncs. 0 = always files (default 65536).
   */
  inlineMaxBytes: number;
  /**
   * A request whose body stops arriving for this many ms gets 400 RequestTimeout and its connection
   * is closed (default 60000; 0 = never).
   */
  bodyIdleTimeoutMs: number;
  /** Concurrent client connections accepted; further ones are closed at once (default 1024; 0 = unlimited). */
  maxConnections: number;
  /** Multipart uploads older than this many hours are aborted and their parts deleted (default 168 = 7 days; 0 = never). */
  multipartMaxAgeHours: number;
  /** Bucket access logs (PutBucketLogging) are written to their target buckets every this many seconds (default 300). */
  accessLogIntervalSeconds: number;
  /** Access-log bytes buffered in memory before an early write; twice this and lines are dropped (default 8 MiB). */
  accessLogBufferBytes: number;
  /**
   * How often buckets' lifecycle rules are applied: a duration (`24h`, `30m`, `15s`, `500ms`, `1d`; a bare
   * number is seconds), or `0`/`off` for never (default 24h). One node at a time on a shared store.
   */
  lifecycleInterval: string;
  /**
   * HOST:PORT of the web console, or `off`. Unset: the main address's host with port + 1
   * (127.0.0.1:18081 by default; port 0 stays 0). See docs/console.md.
   */
  consoleAddress?: string;
  /**
   * Bearer token /-/metrics requires (`Authorization: Bearer TOKEN`, else 401). Unset: metrics are open on
   * a loopback listener, and answer only loopback clients on any other. See docs/reliability.md.
   */
  metricsToken?: string;
  /**
   * HOST:PORT of a dedicated metrics listener (then the main and console listeners no longer serve
   * /-/metrics), or `off` for no metrics endpoint at all. Unset: /-/metrics on the main listener.
   */
  metricsAddress?: string;
  /** Disk budget of the processed-image cache (x-oss-process results), in bytes; 0 = no cache (default 256 MiB). */
  imageCacheBytes: number;
  /** Images decoded and processed at once; further requests wait (default 2). */
  imageConcurrency: number;
  /** Keyring file for server-side encryption at rest (`ID:BASE64` per line, first = primary). */
  encryptionKeyFile?: string;
  /** The same keys inline, from OSSD_ENCRYPTION_KEY only (never a flag). */
  encryptionKey?: string;
  callback: CallbackConfig;
}

export interface CallbackConfig {
  /** Per-attempt timeout in ms (OSS: 5000). */
  timeoutMs: number;
  /** Largest application reply accepted, in bytes (default 1 MiB). */
  maxResponseBytes: number;
  /** Callbacks in flight at once; beyond it uploads get 203 "Too many callback requests". */
  maxInFlight: number;
  /** Render absent numeric variables as null in JSON bodies (real OSS renders nothing). */
  absentNumbersAsNull: boolean;
  /** Refuse loopback and private callback addresses, as the real service does (wins over allowPrivate). */
  denyPrivate: boolean;
  /**
   * Allow loopback and private callback addresses although ossd listens on a non-loopback address.
   * Unset/false: allowed only while ossd listens on loopback alone (see config/callback-policy.ts).
   */
  allowPrivate: boolean;
  /** Allow link-local and cloud metadata addresses (never by default). */
  allowLinkLocal: boolean;
  /** URL advertised in x-oss-pub-key-url (default <publicEndpoint>/callback_pub_key_v1.pem). */
  publicKeyUrl?: string;
  /** PEM file with the RSA private key used to sign callbacks (default: generated in the data directory). */
  privateKeyFile?: string;
  /** Callbacks to `NAME.<relayDomain>` go to a connected `ossd relay` (ossd extension); '' turns relays off. */
  relayDomain: string;
  /**
   * Also sign every callback and notification with x-ossd-timestamp and x-ossd-signature (ossd's
   * replay-safe signature, an extension; the OSS `authorization` header is sent either way).
   */
  signatureV2: boolean;
  /** How often the retry/notification queue is polled, in ms (new notifications are sent at once). */
  queuePollMs: number;
}

export const DEFAULT_PORT = 18080;

export function defaultConfig(): Config {
  return {
    address: `127.0.0.1:${DEFAULT_PORT}`,
    data: './data',
    blobsRegion: 'us-east-1',
    blobGcGraceHours: 24,
    region: 'oss-cn-hangzhou',
    vhostDomains: [],
    logLevel: 'info',
    maxSkewMs: 15 * 60 * 1000,
    fsync: true,
    inlineMaxBytes: 64 * 1024,
    multipartMaxAgeHours: 168,
    accessLogIntervalSeconds: 300,
    accessLogBufferBytes: 8 * 1024 * 1024,
    lifecycleInterval: '24h',
    bodyIdleTimeoutMs: 60_000,
    maxConnections: 1024,
    imageCacheBytes: 256 * 1024 * 1024,
    imageConcurrency: 2,
    callback: {
      timeoutMs: 5000,
      maxResponseBytes: 1024 * 1024,
      maxInFlight: 256,
      absentNumbersAsNull: false,
      denyPrivate: false,
      allowPrivate: false,
      allowLinkLocal: false,
      relayDomain: 'relay.ossd.local',
      signatureV2: false,
      queuePollMs: 1000,
    },
  };
}

/** Flag/env names (kebab-case) mapped onto config paths. */
export const SETTINGS: { flag: string; path: string; kind: 'string' | 'number' | 'boolean' | 'list'; help: string }[] =
  [
    { flag: 'address', path: 'address', kind: 'string', help: 'HOST:PORT to listen on (default 127.0.0.1:18080)' },
    { flag: 'data', path: 'data', kind: 'string', help: 'data directory (default ./data)' },
    {
      flag: 'metadata',
      path: 'metadata',
      kind: 'string',
      help: 'metadata store: sqlite:DIR (default: --data) or postgres://USER:PASS@HOST:PORT/DB',
    },
    {
      flag: 'blobs',
      path: 'blobs',
      kind: 'string',
      help: 'object bytes: file:DIR (default: --data) or s3://BUCKET[/PREFIX]',
    },
    { flag: 'blobs-endpoint', path: 'blobsEndpoint', kind: 'string', help: 'S3 endpoint URL for --blobs s3://…' },
    { flag: 'blobs-region', path: 'blobsRegion', kind: 'string', help: 'S3 region (default us-east-1)' },
    {
      flag: 'blob-gc-grace-hours',
      path: 'blobGcGraceHours',
      kind: 'number',
      help: 'shared stores: collect unreferenced blobs older than this (default 24)',
    },
    { flag: 'region', path: 'region', kind: 'string', help: 'region name (default oss-cn-hangzhou)' },
    {
      flag: 'vhost-domain',
      path: 'vhostDomains',
      kind: 'list',
      help: 'extra domain for <bucket>.<domain> addressing (repeatable, comma-separated in env)',
    },
    {
      flag: 'public-endpoint',
      path: 'publicEndpoint',
      kind: 'string',
      help: 'endpoint URL advertised to clients (default http://localhost:PORT)',
    },
    { flag: 'tls-cert', path: 'tlsCert', kind: 'string', help: 'PEM certificate file; serve HTTPS with --tls-key' },
    { flag: 'tls-key', path: 'tlsKey', kind: 'string', help: 'PEM private key file for --tls-cert' },
    { flag: 'log-level', path: 'logLevel', kind: 'string', help: 'fatal|error|warn|info|debug|silent (default info)' },
    { flag: 'fsync', path: 'fsync', kind: 'boolean', help: 'fsync before acknowledging writes (default true)' },
    {
      flag: 'inline-max-bytes',
      path: 'inlineMaxBytes',
      kind: 'number',
      help: 'keep PutObject bodies up to this size in the metadata database (default 65536; 0 = never)',
    },
    {
      flag: 'body-idle-timeout-ms',
      path: 'bodyIdleTimeoutMs',
      kind: 'number',
      help: 'answer 400 RequestTimeout and close when a request body stalls this long (default 60000; 0 = never)',
    },
    {
      flag: 'max-connections',
      path: 'maxConnections',
      kind: 'number',
      help: 'concurrent client connections; further ones are closed at once (default 1024; 0 = unlimited)',
    },
    {
      flag: 'multipart-max-age-hours',
      path: 'multipartMaxAgeHours',
      kind: 'number',
      help: 'abort multipart uploads older than this (default 168 = 7 days; 0 = never)',
    },
    {
      flag: 'access-log-interval',
      path: 'accessLogIntervalSeconds',
      kind: 'number',
      help: 'write bucket access logs (PutBucketLogging) to their target buckets every this many seconds (default 300; 0 = only when the buffer fills and at shutdown)',
    },
    {
      flag: 'access-log-buffer-bytes',
      path: 'accessLogBufferBytes',
      kind: 'number',
      help: 'access-log bytes held in memory before an early write; at twice this, lines are dropped and counted (default 8388608; at least 4096)',
    },
    {
      flag: 'lifecycle-interval',
      path: 'lifecycleInterval',
      kind: 'string',
      help: "apply buckets' lifecycle rules this often: 24h, 30m, 15s… or off (default 24h)",
    },
    {
      flag: 'console-address',
      path: 'consoleAddress',
      kind: 'string',
      help: 'HOST:PORT of the web console, or off (default: main port + 1, i.e. 127.0.0.1:18081)',
    },
    {
      flag: 'metrics-token',
      path: 'metricsToken',
      kind: 'string',
      help: 'require Authorization: Bearer TOKEN on /-/metrics (default: none; loopback clients only off loopback)',
    },
    {
      flag: 'metrics-address',
      path: 'metricsAddress',
      kind: 'string',
      help: 'serve /-/metrics on its own HOST:PORT instead of the main port, or off (default: main port)',
    },
    {
      flag: 'image-cache-bytes',
      path: 'imageCacheBytes',
      kind: 'number',
      help: 'disk budget for processed images (x-oss-process), LRU (default 268435456; 0 = off)',
    },
    {
      flag: 'image-concurrency',
      path: 'imageConcurrency',
      kind: 'number',
      help: 'images processed at once; more requests wait (default 2)',
    },
    {
      flag: 'encryption-key-file',
      path: 'encryptionKeyFile',
      kind: 'string',
      help: 'keyring for encryption at rest: ID:BASE64 per line, first = primary (or env OSSD_ENCRYPTION_KEY)',
    },
    {
      flag: 'callback-timeout-ms',
      path: 'callback.timeoutMs',
      kind: 'number',
      help: 'callback attempt timeout (default 5000)',
    },
    {
      flag: 'callback-max-response-bytes',
      path: 'callback.maxResponseBytes',
      kind: 'number',
      help: 'largest accepted application reply (default 1048576)',
    },
    {
      flag: 'callback-max-in-flight',
      path: 'callback.maxInFlight',
      kind: 'number',
      help: 'callbacks in flight before "Too many callback requests" (default 256)',
    },
    {
      flag: 'callback-absent-numbers-as-null',
      path: 'callback.absentNumbersAsNull',
      kind: 'boolean',
      help: 'render absent numbers as null in JSON bodies (default false, like OSS)',
    },
    {
      flag: 'callback-deny-private',
      path: 'callback.denyPrivate',
      kind: 'boolean',
      help: 'refuse loopback/private callback addresses like OSS (default false)',
    },
    {
      flag: 'callback-allow-private',
      path: 'callback.allowPrivate',
      kind: 'boolean',
      help: 'allow loopback/private callback addresses when listening beyond loopback (default: only on loopback)',
    },
    {
      flag: 'callback-allow-link-local',
      path: 'callback.allowLinkLocal',
      kind: 'boolean',
      help: 'allow link-local/metadata callback addresses (default false)',
    },
    {
      flag: 'callback-public-key-url',
      path: 'callback.publicKeyUrl',
      kind: 'string',
      help: 'URL sent in x-oss-pub-key-url (default <endpoint>/callback_pub_key_v1.pem)',
    },
    {
      flag: 'callback-private-key',
      path: 'callback.privateKeyFile',
      kind: 'string',
      help: 'PEM RSA private key for signing callbacks (default generated in data dir)',
    },
    {
      flag: 'callback-relay-domain',
      path: 'callback.relayDomain',
      kind: 'string',
      help:
        'callbacks to http://NAME.<domain>/… are handed to the `ossd relay` connected as NAME instead of ' +
        'the network (default relay.ossd.local; empty turns relays off)',
    },
    {
      flag: 'callback-signature-v2',
      path: 'callback.signatureV2',
      kind: 'boolean',
      help: 'also send x-ossd-timestamp + x-ossd-signature (replay-safe, checked by @ossd/verify) on callbacks and notifications (default false)',
    },
    {
      flag: 'callback-queue-poll-ms',
      path: 'callback.queuePollMs',
      kind: 'number',
      help: 'how often callback retries and event notifications due are looked for (default 1000)',
    },
  ];

type Bag = Record<string, unknown>;

function setPath(target: Bag, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let obj = target;
  for (const p of parts.slice(0, -1)) obj = obj[p] as Bag;
  obj[parts[parts.length - 1]] = value;
}

function coerce(kind: string, raw: string | boolean, name: string): unknown {
  if (kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new Error(`${name}: expected a boolean, got ${raw}`);
  }
  if (kind === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number, got ${raw}`);
    return n;
  }
  if (kind === 'list') {
    return String(raw)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return String(raw);
}

function mergeDeep(target: Bag, source: Bag): void {
  for (const [k, v] of Object.entries(source)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof target[k] === 'object' && target[k] !== null) {
      mergeDeep(target[k] as Bag, v as Bag);
    } else {
      target[k] = v;
    }
  }
}

/**
 * Builds the effective config. `flags` are parsed command-line values keyed by flag name.
 * The config file (JSON, keys as in Config) comes from --config or OSSD_CONFIG.
 */
export function loadConfig(flags: Record<string, string | boolean | string[] | undefined>, env = process.env): Config {
  const config = defaultConfig() as unknown as Bag;
  const file = (flags.config as string | undefined) ?? env.OSSD_CONFIG;
  if (file) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Bag;
    mergeDeep(config, parsed);
  }
  for (const s of SETTINGS) {
    const envName = `OSSD_${s.flag.toUpperCase().replace(/-/g, '_')}`;
    const e = env[envName];
    if (e !== undefined && e !== '') setPath(config, s.path, coerce(s.kind, e, envName));
  }
  for (const s of SETTINGS) {
    const f = flags[s.flag];
    if (f === undefined) continue;
    const value = Array.isArray(f)
      ? f.flatMap((x) => coerce('list', x, s.flag) as string[])
      : coerce(s.kind, f, `--${s.flag}`);
    setPath(config, s.path, value);
  }
  const c = config as unknown as Config;
  if (env.OSSD_ROOT_ACCESS_KEY_ID) c.rootAccessKeyId = env.OSSD_ROOT_ACCESS_KEY_ID;
  if (env.OSSD_ROOT_ACCESS_KEY_SECRET) c.rootAccessKeySecret = env.OSSD_ROOT_ACCESS_KEY_SECRET;
  if (env.OSSD_BLOBS_ACCESS_KEY_ID) c.blobsAccessKeyId = env.OSSD_BLOBS_ACCESS_KEY_ID;
  if (env.OSSD_ENCRYPTION_KEY) c.encryptionKey = env.OSSD_ENCRYPTION_KEY;
  if (env.OSSD_BLOBS_SECRET_ACCESS_KEY) c.blobsSecretAccessKey = env.OSSD_BLOBS_SECRET_ACCESS_KEY;
  c.data = path.resolve(c.data);
  parseAddress(c.address);
  parseInterval(String(c.lifecycleInterval));
  if (
    c.metricsAddress !== undefined &&
    c.metricsAddress !== 'off' &&
    !/^(\[[^\]]+\]|[^:]*):\d{1,5}$/.test(c.metricsAddress)
  ) {
    throw new Error(`--metrics-address must be HOST:PORT or off, got ${c.metricsAddress}`);
  }
  return c;
}

export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(address);
  if (!m) throw new Error(`--address must be HOST:PORT, got ${address}`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`--address port out of range: ${address}`);
  return { host: m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', port };
}
