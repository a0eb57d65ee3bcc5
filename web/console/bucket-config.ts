/**
 * Bucket sub-resources (`?versioning`, `?lifecycle`, `?referer`, …) as raw signed requests through the
 * SDK's own pipeline: the ali-oss browser build lacks several of them (policy, tags, encryption, request
 * payment) and the others leave fields out (the referer block list), so the settings tabs use these.
 */
import type OSS from 'ali-oss';
import { type SdkInternals, send } from './bucket-ops.js';

export type Xml = string | number | boolean | undefined | Xml[] | { [name: string]: Xml };

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `<name>…</name>` from a parsed-XML-shaped value (arrays repeat the element; undefined leaves it out). */
export function xmlElement(name: string, value: Xml): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => xmlElement(name, v)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .filter(([k]) => k !== '$')
      .map(([k, v]) => xmlElement(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export const xmlDocument = (root: string, value: Xml) =>
  `<?xml version="1.0" encoding="UTF-8"?>${xmlElement(root, value)}`;

/** A value that may be one element or several, as a list (the SDK's parser collapses single children). */
export function many<T>(v: unknown): T[] {
  return v === undefined || v === '' ? [] : ([v].flat() as T[]);
}

/** GET /bucket/?SUB → the parsed XML root's content; undefined when the answer is 404 with `missingCode`. */
export async function getConfig(
  client: OSS,
  bucket: string,
  sub: string,
  missingCode?: string,
): Promise<Record<string, Xml> | undefined> {
  try {
    const r = await send(client, { method: 'GET', bucket, subres: sub }, [200]);
    return (await (client as unknown as SdkInternals).parseXML(r.data)) as Record<string, Xml>;
  } catch (err) {
    if (missingCode && (err as { code?: string }).code === missingCode) return undefined;
    throw err;
  }
}

/** GET /bucket/?SUB as text (GetBucketPolicy answers JSON); undefined when 404 with `missingCode`. */
export async function getConfigText(
  client: OSS,
  bucket: string,
  sub: string,
  missingCode: string,
): Promise<string | undefined> {
  try {
    const r = await send(client, { method: 'GET', bucket, subres: sub }, [200]);
    const data = r.data as { toString(): string } | string;
    return typeof data === 'string' ? data : data.toString();
  } catch (err) {
    if ((err as { code?: string }).code === missingCode) return undefined;
    throw err;
  }
}

export async function putConfig(
  client: OSS,
  bucket: string,
  sub: string,
  body: string,
  mime: 'xml' | 'json' = 'xml',
): Promise<void> {
  await send(client, { method: 'PUT', bucket, subres: sub, content: body, mime }, [200]);
}

export async function deleteConfig(client: OSS, bucket: string, sub: string): Promise<void> {
  await send(client, { method: 'DELETE', bucket, subres: sub }, [200, 204]);
}
