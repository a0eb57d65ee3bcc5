import { OssError } from '../errors/oss-error.js';
import type { MetadataStore } from '../storage/types.js';

/** One image style as stored in the bucket's configuration documents (`style/<name>`). */
export interface StoredStyle {
  name: string;
  content: string;
  category: string;
  createTime: string;
  lastModifyTime: string;
}

export const STYLE_PREFIX = 'style/';
/** OSS: at most 50 styles per bucket. */
export const MAX_STYLES = 50;
/** OSS console: 1–63 letters, digits, `_`, `-`, `.`. */
export const STYLE_NAME = /^[A-Za-z0-9_.-]{1,63}$/;

export function checkStyleName(name: string | undefined): string {
  if (name === undefined || !STYLE_NAME.test(name)) {
    throw new OssError('InvalidArgument', {
      message: 'The style name must be 1 to 63 letters, digits, underscores, hyphens or periods.',
      extra: { ArgumentName: 'styleName', ArgumentValue: name ?? '' },
    });
  }
  return name;
}

export async function loadStyle(meta: MetadataStore, bucket: string, name: string): Promise<StoredStyle | undefined> {
  const raw = await meta.getBucketConfig(bucket, `${STYLE_PREFIX}${name}`);
  return raw === undefined ? undefined : (JSON.parse(raw) as StoredStyle);
}

export async function requireStyle(meta: MetadataStore, bucket: string, name: string): Promise<StoredStyle> {
  const style = await loadStyle(meta, bucket, name);
  if (!style) throw new OssError('NoSuchStyle', { extra: { StyleName: name } });
  return style;
}

export async function listStyles(meta: MetadataStore, bucket: string): Promise<StoredStyle[]> {
  const docs = await meta.listBucketConfig(bucket, STYLE_PREFIX);
  return docs.map((d) => JSON.parse(d.value) as StoredStyle);
}
