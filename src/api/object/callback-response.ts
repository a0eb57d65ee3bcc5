import { type CallbackSpec, parseCallbackParams, selectCallbackTransport } from '../../callback/parse.js';
import type { PreparedCallback } from '../../callback/service.js';
import type { CallbackVariables } from '../../callback/template.js';
import { OssError } from '../../errors/oss-error.js';
import type { OssResponse, RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

/**
 * The request's callback (x-oss-callback headers or callback query parameters), validated before
 * anything is stored. Throws InvalidArgument with the spec's EC; undefined when there is none.
 */
export function prepareCallback(ctx: RequestContext, s: Services): CallbackSpec | undefined {
  const selected = selectCallbackTransport({
    header: ctx.headers['x-oss-callback'],
    headerVar: ctx.headers['x-oss-callback-var'],
    query: ctx.params.get('callback'),
    queryVar: ctx.params.get('callback-var'),
  });
  if (!selected) return undefined;
  return parseCallbackParams(selected.callback, selected.callbackVar, { policy: s.callbacks.policy });
}

/** The system variables of an upload that just committed `object` (callback.md section 4). */
export function uploadVariables(
  ctx: RequestContext,
  object: ObjectRecord,
  operation: CallbackVariables['operation'],
  imageInfo?: CallbackVariables['imageInfo'],
): CallbackVariables {
  return {
    bucket: object.bucket,
    object: object.key,
    etag: object.etag,
    size: object.size,
    mimeType: object.contentType,
    imageInfo,
    crc64: object.crc64,
    // Only PutObject and PostObject report the body's MD5.
    contentMd5: operation === 'CompleteMultipartUpload' ? '' : (object.contentMd5 ?? ''),
    vpcId: '',
    clientIp: ctx.clientIp,
    reqId: ctx.requestId,
    operation,
  };
}

/**
 * Renders the callback of an upload about to commit `vars`' object and starts signing it (see
 * CallbackService.prepare); pass the result to callbackResponse once the commit succeeded.
 */
export function prepareDelivery(s: Services, spec: CallbackSpec, vars: CallbackVariables): PreparedCallback {
  return s.callbacks.service.prepare(spec, vars);
}

/**
 * Runs the callback after the object is committed: 200 with the application's JSON byte for byte,
 * or 203 CallbackFailed (the object stays). `headers` are the upload's own (ETag, CRC64, …).
 */
export async function callbackResponse(
  s: Services,
  callback: PreparedCallback,
  headers: Record<string, string | number | undefined>,
): Promise<OssResponse> {
  const versionId = headers['x-oss-version-id'];
  const outcome = await callback.run(typeof versionId === 'string' ? { versionId } : undefined);
  s.metrics.callbacks.inc({ outcome: outcome.ok ? 'ok' : (outcome.cause ?? 'failed') });
  if (outcome.ok && outcome.body) {
    return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: outcome.body };
  }
  throw new OssError('CallbackFailed', {
    message: outcome.message ?? 'Callback failed.',
    ec: '0007-00000203',
    headers: Object.fromEntries(
      Object.entries(headers)
        .filter((e): e is [string, string | number] => e[1] !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ),
  });
}
