/** Calls ossd's JSON admin API (/-/admin/…) with Basic credentials of an access key. */
import { ROOT_ID, ROOT_SECRET } from './start-server.js';

export async function admin<T = Record<string, unknown>>(
  endpoint: string,
  method: string,
  path: string,
  body?: unknown,
  credentials: { id: string; secret: string } = { id: ROOT_ID, secret: ROOT_SECRET },
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${endpoint}/-/admin${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.id}:${credentials.secret}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `check` every 50 ms until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
