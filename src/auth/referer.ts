import { OssError } from '../errors/oss-error.js';
import { children, childText, parseXml, renderXml, text } from '../http/xml.js';
import { globMatch } from './policy/glob.js';

/** A bucket's hotlink protection (PutBucketReferer), as stored (JSON) and evaluated. */
export interface RefererConfig {
  allowEmpty: boolean;
  allowTruncateQueryString: boolean;
  truncatePath: boolean;
  /** The allow list (RefererList); empty = every non-empty Referer not blocked passes. */
  allow: string[];
  /** The block list (RefererBlacklist). */
  block: string[];
}

/** What GetBucketReferer answers for a bucket that never had a configuration (OSS's defaults). */
export const DEFAULT_REFERER_CONFIG: RefererConfig = {
  allowEmpty: true,
  allowTruncateQueryString: true,
  truncatePath: false,
  allow: [],
  block: [],
};

/** OSS caps the whole Referer list at 20 KB. */
const MAX_LIST_BYTES = 20 * 1024;

function invalid(name: string, value: string, message: string): OssError {
  return new OssError('InvalidArgument', { message, extra: { ArgumentName: name, ArgumentValue: value } });
}

function bool(value: string | undefined, name: string, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  const v = value.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(name, v, `${name} must be true or false.`);
}

/** `<RefererConfiguration>` as ali-oss, oss2 and the OSS API reference send it → configuration. */
export function parseRefererConfiguration(xml: string): RefererConfig {
  const roots = children(parseXml(xml), 'RefererConfiguration');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const root = roots[0];
  const allowEmptyText = childText(root, 'AllowEmptyReferer');
  if (allowEmptyText === undefined) throw new OssError('MalformedXML', { message: 'AllowEmptyReferer is required.' });
  const list = (container: string) =>
    children(root, container)
      .flatMap((c) => children(c, 'Referer'))
      .map((r) => (text(r) ?? '').trim())
      .filter((r) => r !== '');
  const config: RefererConfig = {
    allowEmpty: bool(allowEmptyText, 'AllowEmptyReferer', true),
    allowTruncateQueryString: bool(childText(root, 'AllowTruncateQueryString'), 'AllowTruncateQueryString', true),
    truncatePath: bool(childText(root, 'TruncatePath'), 'TruncatePath', false),
    allow: list('RefererList'),
    block: list('RefererBlacklist'),
  };
  if (config.truncatePath && !config.allowTruncateQueryString) {
    throw invalid('TruncatePath', 'true', 'TruncatePath can be true only when AllowTruncateQueryString is true.');
  }
  for (const [name, l] of [
    ['RefererList', config.allow],
    ['RefererBlacklist', config.block],
  ] as const) {
    if (Buffer.byteLength(l.join('')) > MAX_LIST_BYTES) {
      throw invalid(name, String(l.length), `The ${name} may hold at most ${MAX_LIST_BYTES} bytes of Referers.`);
    }
  }
  return config;
}

export function renderRefererConfiguration(c: RefererConfig): string {
  return renderXml('RefererConfiguration', {
    AllowEmptyReferer: c.allowEmpty,
    AllowTruncateQueryString: c.allowTruncateQueryString,
    TruncatePath: c.truncatePath,
    // Always present, empty when there are none: ali-oss reads RefererList.Referer unconditionally.
    RefererList: c.allow.length ? { Referer: c.allow } : '',
    RefererBlacklist: c.block.length ? { Referer: c.block } : '',
  });
}

/** The stored JSON of a configuration back to a configuration (defaults for anything missing). */
export function refererConfigOf(stored: string | undefined): RefererConfig | undefined {
  if (stored === undefined) return undefined;
  try {
    return { ...DEFAULT_REFERER_CONFIG, ...(JSON.parse(stored) as Partial<RefererConfig>) };
  } catch {
    return undefined;
  }
}

/** The Referer as matched: without query string (and fragment) and, with TruncatePath, without path. */
function truncated(referer: string, c: RefererConfig): string {
  let r = referer;
  if (c.allowTruncateQueryString) r = r.replace(/[?#].*$/s, '');
  if (c.truncatePath) {
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(r);
    if (m) r = m[1];
  }
  return r;
}

/**
 * One list entry against a Referer (case-insensitive, `*` and `?` wildcards). An entry matches the whole
 * (truncated) Referer, or its start up to a `/` (so `https://example.com` covers that site's pages); an
 * entry without a scheme (`www.example.com`, `*.example.com`) is also tried against the Referer without
 * its scheme.
 */
function entryMatches(entry: string, referer: string): boolean {
  const forms = [referer];
  if (!entry.includes('://')) forms.push(referer.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''));
  return forms.some((f) => globMatch(entry, f, true) || globMatch(`${entry}/*`, f, true));
}

/**
 * Hotlink protection (OSS order): an empty Referer passes when AllowEmptyReferer is true, or when the allow
 * list is empty; otherwise a blocked Referer is refused, then an allow list, when there is one, must match.
 */
export function refererAllowed(c: RefererConfig, referer: string | undefined): boolean {
  if (referer === undefined || referer.trim() === '') return c.allowEmpty || c.allow.length === 0;
  const r = truncated(referer.trim(), c);
  if (c.block.some((e) => entryMatches(e, r))) return false;
  return c.allow.length === 0 || c.allow.some((e) => entryMatches(e, r));
}

export function refererDenied(): OssError {
  return new OssError('AccessDenied', { message: 'You are denied by bucket referer policy.' });
}
