/**
 * Bounds on what a delivery record keeps: the rendered body, the signed text and the application's
 * reply are each kept up to MAX_RECORDED_BODY_BYTES; a longer one is cut and ends with a visible marker.
 */

/** Per recorded text (rendered body, string to sign, response body), in bytes. */
export const MAX_RECORDED_BODY_BYTES = 64 * 1024;

/** What a cut text ends with (shown as-is by `ossd callbacks show`, the console and the admin API). */
export function truncationMarker(kept: number, total?: number): string {
  return total === undefined
    ? `\n…[truncated by ossd: first ${kept} bytes kept, more followed]`
    : `\n…[truncated by ossd: first ${kept} of ${total} bytes kept]`;
}

/** `text` if it fits in `cap` UTF-8 bytes, else its first `cap` bytes plus the marker. */
export function capText(text: string, cap = MAX_RECORDED_BODY_BYTES): { text: string; truncated: boolean } {
  if (text.length <= cap / 3) return { text, truncated: false };
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= cap) return { text, truncated: false };
  const kept = Buffer.from(text, 'utf8').subarray(0, cap).toString('utf8');
  return { text: kept + truncationMarker(cap, total), truncated: true };
}

/** The first `cap` bytes of `data` plus the marker when `data` is longer or `more` bytes followed. */
export function capBuffer(
  data: Buffer,
  more: boolean,
  cap = MAX_RECORDED_BODY_BYTES,
  total?: number,
): { data: Buffer; truncated: boolean } {
  if (data.length <= cap && !more) return { data, truncated: false };
  const kept = Math.min(cap, data.length);
  const marker = truncationMarker(kept, more ? undefined : (total ?? data.length));
  return { data: Buffer.concat([data.subarray(0, kept), Buffer.from(marker, 'utf8')]), truncated: true };
}
