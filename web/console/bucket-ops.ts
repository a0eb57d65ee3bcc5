/**
 * ListBuckets and PutBucket. The ali-oss browser build leaves both out (Alibaba Cloud OSS answers no
 * CORS for service-level calls); the console is same-origin with ossd, so it sends them through the
 * SDK's own signed request pipeline, the way the SDK's deleteBucket does.
 */
import type OSS from 'ali-oss';

export interface RawResult {
  status: number;
  data: unknown;
  res: unknown;
}

export interface SdkInternals {
  request(params: Record<string, unknown>): Promise<RawResult>;
  requestError(result: RawResult): Promise<Error>;
  parseXML(data: unknown): Promise<Record<string, unknown>>;
}

export interface BucketSummary {
  name: string;
  region?: string;
  creationDate?: string;
}

export async function send(client: OSS, params: Record<string, unknown>, ok: number[]): Promise<RawResult> {
  const sdk = client as unknown as SdkInternals;
  const result = await sdk.request({ timeout: 60_000, ...params });
  if (!ok.includes(result.status)) throw await sdk.requestError(result);
  return result;
}

export async function listBuckets(client: OSS): Promise<BucketSummary[]> {
  const all: BucketSummary[] = [];
  let marker = '';
  for (;;) {
    const query: Record<string, string> = { 'max-keys': '1000', ...(marker ? { marker } : {}) };
    const r = await send(client, { method: 'GET', query }, [200]);
    const xml = await (client as unknown as SdkInternals).parseXML(r.data);
    const holder = xml.Buckets as { Bucket?: unknown } | undefined;
    const items = holder?.Bucket === undefined ? [] : [holder.Bucket].flat();
    for (const b of items as Record<string, string>[]) {
      all.push({ name: b.Name, region: b.Location ?? b.Region, creationDate: b.CreationDate });
    }
    if (xml.IsTruncated !== 'true' || typeof xml.NextMarker !== 'string' || !xml.NextMarker) return all;
    marker = xml.NextMarker;
  }
}

export async function putBucket(client: OSS, name: string): Promise<void> {
  await send(client, { method: 'PUT', bucket: name }, [200]);
}

export async function deleteBucket(client: OSS, name: string): Promise<void> {
  await send(client, { method: 'DELETE', bucket: name }, [200, 204]);
}

/** GetBucketStat: what a bucket holds. */
export interface BucketStat {
  storage: number;
  objectCount: number;
  multipartUploadCount: number;
}

export async function getBucketStat(client: OSS, name: string): Promise<BucketStat> {
  const r = await send(client, { method: 'GET', bucket: name, subres: 'stat' }, [200]);
  const xml = await (client as unknown as SdkInternals).parseXML(r.data);
  return {
    storage: Number(xml.Storage ?? 0),
    objectCount: Number(xml.ObjectCount ?? 0),
    multipartUploadCount: Number(xml.MultipartUploadCount ?? 0),
  };
}

/** GetBucketInfo: the flat fields of <Bucket> (Name, Location, CreationDate, StorageClass, …) and the ACL. */
export async function getBucketInfo(client: OSS, name: string): Promise<Record<string, string>> {
  const r = await send(client, { method: 'GET', bucket: name, subres: 'bucketInfo' }, [200]);
  const xml = await (client as unknown as SdkInternals).parseXML(r.data);
  const b = (xml.Bucket ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) if (typeof v === 'string') out[k] = v;
  const acl = (b.AccessControlList as { Grant?: unknown } | undefined)?.Grant;
  if (typeof acl === 'string') out.Grant = acl;
  const owner = (b.Owner as { ID?: unknown } | undefined)?.ID;
  if (typeof owner === 'string') out.Owner = owner;
  return out;
}

/** An image style (ListStyle / PutStyle / DeleteStyle; the browser SDK has none of them). */
export interface ImageStyle {
  name: string;
  content: string;
  lastModifyTime?: string;
}

export async function listStyles(client: OSS, bucket: string): Promise<ImageStyle[]> {
  const r = await send(client, { method: 'GET', bucket, subres: 'style' }, [200]);
  const xml = await (client as unknown as SdkInternals).parseXML(r.data);
  const items = xml.Style === undefined ? [] : [xml.Style].flat();
  return (items as Record<string, string>[]).map((x) => ({
    name: x.Name,
    content: x.Content,
    lastModifyTime: x.LastModifyTime,
  }));
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function putStyle(client: OSS, bucket: string, name: string, content: string): Promise<void> {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Style><Content>${xmlEscape(content)}</Content></Style>`;
  await send(
    client,
    { method: 'PUT', bucket, subres: { style: '', styleName: name }, content: xml, mime: 'xml' },
    [200],
  );
}

export async function deleteStyle(client: OSS, bucket: string, name: string): Promise<void> {
  await send(client, { method: 'DELETE', bucket, subres: { style: '', styleName: name } }, [200, 204]);
}
