/**
 * The callback body template (callback.md section 4): `${name}` system variables and `${x:name}` custom
 * variables, rendered for a form-urlencoded or a JSON body.
 */
import type { CallbackBodyType } from './parse.js';

/** The values an upload offers to its callback template. */
export interface CallbackVariables {
  bucket: string;
  object: string;
  /** Without quotes. */
  etag: string;
  size: number;
  mimeType: string;
  /** Present only when the object is an image ossd recognises. */
  imageInfo?: { width: number; height: number; format: string };
  /** CRC-64/ECMA-182 as an unsigned decimal string (can exceed 2^53). */
  crc64: string;
  /** Base64 MD5 of the body; '' for CompleteMultipartUpload. */
  contentMd5: string;
  /** Always '' in ossd. */
  vpcId: string;
  clientIp: string;
  reqId: string;
  operation: 'PutObject' | 'PostObject' | 'CompleteMultipartUpload';
}

export interface RenderOptions {
  /** Render an absent numeric value as `null` in JSON bodies instead of nothing (the real service emits nothing). */
  absentNumbersAsNull: boolean;
}

/** Why a template is malformed. `message` is the text the real service returns (EC 0007-00000105). */
export class TemplateSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

export const LEFT_BRACE_MESSAGE = 'Left brace must be adjacent to dollar sign.';
export const RIGHT_BRACE_MESSAGE = 'Right brace is missing for the variable.';

type Segment = { text: string } | { name: string };

/** Splits a template into literal text and `${…}` placeholders; throws TemplateSyntaxError when malformed. */
function segments(template: string): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  for (;;) {
    const dollar = template.indexOf('$', pos);
    if (dollar === -1) break;
    if (template[dollar + 1] !== '{') throw new TemplateSyntaxError(LEFT_BRACE_MESSAGE);
    const close = template.indexOf('}', dollar + 2);
    if (close === -1) throw new TemplateSyntaxError(RIGHT_BRACE_MESSAGE);
    if (dollar > pos) out.push({ text: template.slice(pos, dollar) });
    out.push({ name: template.slice(dollar + 2, close) });
    pos = close + 1;
  }
  if (pos < template.length) out.push({ text: template.slice(pos) });
  return out;
}

/**
 * Checks template syntax: every `$` must be followed by `{`, and every `${` closed by `}`.
 * Throws TemplateSyntaxError (message `Left brace must be adjacent to dollar sign.` for e.g. `$x:a}`).
 */
export function validateTemplate(template: string): void {
  segments(template);
}

const KEEP = /[A-Za-z0-9\-_.!~*'()]/;

/** `encodeURIComponent`, except that lone surrogates become U+FFFD instead of throwing. */
export function formEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && KEEP.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

type Value = { kind: 'string'; value: string | undefined } | { kind: 'number'; value: string | undefined };

const str = (value: string | undefined): Value => ({ kind: 'string', value: value === '' ? undefined : value });
const num = (value: string | undefined): Value => ({ kind: 'number', value });

function systemValue(name: string, v: CallbackVariables): Value | undefined {
  switch (name) {
    case 'bucket':
      return str(v.bucket);
    case 'object':
      return str(v.object);
    case 'etag':
      return str(v.etag);
    case 'size':
      return num(Number.isFinite(v.size) ? String(v.size) : undefined);
    case 'mimeType':
      return str(v.mimeType);
    case 'imageInfo.height':
      return num(v.imageInfo ? String(v.imageInfo.height) : undefined);
    case 'imageInfo.width':
      return num(v.imageInfo ? String(v.imageInfo.width) : undefined);
    case 'imageInfo.format':
      return str(v.imageInfo?.format);
    case 'crc64':
      return num(/^\d+$/.test(v.crc64) ? v.crc64 : undefined);
    case 'contentMd5':
      return str(v.contentMd5);
    case 'vpcId':
      return str(v.vpcId);
    case 'clientIp':
      return str(v.clientIp);
    case 'reqId':
      return str(v.reqId);
    case 'operation':
      return str(v.operation);
    default:
      return undefined;
  }
}

/**
 * Renders a validated template.
 * - form-urlencoded: each substituted value is percent-encoded with `encodeURIComponent` semantics
 *   (`/` → `%2F`, space → `%20`, UTF-8 bytes escaped; `-_.!~*'()` kept); literal template text is untouched;
 *   absent values render empty.
 * - JSON: strings via JSON.stringify; `size`, `crc64`, `imageInfo.height`, `imageInfo.width` as bare digits;
 *   an absent number renders as nothing (as the real service does) or `null` with `absentNumbersAsNull`;
 *   an absent string, an unknown system variable or an unsupplied `x:` variable renders `null`.
 */
export function renderCallbackBody(
  template: string,
  bodyType: CallbackBodyType,
  vars: CallbackVariables,
  custom: Record<string, string>,
  opts: RenderOptions,
): string {
  const json = bodyType === 'application/json';
  let out = '';
  for (const seg of segments(template)) {
    if ('text' in seg) {
      out += seg.text;
      continue;
    }
    let value: Value | undefined;
    if (seg.name.startsWith('x:')) {
      value = Object.hasOwn(custom, seg.name) ? { kind: 'string', value: custom[seg.name] } : undefined;
    } else {
      value = systemValue(seg.name, vars);
    }
    if (!json) {
      out += value?.value === undefined ? '' : formEncode(value.value);
    } else if (value === undefined || value.value === undefined) {
      out += value?.kind === 'number' && !opts.absentNumbersAsNull ? '' : 'null';
    } else {
      out += value.kind === 'number' ? value.value : JSON.stringify(value.value);
    }
  }
  return out;
}
