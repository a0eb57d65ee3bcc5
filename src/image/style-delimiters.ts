import type { MetadataStore } from '../storage/types.js';
import { STYLE_NAME } from './styles.js';

/** Bucket configuration document holding the style delimiters (OSS sets them in its console). */
export const STYLE_DELIMITERS_CONFIG = 'style-delimiters';
/** The characters OSS accepts as style delimiters. */
export const STYLE_DELIMITER_CHARS = '-_/!';

/** Validates and normalises a delimiter set: each character one of `-_/!`, duplicates dropped. */
export function parseStyleDelimiters(chars: string): string {
  if (chars.length === 0) throw new Error('give at least one style delimiter (any of - _ / !)');
  let set = '';
  for (const c of chars) {
    if (!STYLE_DELIMITER_CHARS.includes(c)) {
      throw new Error(`"${c}" cannot be a style delimiter; use any of - _ / !`);
    }
    if (!set.includes(c)) set += c;
  }
  // Kept in the canonical order so that "!-" and "-!" store the same value.
  return [...STYLE_DELIMITER_CHARS].filter((c) => set.includes(c)).join('');
}

export async function loadStyleDelimiters(meta: MetadataStore, bucket: string): Promise<string> {
  return (await meta.getBucketConfig(bucket, STYLE_DELIMITERS_CONFIG)) ?? '';
}

/** Sets (or with undefined removes) a bucket's style delimiters. */
export async function saveStyleDelimiters(
  meta: MetadataStore,
  bucket: string,
  chars: string | undefined,
): Promise<void> {
  await meta.putBucketConfig(
    bucket,
    STYLE_DELIMITERS_CONFIG,
    chars === undefined ? undefined : parseStyleDelimiters(chars),
  );
}

/**
 * `photo.jpg!small` with `!` configured → `{ key: 'photo.jpg', style: 'small' }`: split at the LAST
 * configured delimiter; undefined when there is none, or either side would be empty or the suffix is
 * no valid style name.
 */
export function splitStyleKey(key: string, delimiters: string): { key: string; style: string } | undefined {
  let at = -1;
  for (const d of delimiters) at = Math.max(at, key.lastIndexOf(d));
  if (at <= 0) return undefined;
  const style = key.slice(at + 1);
  if (!STYLE_NAME.test(style)) return undefined;
  return { key: key.slice(0, at), style };
}
