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
  /** Largest rendered body in UTF-8 bytes (default MAX_RENDERED_BODY_BYTES); rendering stops as soon as it is passed. */
  maxBytes?: number;
}

/**
 * Largest rendered callback body, in UTF-8 bytes. A template is at most 5 KB, but it may name a variable
 * many times (`${x:v}` 800 times with a 5 KB variable renders to 4 MB), so the rendered size needs its own
 * cap. A template that names each variable once renders to well under 64 KiB even when every byte of a
 * 5 KB callback-var and a 1023-byte key is escaped; 256 KiB leaves four times that.
 */
export const MAX_RENDERED_BODY_BYTES = 256 * 1024;

/** The rendered body would exceed the cap (the render stopped there). */
export class RenderedBodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`The callback body exceeds ${limit} bytes once its variables are substituted.`);
    this.name = 'RenderedBodyTooLargeError';
    this.limit = limit;
  }
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
 * Throws RenderedBodyTooLargeError as soon as the output passes `opts.maxBytes` (never builds more).
 */
export function renderCallbackBody(
  template: string,
  bodyType: CallbackBodyType,
  vars: CallbackVariables,
  custom: Record<string, string>,
  opts: RenderOptions,
): string {
  const json = bodyType === 'application/json';
  const limit = opts.maxBytes ?? MAX_RENDERED_BODY_BYTES;
  const pieces: string[] = [];
  let bytes = 0;
  for (const seg of segments(template)) {
    const piece = 'text' in seg ? seg.text : renderValue(lookup(seg.name, vars, custom), json, opts);
    bytes += Buffer.byteLength(piece, 'utf8');
    if (bytes > limit) throw new RenderedBodyTooLargeError(limit);
    pieces.push(piece);
  }
  return pieces.join('');
}

function lookup(name: string, vars: CallbackVariables, custom: Record<string, string>): Value | undefined {
  if (name.startsWith('x:')) return Object.hasOwn(custom, name) ? { kind: 'string', value: custom[name] } : undefined;
  return systemValue(name, vars);
}

function renderValue(value: Value | undefined, json: boolean, opts: RenderOptions): string {
  if (!json) return value?.value === undefined ? '' : formEncode(value.value);
  if (value === undefined || value.value === undefined)
    return value?.kind === 'number' && !opts.absentNumbersAsNull ? '' : 'null';
  return value.kind === 'number' ? value.value : JSON.stringify(value.value);
}

/**
 * The fewest bytes `template` can render to, knowing only its custom variables (system variables count
 * as empty): when this passes `limit`, the upload can be refused before anything is stored. Stops
 * counting once `limit` is passed.
 */
export function renderedLowerBound(
  template: string,
  bodyType: CallbackBodyType,
  custom: Record<string, string>,
  limit: number = MAX_RENDERED_BODY_BYTES,
): number {
  const json = bodyType === 'application/json';
  const sizes = new Map<string, number>();
  let bytes = 0;
  for (const seg of segments(template)) {
    if ('text' in seg) bytes += Buffer.byteLength(seg.text, 'utf8');
    else if (seg.name.startsWith('x:')) {
      let size = sizes.get(seg.name);
      if (size === undefined) {
        const value: Value | undefined = Object.hasOwn(custom, seg.name)
          ? { kind: 'string', value: custom[seg.name] }
          : undefined;
        size = Buffer.byteLength(renderValue(value, json, { absentNumbersAsNull: false }), 'utf8');
        sizes.set(seg.name, size);
      }
      bytes += size;
    }
    if (bytes > limit) return bytes;
  }
  return bytes;
}
