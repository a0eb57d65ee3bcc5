import type { StoredStyle } from '../../image/styles.js';

/** A style as GetStyle and ListStyle render it. */
export function styleXml(s: StoredStyle): Record<string, string> {
  return {
    Name: s.name,
    Content: s.content,
    Category: s.category,
    CreateTime: s.createTime,
    LastModifyTime: s.lastModifyTime,
  };
}
