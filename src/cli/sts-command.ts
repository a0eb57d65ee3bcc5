import { readFileSync } from 'node:fs';
import { issueCredentials, StsRequestError } from '../auth/sts.js';
import type { Config } from '../config/config.js';
import { parseAddress } from '../config/config.js';
import type { MetadataStore } from '../storage/types.js';

type FlagValue = string | boolean | string[] | undefined;

export const STS_USAGE =
  'usage: ossd sts issue [--duration SECONDS] [--bucket B[,B2]] [--prefix P ...] [--action A ...] ' +
  '[--policy JSON|@FILE] [--account ID] [--json]';

function list(v: FlagValue): string[] | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim());
  const out = items.filter(Boolean);
  return out.length ? out : undefined;
}

function text(v: FlagValue): string | undefined {
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** `--policy` (JSON text or @file) wins; otherwise --bucket/--prefix/--action build the simple form. */
function policyFrom(flags: Record<string, FlagValue>): unknown {
  const raw = text(flags.policy);
  if (raw !== undefined) return raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw;
  const buckets = list(flags.bucket);
  const prefixes = list(flags.prefix);
  const actions = list(flags.action);
  if (!buckets && !prefixes && !actions) return undefined;
  return {
    ...(buckets ? { buckets } : {}),
    ...(prefixes ? { prefixes } : {}),
    ...(actions ? { actions } : {}),
  };
}

/** `ossd sts issue …`: mints temporary credentials in the data directory and prints them. */
export async function runStsCommand(
  sub: string | undefined,
  flags: Record<string, FlagValue>,
  config: Config,
  meta: MetadataStore,
  accountId: string,
  out: (line: string) => void,
): Promise<number> {
  if (sub !== 'issue') {
    out(STS_USAGE);
    return 2;
  }
  const duration = text(flags.duration);
  let creds: Awaited<ReturnType<typeof issueCredentials>>;
  try {
    creds = await issueCredentials(meta, accountId, {
      durationSeconds: duration === undefined ? undefined : Number(duration),
      policy: policyFrom(flags),
    });
  } catch (err) {
    if (err instanceof StsRequestError) {
      out(`ossd sts issue: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (flags.json) {
    out(JSON.stringify({ Credentials: creds }, null, 2));
    return 0;
  }
  const { port } = parseAddress(config.address);
  const endpoint = config.publicEndpoint ?? `${config.tlsCert ? 'https' : 'http'}://localhost:${port}`;
  const bucket = list(flags.bucket)?.find((b) => !/[*?]/.test(b));
  out(`AccessKeyId:     ${creds.AccessKeyId}`);
  out(`AccessKeySecret: ${creds.AccessKeySecret}`);
  out(`SecurityToken:   ${creds.SecurityToken}`);
  out(`Expiration:      ${creds.Expiration}`);
  out(`Account:         ${accountId}`);
  out('');
  out('// ali-oss');
  out('const client = new OSS({');
  out(`  endpoint: '${endpoint}',`);
  out('  sldEnable: true,');
  out(`  accessKeyId: '${creds.AccessKeyId}',`);
  out(`  accessKeySecret: '${creds.AccessKeySecret}',`);
  out(`  stsToken: '${creds.SecurityToken}',`);
  if (bucket) out(`  bucket: '${bucket}',`);
  out('  // refreshSTSToken: async () => (await fetch(YOUR_TOKEN_URL)).json().then((r) => r.Credentials),');
  out('  // refreshSTSTokenInterval: 50 * 60 * 1000,');
  out('});');
  return 0;
}
