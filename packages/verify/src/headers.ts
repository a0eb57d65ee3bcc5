import type { HeadersLike } from './types.js';

/** First value of a header, looked up case-insensitively; `undefined` if absent or empty. */
export function getHeader(headers: HeadersLike, name: string): string | undefined {
  let value: string | string[] | null | undefined;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    value = headers.get(name);
  } else {
    const record = headers as Record<string, string | string[] | undefined>;
    value = record[name];
    if (value === undefined) {
      const lower = name.toLowerCase();
      const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
      value = key === undefined ? undefined : record[key];
    }
  }
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}
