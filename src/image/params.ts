import { OssError } from '../errors/oss-error.js';
import type { ImageAction } from './parse.js';

function invalid(a: ImageAction, key: string, value: string, message: string): OssError {
  return new OssError('InvalidArgument', {
    message,
    extra: { ArgumentName: `${a.name}${key ? `,${key}` : ''}`, ArgumentValue: value },
  });
}

/** An integer parameter in [min, max], or `fallback` when absent. */
export function intParam(a: ImageAction, key: string, min: number, max: number): number | undefined;
export function intParam(a: ImageAction, key: string, min: number, max: number, fallback: number): number;
export function intParam(a: ImageAction, key: string, min: number, max: number, fallback?: number): number | undefined {
  const raw = a.params.get(key);
  if (raw === undefined) return fallback;
  if (!/^-?\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    const label = key === '' ? `${a.name} value` : `${a.name} parameter ${key}`;
    throw invalid(a, key, raw, `The ${label} must be an integer in [${min}, ${max}], got "${raw}".`);
  }
  return Number(raw);
}

/** One of `allowed` (case-insensitive), or `fallback` when absent. */
export function enumParam<T extends string>(a: ImageAction, key: string, allowed: readonly T[], fallback: T): T;
export function enumParam<T extends string>(
  a: ImageAction,
  key: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  const raw = a.params.get(key);
  if (raw === undefined) return fallback;
  const v = raw.toLowerCase() as T;
  if (!allowed.includes(v)) {
    throw invalid(a, key, raw, `The ${a.name} parameter ${key || 'value'} must be one of ${allowed.join(', ')}.`);
  }
  return v;
}

/** An RRGGBB colour, or `fallback`. */
export function colorParam(a: ImageAction, key: string, fallback: string): { r: number; g: number; b: number } {
  const raw = a.params.get(key) ?? fallback;
  if (!/^[0-9a-fA-F]{6}$/.test(raw)) {
    throw invalid(a, key, raw, `The ${a.name} parameter ${key} must be an RGB colour such as FFFFFF.`);
  }
  const n = Number.parseInt(raw, 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}

/** Rejects parameters the action does not know (OSS ignores some; ossd is strict only on names it lists). */
export function requireAny(a: ImageAction, keys: string[]): void {
  if (!keys.some((k) => a.params.has(k))) {
    throw new OssError('InvalidArgument', {
      message: `The ${a.name} action needs one of the parameters ${keys.join(', ')}.`,
      extra: { ArgumentName: a.name, ArgumentValue: a.text },
    });
  }
}
