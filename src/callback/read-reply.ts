/** Reading and judging the application's reply to a callback. */

export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Reads at most `cap` bytes; `over` when the body is longer (the stream is then destroyed). */
export async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  cap: number,
): Promise<{ data: Buffer; over: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    if (length + chunk.length > cap) {
      chunks.push(chunk.subarray(0, cap - length));
      body.destroy();
      return { data: Buffer.concat(chunks), over: true };
    }
    chunks.push(chunk);
    length += chunk.length;
  }
  return { data: Buffer.concat(chunks, length), over: false };
}

export function isValidJson(data: Buffer): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    return true;
  } catch {
    return false;
  }
}
