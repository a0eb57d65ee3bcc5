import { OssCallbackVerificationError } from './errors.js';

/** Where the real Alibaba Cloud OSS publishes its callback public key. */
export const DEFAULT_OSS_KEY_URL_PREFIXES: readonly string[] = [
  'http://gosspublic.alicdn.com/',
  'https://gosspublic.alicdn.com/',
];

interface ParsedPrefix {
  origin: string;
  path: string;
}

/** Parses trusted prefixes once; throws a TypeError on a malformed prefix (a configuration mistake). */
export function compileTrustedPrefixes(
  extra: readonly string[] | undefined,
  trustDefaultOss: boolean | undefined,
): readonly ParsedPrefix[] {
  const all = [...(trustDefaultOss === false ? [] : DEFAULT_OSS_KEY_URL_PREFIXES), ...(extra ?? [])];
  return all.map((prefix) => {
    const url = parseHttpUrl(prefix);
    if (!url || url.search || url.hash) {
      throw new TypeError(`Invalid trusted key URL prefix (need http(s)://host[:port]/path/): ${prefix}`);
    }
    return { origin: url.origin, path: url.pathname };
  });
}

function parseHttpUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  return url;
}

function pathMatches(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Returns the normalised URL to fetch if `keyUrl` is under a trusted prefix, else throws
 * UNTRUSTED_KEY_URL. Comparison is on the WHATWG-parsed origin and path, so look-alikes such as
 * `http://gosspublic.alicdn.com.evil.com/` or `http://gosspublic.alicdn.com@evil/` never match, and
 * the URL that is fetched is exactly the one that was checked.
 */
export function checkKeyUrl(keyUrl: string, prefixes: readonly ParsedPrefix[]): string {
  const url = parseHttpUrl(keyUrl);
  if (url && prefixes.some((p) => p.origin === url.origin && pathMatches(url.pathname, p.path))) {
    return url.href;
  }
  throw new OssCallbackVerificationError('UNTRUSTED_KEY_URL', `Public key URL is not trusted: ${keyUrl}`);
}
