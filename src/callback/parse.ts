/**
 * Validation of the `callback` and `callback-var` parameters (callback.md sections 1–3), before anything
 * is stored. Every failure is a 400 InvalidArgument with the EC code of the real service.
 */
import { isIP } from 'node:net';
import { invalidArgument, type OssError } from '../errors/oss-error.js';
import { type AddressPolicy, isAddressAllowed } from './address-policy.js';
import { type CallbackTarget, parseCallbackUrl } from './callback-url.js';
import { MAX_RENDERED_BODY_BYTES, renderedLowerBound, TemplateSyntaxError, validateTemplate } from './template.js';

export { type CallbackTarget, parseCallbackUrl } from './callback-url.js';
export { type SelectedCallback, selectCallbackTransport } from './select-transport.js';

export type CallbackBodyType = 'application/x-www-form-urlencoded' | 'application/json';

export interface CallbackSpec {
  targets: CallbackTarget[];
  host?: string;
  bodyTemplate: string;
  bodyType: CallbackBodyType;
  sni: boolean;
  additionalHeaders: Record<string, string>;
  customVars: Record<string, string>;
  raw: { callback: string; callbackVar?: string };
}

export const MAX_CALLBACK_BYTES = 5 * 1024;
export const MAX_CALLBACK_URLS = 5;

/** Headers additionalHeaders may not set: ossd computes them (or they would break the request). */
const RESERVED_HEADERS = new Set([
  'authorization',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/; // latin1 without controls
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Argument = 'callback' | 'callback-var';

function fail(name: Argument, value: string, message: string, ec: string | undefined): OssError {
  return invalidArgument(name, value, message, ec);
}

/** Decodes standard base64 strictly (padding optional); undefined if invalid. */
function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 === 1) return undefined;
  const padded = text.length % 4 === 0 ? text : text + '='.repeat(4 - (text.length % 4));
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(padded)) return undefined;
  return Buffer.from(padded, 'base64');
}

/** Decodes a base64 JSON object parameter, enforcing size, base64 and JSON with the given EC codes. */
function decodeJsonParam(name: Argument, value: string, ecs: [string, string, string]): Record<string, unknown> {
  const [ecSize, ecBase64, ecJson] = ecs;
  if (value.length > Math.ceil(MAX_CALLBACK_BYTES / 3) * 4) throw fail(name, value, `The ${name} is too long.`, ecSize);
  const bytes = decodeBase64(value);
  if (bytes === undefined) throw fail(name, value, `The ${name} is not base64 encoded.`, ecBase64);
  if (bytes.length > MAX_CALLBACK_BYTES) throw fail(name, value, `The ${name} is too long.`, ecSize);
  const jsonMessage =
    name === 'callback' ? 'The callback configuration is not json format.' : 'The callback-var is not json format.';
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw fail(name, value, jsonMessage, ecJson);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw fail(name, value, jsonMessage, ecJson);
  return parsed as Record<string, unknown>;
}

function parseTargets(value: unknown, raw: string, policy: AddressPolicy): CallbackTarget[] {
  if (typeof value !== 'string' || value.trim() === '')
    throw fail('callback', raw, 'The callbackUrl is invalid.', '0007-00000004');
  const entries = value.split(';').map((s) => s.trim());
  if (entries.length > 1 && entries[entries.length - 1] === '') entries.pop();
  if (entries.length > MAX_CALLBACK_URLS)
    throw fail('callback', raw, 'The number of callbackUrl is more than 5.', '0007-00000005');
  return entries.map((entry) => {
    const target = entry === '' ? undefined : parseCallbackUrl(entry);
    if (!target) throw fail('callback', raw, `The callbackUrl is invalid: ${entry}`, '0007-00000004');
    if (isIP(target.hostname) !== 0 && !isAddressAllowed(target.hostname, policy)) {
      throw fail('callback', raw, `The callbackUrl address is not allowed: ${entry}`, '0007-00000008');
    }
    return target;
  });
}

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** A Host header value: hostname, IPv4 or [IPv6], with an optional port 1–65535. */
export function isValidHostHeader(value: string): boolean {
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return false;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return false;
  const name = m[1];
  if (name.startsWith('[')) return isIP(name.slice(1, -1)) === 6;
  if (isIP(name) === 4) return true;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare.length > 0 && bare.length <= 253 && bare.split('.').every((label) => HOST_LABEL.test(label));
}

/**
 * Refuses a callback whose body certainly renders past MAX_RENDERED_BODY_BYTES: the template's text and
 * custom variables alone (system variables counted as empty) are already too large. Call again whenever
 * custom variables are added (PostObject `x:` fields).
 */
export function checkRenderedSize(spec: CallbackSpec): void {
  if (renderedLowerBound(spec.bodyTemplate, spec.bodyType, spec.customVars) > MAX_RENDERED_BODY_BYTES) {
    throw fail(
      'callback',
      spec.raw.callback,
      `The callbackBody renders to more than ${MAX_RENDERED_BODY_BYTES} bytes with its variables.`,
      undefined,
    );
  }
}

function parseAdditionalHeaders(value: unknown, raw: string): Record<string, string> {
  if (value === undefined) return {};
  const bad = (why: string) => fail('callback', raw, `The additionalHeaders is invalid: ${why}`, '0007-00000026');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('not an object');
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (!TOKEN.test(key)) throw bad(`bad header name ${JSON.stringify(key)}`);
    if (lower.startsWith('x-oss-')) throw bad(`${key} starts with x-oss-`);
    if (RESERVED_HEADERS.has(lower)) throw bad(`${key} cannot be set`);
    if (typeof v !== 'string' || !HEADER_VALUE.test(v)) throw bad(`bad value for ${key}`);
    out[key] = v;
  }
  return out;
}

function parseCustomVars(callbackVar: string | undefined): Record<string, string> {
  if (callbackVar === undefined || callbackVar === '') return {};
  const obj = decodeJsonParam('callback-var', callbackVar, ['0007-00000101', '0007-00000102', '0007-00000103']);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(obj)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else throw fail('callback-var', callbackVar, 'The callback-var is not json format.', '0007-00000103');
  }
  return out;
}

/**
 * Validates `callback` (+ optional `callback-var`), both base64 JSON. Throws `InvalidArgument` (400) with
 * `ArgumentName` `callback`/`callback-var` and the EC code of callback.md section 2.
 */
export function parseCallbackParams(
  callbackB64: string,
  callbackVarB64: string | undefined,
  opts: { policy: AddressPolicy },
): CallbackSpec {
  const raw = callbackB64;
  const obj = decodeJsonParam('callback', raw, ['0007-00000001', '0007-00000002', '0007-00000003']);
  const targets = parseTargets(obj.callbackUrl, raw, opts.policy);

  const host = obj.callbackHost;
  if (host !== undefined && (typeof host !== 'string' || (host !== '' && !isValidHostHeader(host)))) {
    throw fail('callback', raw, 'The callbackHost is invalid.', '0007-00000009');
  }
  const body = obj.callbackBody;
  if (typeof body !== 'string' || body === '')
    throw fail('callback', raw, 'The callbackBody is empty.', '0007-00000011');
  try {
    validateTemplate(body);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw fail('callback', raw, err.message, '0007-00000105');
    throw err;
  }
  const type = obj.callbackBodyType ?? 'application/x-www-form-urlencoded';
  if (type !== 'application/x-www-form-urlencoded' && type !== 'application/json') {
    throw fail('callback', raw, 'The callbackBodyType is invalid.', '0007-00000012');
  }
  const sni = obj.callbackSNI ?? false;
  if (typeof sni !== 'boolean') throw fail('callback', raw, 'The callback sni is invalid.', undefined);
  const additionalHeaders = parseAdditionalHeaders(obj.additionalHeaders, raw);
  const customVars = parseCustomVars(callbackVarB64);

  const spec: CallbackSpec = {
    targets,
    bodyTemplate: body,
    bodyType: type,
    sni,
    additionalHeaders,
    customVars,
    raw: { callback: callbackB64 },
  };
  if (typeof host === 'string' && host !== '') spec.host = host;
  if (callbackVarB64 !== undefined && callbackVarB64 !== '') spec.raw.callbackVar = callbackVarB64;
  checkRenderedSize(spec);
  return spec;
}
