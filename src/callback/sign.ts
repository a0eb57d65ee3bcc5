/**
 * The callback signature (callback.md section 5): base64 RSA PKCS#1 v1.5 with MD5 over
 * `url_decode(path) + ("?" + raw_query if any) + "\n" + body`.
 */
import { type KeyObject, sign } from 'node:crypto';

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}

/**
 * Percent-decodes a path to bytes: `%XX` becomes the byte; a `%` not followed by two hex digits stays;
 * `+` is not a space in a path. Same rule as packages/verify.
 */
export function percentDecodePath(path: string): Buffer {
  const input = Buffer.from(path, 'utf8');
  if (!input.includes(0x25)) return input;
  const out = Buffer.allocUnsafe(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    if (byte === 0x25 && isHex(input[i + 1]) && isHex(input[i + 2])) {
      out[n++] = Number.parseInt(String.fromCharCode(input[i + 1], input[i + 2]), 16);
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return out.subarray(0, n);
}

/** The bytes signed for a callback to `pathAndQuery` (request-line form) with `body`. */
export function callbackStringToSign(pathAndQuery: string, body: Buffer): Buffer {
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  const parts = [percentDecodePath(path)];
  if (q !== -1) parts.push(Buffer.from(pathAndQuery.slice(q), 'utf8'));
  parts.push(Buffer.from('\n'), body);
  return Buffer.concat(parts);
}

/** The `authorization` header value: base64 RSA-MD5 (PKCS#1 v1.5) signature of the string to sign. */
export function signCallback(privateKey: KeyObject, pathAndQuery: string, body: Buffer): string {
  return sign('md5', callbackStringToSign(pathAndQuery, body), privateKey).toString('base64');
}

/**
 * As signCallback, over an already built string to sign, on libuv's thread pool: the RSA private-key
 * operation (about 0.5 ms for a 2048-bit key) stays off the event loop, so concurrent uploads keep flowing.
 */
export function signStringToSign(privateKey: KeyObject, stringToSign: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('md5', stringToSign, privateKey, (err, signature) => {
      if (err) reject(err);
      else resolve(signature.toString('base64'));
    });
  });
}

/**
 * The ossd v2 signature (an extension, sent as `x-ossd-signature` beside OSS's `authorization`): base64
 * RSA PKCS#1 v1.5 with SHA-256 over `timestamp + "\n" + deliveryId + "\n" + stringToSign`, where
 * `timestamp` is the `x-ossd-timestamp` header (Unix time in milliseconds) and `stringToSign` the bytes OSS signs.
 */
export function signV2(
  privateKey: KeyObject,
  timestamp: string,
  deliveryId: string,
  stringToSign: Buffer,
): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', v2StringToSign(timestamp, deliveryId, stringToSign), privateKey, (err, signature) => {
      if (err) reject(err);
      else resolve(signature.toString('base64'));
    });
  });
}

export function v2StringToSign(timestamp: string, deliveryId: string, stringToSign: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${deliveryId}\n`, 'utf8'), stringToSign]);
}
