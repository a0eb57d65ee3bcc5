import type OSS from 'ali-oss';

/** An access key, kept in sessionStorage (gone when the tab closes). */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

const STORAGE_KEY = 'ossd-console-credentials';

export function loadCredentials(): Credentials | undefined {
  try {
    const c = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Credentials | null;
    return c?.accessKeyId && c.accessKeySecret ? c : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(c: Credentials): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** The real ali-oss browser SDK, talking to this origin (the console port forwards the OSS API). */
export function ossClient(c: Credentials, bucket?: string, endpoint = location.origin): OSS {
  const options = {
    endpoint,
    sldEnable: true,
    secure: location.protocol === 'https:',
    accessKeyId: c.accessKeyId,
    accessKeySecret: c.accessKeySecret,
    timeout: 600_000,
    ...(bucket ? { bucket } : {}),
  };
  return new window.OSS(options as unknown as OSS.Options);
}

/**
 * A presigned GET URL. The SDK refuses to sign for an IP endpoint (the console opened at 127.0.0.1), so
 * it signs for a host name and the URL is pointed back at this origin (a V1 signature covers no host).
 */
export function signedUrl(c: Credentials, bucket: string, key: string, options: OSS.SignatureUrlOptions): string {
  const url = new URL(ossClient(c, bucket, `${location.protocol}//ossd.invalid`).signatureUrl(key, options));
  return `${location.origin}${url.pathname}${url.search}`;
}

/** Calls ossd's admin API (same origin, Basic credentials); throws with the API's message. */
export async function admin<T>(c: Credentials, path: string, body?: unknown, method?: string): Promise<T> {
  const auth = btoa(String.fromCharCode(...new TextEncoder().encode(`${c.accessKeyId}:${c.accessKeySecret}`)));
  const res = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Basic ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as T & { message?: string; code?: string };
  if (!res.ok) throw new Error(`${data.code ?? res.status}: ${data.message ?? res.statusText}`);
  return data;
}

/** A readable message for an ali-oss or fetch failure. */
export function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string; status?: number; ecCode?: string; EC?: string };
  const parts = [e.status ? String(e.status) : '', e.code ?? '', e.message ?? String(err)].filter(Boolean);
  return parts.join(' ');
}
