import type OSS from 'ali-oss';

/** ali-oss put() options with a callback, as the official docs show them. */
export interface CallbackOptions {
  url: string;
  body: string;
  host?: string;
  contentType?: string;
  callbackSNI?: boolean;
  customValue?: Record<string, string>;
}

export interface PutWithCallbackResult {
  res: { status: number; headers: Record<string, string> };
  data: unknown;
  name: string;
}

/** `client.put(name, body, { callback, headers })`, typed for tests. */
export function putWithCallback(
  client: OSS,
  name: string,
  body: Buffer,
  callback: CallbackOptions,
  headers: Record<string, string> = {},
): Promise<PutWithCallbackResult> {
  return client.put(name, body, {
    callback,
    headers,
  } as unknown as OSS.PutObjectOptions) as unknown as Promise<PutWithCallbackResult>;
}

export function b64(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
}

export interface OssErrorLike {
  name: string;
  code: string;
  status: number;
  message: string;
  ecCode?: string;
}
