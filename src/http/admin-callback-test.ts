/**
 * `POST /-/admin/callbacks/test`: the console's callback tester. Validates a callback exactly as an
 * upload would (parseCallbackParams), renders its body with an object's real variables or supplied ones,
 * and, when asked, signs and delivers it with the callback service. Test sends are NOT recorded in the
 * delivery log (it stays a log of uploads); the answer carries everything a record would.
 *
 * Address policy: the tester sends only where an upload could, under the server's callback policy; keys
 * outside the root account may in addition not reach loopback or private ranges through it (the tester
 * shows whole replies, error pages included, which an upload never does). A reply body or headers are
 * shown only for an address that policy allows.
 *
 * Body: { callback, callbackVar?, bucket?, key?, variables?, send? } — callback and callbackVar as JSON
 * text or base64. Answer (200 whenever the test ran, valid or not):
 *   { valid, error?: { code, ec, message, argumentName }, spec?, variables?, renderedBody?, delivery? }
 */
import type { IncomingMessage } from 'node:http';
import { openObjectRange } from '../api/object/read-object.js';
import { ROOT_ACCOUNT_ID } from '../auth/root-account.js';
import { type AddressPolicy, isAddressAllowed } from '../callback/address-policy.js';
import type { StoredCallbackSpec } from '../callback/delivery-store.js';
import { type CallbackSpec, parseCallbackParams } from '../callback/parse.js';
import type { DeliveryOutcome } from '../callback/send.js';
import { type CallbackVariables, RenderedBodyTooLargeError, renderCallbackBody } from '../callback/template.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey, ObjectRecord } from '../storage/types.js';
import { newRequestId } from './request-id.js';

const MAX_BODY = 64 * 1024;
const OPERATIONS = ['PutObject', 'PostObject', 'CompleteMultipartUpload'] as const;

function bad(message: string): OssError {
  return new OssError('InvalidArgument', { message });
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw bad(`The body exceeds ${MAX_BODY} bytes.`);
    chunks.push(c as Buffer);
  }
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw bad('The body must be a JSON object.');
}

/** JSON text is base64-encoded as an upload's client would; anything else is taken as base64 already. */
function asBase64(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object') return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
  if (typeof value !== 'string') throw bad(`${name} must be a string (JSON or base64).`);
  const text = value.trim();
  return text.startsWith('{') ? Buffer.from(text, 'utf8').toString('base64') : text;
}

async function imageInfoOf(obj: ObjectRecord, s: Services): Promise<CallbackVariables['imageInfo']> {
  if (obj.size === 0) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await openObjectRange(s, obj, 0, Math.min(obj.size, 128 * 1024) - 1)) chunks.push(c);
  const { sniff } = await import('../callback/image-info.js');
  return sniff(Buffer.concat(chunks));
}

/** The variables: the object's (when bucket+key name one the caller owns), then supplied overrides. */
async function variablesFor(
  body: Record<string, unknown>,
  req: IncomingMessage,
  key: AccessKey,
  s: Services,
): Promise<CallbackVariables> {
  const bucket = typeof body.bucket === 'string' ? body.bucket : '';
  const objectKey = typeof body.key === 'string' ? body.key : '';
  const ip = req.socket.remoteAddress ?? '';
  const vars: CallbackVariables = {
    bucket,
    object: objectKey,
    etag: '',
    size: Number.NaN,
    mimeType: '',
    crc64: '',
    contentMd5: '',
    vpcId: '',
    clientIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    reqId: newRequestId(),
    operation: 'PutObject',
  };
  if (bucket && objectKey) {
    const b = await s.meta.getBucket(bucket);
    const obj = b && b.owner === key.accountId ? await s.meta.getObject(bucket, objectKey) : undefined;
    if (!obj) throw new OssError('NoSuchKey', { message: `No object ${objectKey} in a bucket ${bucket} you own.` });
    Object.assign(vars, {
      etag: obj.etag,
      size: obj.size,
      mimeType: obj.contentType,
      crc64: obj.crc64,
      contentMd5: obj.contentMd5 ?? '',
      imageInfo: await imageInfoOf(obj, s),
    });
  }
  const given = body.variables;
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw bad('variables must be a JSON object.');
  }
  for (const [name, v] of Object.entries((given ?? {}) as Record<string, unknown>)) {
    if (name === 'size') vars.size = v === '' || v === null ? Number.NaN : Number(v);
    else if (name === 'imageInfo' && v && typeof v === 'object') vars.imageInfo = v as CallbackVariables['imageInfo'];
    else if (name === 'operation') {
      if (!OPERATIONS.includes(v as CallbackVariables['operation'])) throw bad(`operation must be ${OPERATIONS}.`);
      vars.operation = v as CallbackVariables['operation'];
    } else if (name in vars && name !== 'imageInfo')
      (vars as unknown as Record<string, string>)[name] = String(v ?? '');
  }
  return vars;
}

/** The policy of a test send by `key`: the uploads' policy, and no loopback/private outside the root account. */
export function testerPolicy(key: AccessKey, uploads: AddressPolicy): AddressPolicy {
  return key.accountId === ROOT_ACCOUNT_ID ? uploads : { ...uploads, denyPrivate: true };
}

function describeDelivery(outcome: DeliveryOutcome, policy: AddressPolicy) {
  // Replies are shown only from addresses the caller's policy lets it reach (never from a refused one).
  const shown = (address: string | undefined) => address !== undefined && isAddressAllowed(address, policy);
  const attempts = outcome.attempts.map(({ responseBody, responseHeaders, ...a }) => ({
    ...a,
    ...(responseHeaders === undefined || !shown(a.address) ? {} : { responseHeaders }),
    ...(responseBody === undefined || !shown(a.address) ? {} : { responseBody: responseBody.toString('utf8') }),
  }));
  const last = outcome.attempts.at(-1);
  return {
    ok: outcome.ok,
    /** What the uploading client would get: 200 with the reply, or 203 CallbackFailed. */
    uploadStatus: outcome.ok ? 200 : 203,
    ...(outcome.ok
      ? { reply: shown(last?.address) ? (outcome.body?.toString('utf8') ?? '') : '' }
      : { code: 'CallbackFailed', ec: '0007-00000203', message: outcome.message ?? 'Callback failed.' }),
    ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
    latencyMs: outcome.attempts.reduce((sum, a) => sum + a.latencyMs, 0),
    stringToSign: outcome.stringToSign,
    attempts,
  };
}

function specView(spec: CallbackSpec) {
  return {
    urls: spec.targets.map((t) => t.url),
    ...(spec.host === undefined ? {} : { host: spec.host }),
    bodyType: spec.bodyType,
    sni: spec.sni,
    additionalHeaders: spec.additionalHeaders,
    customVars: spec.customVars,
    bodyTemplate: spec.bodyTemplate,
  };
}

export async function handleCallbackTest(
  req: IncomingMessage,
  key: AccessKey,
  s: Services,
): Promise<{ status: number; body: unknown }> {
  const body = await readJson(req);
  const callback = asBase64(body.callback, 'callback');
  if (!callback) throw bad('callback is required (the callback JSON, or its base64).');
  const callbackVar = asBase64(body.callbackVar, 'callbackVar');
  const policy = testerPolicy(key, s.callbacks.policy);
  let spec: CallbackSpec;
  try {
    spec = parseCallbackParams(callback, callbackVar, { policy });
  } catch (err) {
    if (!(err instanceof OssError)) throw err;
    const error = { code: err.code, ec: err.ec, message: err.message, argumentName: err.extra.ArgumentName };
    const hint =
      policy !== s.callbacks.policy && err.ec === '0007-00000008'
        ? 'Only keys of the root account may test callbacks to loopback or private addresses.'
        : undefined;
    return { status: 200, body: { valid: false, error: hint ? { ...error, hint } : error } };
  }
  const variables = await variablesFor(body, req, key, s);
  let renderedBody: string;
  try {
    renderedBody = renderCallbackBody(spec.bodyTemplate, spec.bodyType, variables, spec.customVars, {
      absentNumbersAsNull: s.config.callback.absentNumbersAsNull,
    });
  } catch (err) {
    if (!(err instanceof RenderedBodyTooLargeError)) throw err;
    // An upload with these variables would get 203 CallbackFailed with this message, nothing sent.
    const error = { code: 'CallbackFailed', ec: '0007-00000203', message: err.message, argumentName: 'callback' };
    return { status: 200, body: { valid: false, error } };
  }
  const result: Record<string, unknown> = { valid: true, spec: specView(spec), variables, renderedBody };
  if (body.send === true) {
    const stored: StoredCallbackSpec = {
      targets: spec.targets,
      bodyType: spec.bodyType,
      additionalHeaders: spec.additionalHeaders,
      sni: spec.sni,
      ...(spec.host === undefined ? {} : { host: spec.host }),
    };
    const outcome = await s.callbacks.service.deliverUnrecorded(stored, renderedBody, policy);
    result.delivery = describeDelivery(outcome, policy);
  }
  return { status: 200, body: result };
}
