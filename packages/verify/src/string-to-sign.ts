import { OssCallbackVerificationError } from './errors.js';

const ABSOLUTE_URL = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/;

/**
 * Splits a request target into its raw path and raw query (`undefined` when there is no `?`).
 * Accepts origin-form (`/a/b?x=1`) and absolute URLs (`http://host/a/b?x=1`). Deliberately does not
 * use the WHATWG URL parser, which would re-encode and normalise the path and query.
 */
export function splitTarget(target: string): { path: string; query: string | undefined } {
  let rest = target;
  const origin = ABSOLUTE_URL.exec(rest);
  if (origin) rest = rest.slice(origin[0].length);
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? undefined : rest.slice(q + 1);
  if (!path.startsWith('/')) {
    if (origin && path === '') return { path: '/', query };
    throw new OssCallbackVerificationError('BAD_REQUEST', `Unsupported request target: ${target}`);
  }
  return { path, query };
}

/**
 * Percent-decodes a path to bytes. Equivalent to UTF-8 encoding `decodeURIComponent(path)` for every
 * path that function accepts; in addition, escapes of non-UTF-8 bytes are decoded byte for byte and a
 * `%` not followed by two hex digits is kept literally. `+` is not a space in a path.
 */
export function percentDecodeToBytes(path: string): Buffer {
  const input = Buffer.from(path, 'utf8');
  if (!input.includes(0x25)) return input;
  const out = Buffer.allocUnsafe(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    if (byte === 0x25 && i + 2 < input.length && isHex(input[i + 1]) && isHex(input[i + 2])) {
      out[n++] = Number.parseInt(String.fromCharCode(input[i + 1], input[i + 2]), 16);
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return out.subarray(0, n);
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}

/**
 * `url_decode(path) + ("?" + raw_query if the target has a query) + "\n" + body`, as bytes.
 * A target ending in a bare `?` is ambiguous (some signers treat an empty query as no query), so for
 * it both forms are returned; both state the same path and query, so accepting either is safe.
 */
export function buildStringsToSign(target: string, body: Buffer): Buffer[] {
  const { path, query } = splitTarget(target);
  const decodedPath = percentDecodeToBytes(path);
  const newline = Buffer.from('\n');
  const withoutQuery = Buffer.concat([decodedPath, newline, body]);
  if (query === undefined) return [withoutQuery];
  const withQuery = Buffer.concat([decodedPath, Buffer.from(`?${query}`, 'utf8'), newline, body]);
  return query === '' ? [withQuery, withoutQuery] : [withQuery];
}
