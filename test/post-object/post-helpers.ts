/** A plain HTML-form client for PostObject tests: FormData + fetch, raw bodies and any Host header. */
import http from 'node:http';
import type OSS from 'ali-oss';

export interface FormResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export type Fields = [string, string][];

export interface FilePart {
  name?: string;
  filename?: string;
  type?: string;
  data: Buffer | string;
}

/** A FormData with the fields in order, then the file part (unless `file` is null), then `after`. */
export function buildForm(fields: Fields, file: FilePart | null, after: Fields = []): FormData {
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  if (file) {
    const blob = new Blob([typeof file.data === 'string' ? Buffer.from(file.data) : file.data], {
      type: file.type ?? 'application/octet-stream',
    });
    fd.append(file.name ?? 'file', blob, file.filename ?? 'upload.bin');
  }
  for (const [k, v] of after) fd.append(k, v);
  return fd;
}

/** Serialises a FormData exactly as fetch would send it. */
export async function encodeForm(fd: FormData): Promise<{ body: Buffer; contentType: string }> {
  const r = new Response(fd);
  return { body: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type')! };
}

/** A raw multipart body from explicit parts (for malformed cases). */
export function rawMultipart(
  boundary: string,
  parts: { headers: string[]; body: Buffer | string }[],
  options: { close?: boolean } = {},
): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n`));
    chunks.push(typeof p.body === 'string' ? Buffer.from(p.body) : p.body);
    chunks.push(Buffer.from('\r\n'));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function fieldPart(name: string, value: string): { headers: string[]; body: string } {
  return { headers: [`Content-Disposition: form-data; name="${name}"`], body: value };
}

/** POST a body to 127.0.0.1:port with any Host and path (fetch cannot set Host). */
export function postRaw(
  port: number,
  options: { path?: string; host?: string; headers?: Record<string, string>; body: Buffer | string },
): Promise<FormResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: options.path ?? '/',
        headers: {
          host: options.host ?? `localhost:${port}`,
          'content-length': String(Buffer.byteLength(options.body)),
          ...options.headers,
        },
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST a FormData (path style by default; `host` for virtual-hosted style). */
export async function postForm(
  port: number,
  fd: FormData,
  options: { path?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<FormResponse> {
  const { body, contentType } = await encodeForm(fd);
  return postRaw(port, { ...options, body, headers: { 'content-type': contentType, ...options.headers } });
}

/** A policy valid for an hour with the given conditions. */
export function policyOf(conditions: unknown[], expiration = new Date(Date.now() + 3600_000)): object {
  return { expiration: expiration.toISOString(), conditions };
}

/** V1 fields computed by ali-oss's own calculatePostSignature. */
export function v1Fields(client: OSS, policy: object | string): Fields {
  const sig = client.calculatePostSignature(policy) as { OSSAccessKeyId: string; Signature: string; policy: string };
  return [
    ['OSSAccessKeyId', sig.OSSAccessKeyId],
    ['policy', sig.policy],
    ['Signature', sig.Signature],
  ];
}

function v4Date(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** V4 fields: signature from ali-oss's signPostObjectPolicyV4 (region cn-hangzhou, product oss). */
export function v4Fields(client: OSS, policy: object, accessKeyId: string, date = new Date()): Fields {
  const signer = client as unknown as { signPostObjectPolicyV4(policy: object, date: Date): string };
  const dateTime = v4Date(date);
  return [
    ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
    ['x-oss-credential', `${accessKeyId}/${dateTime.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`],
    ['x-oss-date', dateTime],
    ['policy', Buffer.from(JSON.stringify(policy)).toString('base64')],
    ['x-oss-signature', signer.signPostObjectPolicyV4(policy, date)],
  ];
}

/** Text of `<name>` in an XML body, entities decoded. */
export function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`)
    .exec(xml)?.[1]
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** ali-oss result headers as a plain record (its typings say `{}`). */
export function hdrs(result: { res: unknown }): Record<string, string | undefined> {
  return (result.res as { headers: Record<string, string | undefined> }).headers;
}
