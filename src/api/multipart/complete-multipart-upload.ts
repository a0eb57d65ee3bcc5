import { OssError } from '../../errors/oss-error.js';
import { type OssResponse, type RequestContext, xmlResponse } from '../../http/context.js';
import { children, childText, parseXml, renderXml } from '../../http/xml.js';
import type { Services } from '../../services.js';
import { concatCrc64 } from '../../storage/crc64-concat.js';
import type { MultipartUpload, ObjectRecord, PartRecord } from '../../storage/types.js';
import { encodingParam } from '../bucket/list-objects.js';
import type { Handler } from '../handler.js';
import { callbackVetoes, deliverBeforeCommit } from '../object/callback-failure.js';
import { callbackResponse, prepareCallback, prepareDelivery, uploadVariables } from '../object/callback-response.js';
import { segmentOf } from '../object/encrypted-blob.js';
import { notifyObjectCreated } from '../object/notify.js';
import { quoteEtag } from '../object/object-headers.js';
import { versionHeaders } from '../object/object-version.js';
import { forbidOverwriteGuard } from '../object/put-object.js';
import { serverSideEncryptionHeaders } from '../object/server-side-encryption.js';
import { readSmallBody } from '../read-body.js';
import {
  loadUpload,
  MAX_PART_NUMBER,
  MIN_PART_BYTES,
  multipartEtag,
  normalEtag,
  noSuchUpload,
  releaseBlobs,
} from './multipart-common.js';

/** 10,000 parts of ~80 bytes of XML each, with room to spare. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_ATTEMPTS = 5;

interface RequestedPart {
  partNumber: number;
  etag: string;
}

/** `<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…` → the listed parts, in request order. */
function parseCompleteBody(body: Buffer): RequestedPart[] {
  const doc = parseXml(body.toString('utf8'));
  const root = children(doc, 'CompleteMultipartUpload');
  if (root.length !== 1) throw new OssError('MalformedXML');
  const parts = children(root[0], 'Part').map((p) => {
    const num = childText(p, 'PartNumber')?.trim() ?? '';
    const etag = childText(p, 'ETag');
    if (!/^\d{1,9}$/.test(num) || etag === undefined) throw new OssError('MalformedXML');
    return { partNumber: Number(num), etag: normalEtag(etag) };
  });
  if (parts.length === 0 || parts.length > MAX_PART_NUMBER) throw new OssError('MalformedXML');
  return parts;
}

/** Which stored parts make the object, checked against the request (InvalidPartOrder, InvalidPart, EntityTooSmall). */
function choose(requested: RequestedPart[] | 'all', stored: PartRecord[]): PartRecord[] {
  let chosen: PartRecord[];
  if (requested === 'all') chosen = stored;
  else {
    for (let i = 1; i < requested.length; i++) {
      if (requested[i].partNumber <= requested[i - 1].partNumber) throw new OssError('InvalidPartOrder');
    }
    const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
    chosen = requested.map((r) => {
      const p = byNumber.get(r.partNumber);
      if (!p || p.etag.toUpperCase() !== r.etag) {
        throw new OssError('InvalidPart', { extra: { PartNumber: String(r.partNumber), ETag: r.etag } });
      }
      return p;
    });
  }
  for (const p of chosen.slice(0, -1)) {
    if (p.size < MIN_PART_BYTES) {
      throw new OssError('EntityTooSmall', {
        extra: {
          MinSizeAllowed: String(MIN_PART_BYTES),
          ProposedSize: String(p.size),
          PartNumber: String(p.partNumber),
        },
      });
    }
  }
  return chosen;
}

/** The final object: a manifest of the part blobs (no bytes copied), CRC64 combined from the parts. */
function buildObject(upload: MultipartUpload, parts: PartRecord[]): ObjectRecord {
  const { sseKey, ...template } = upload.template;
  return {
    ...template,
    bucket: upload.bucket,
    key: upload.key,
    type: 'Multipart',
    size: parts.reduce((n, p) => n + p.size, 0),
    etag: multipartEtag(parts.map((p) => p.etag)),
    crc64: concatCrc64(parts),
    contentMd5: undefined,
    lastModified: Date.now(),
    // Every part of the upload is encrypted with the key chosen at Initiate.
    segments: parts.map((p) => segmentOf(p, sseKey)),
  };
}

async function requestedParts(ctx: RequestContext): Promise<RequestedPart[] | 'all'> {
  const body = await readSmallBody(ctx, MAX_BODY_BYTES);
  const all = ctx.headers['x-oss-complete-all'];
  if (all !== undefined) {
    if (all.toLowerCase() !== 'yes') {
      throw new OssError('InvalidArgument', {
        message: 'x-oss-complete-all must be yes.',
        extra: { ArgumentName: 'x-oss-complete-all', ArgumentValue: all },
      });
    }
    if (body.toString('utf8').trim() !== '') {
      throw new OssError('InvalidArgument', {
        message: 'The request body must be empty when x-oss-complete-all is yes.',
        extra: { ArgumentName: 'x-oss-complete-all', ArgumentValue: all },
      });
    }
    return 'all';
  }
  return parseCompleteBody(body);
}

/** Reads the parts, builds the object and commits it; retried when a part is re-uploaded meanwhile. */
async function complete(
  ctx: RequestContext,
  s: Services,
  upload: MultipartUpload,
  requested: RequestedPart[] | 'all',
  /** Veto mode: runs before each commit attempt; throws (the upload stays as it was) to prevent it. */
  beforeCommit?: (object: ObjectRecord) => Promise<void>,
): Promise<ObjectRecord> {
  const guard = forbidOverwriteGuard(ctx);
  for (let attempt = 1; ; attempt++) {
    const { parts: stored } = await s.meta.multipart.listParts(upload.uploadId, 0, MAX_PART_NUMBER);
    let chosen: PartRecord[];
    try {
      chosen = choose(requested, stored);
    } catch (err) {
      // Parts gone because the upload was aborted meanwhile (on another node, say): that is NoSuchUpload.
      if (!(await s.meta.multipart.getUpload(upload.uploadId))) throw noSuchUpload(upload.uploadId);
      throw err;
    }
    const object = buildObject(upload, chosen);
    await beforeCommit?.(object);
    const r = await s.meta.multipart.completeUpload(upload.uploadId, object, chosen, guard);
    if (r === 'no-upload') throw noSuchUpload(upload.uploadId);
    if (r === 'parts-changed') {
      if (attempt < MAX_ATTEMPTS) continue;
      throw new OssError('InternalError', { message: 'Parts kept changing while the upload was completed.' });
    }
    await releaseBlobs(s, r.released);
    return object;
  }
}

/**
 * CompleteMultipartUpload: `POST /b/k?uploadId=ID`. A metadata operation: the object's segments are the
 * part blobs. With a callback (validated before anything changes), the application's JSON replaces the
 * XML body.
 */
export const completeMultipartUpload: Handler = async (ctx, s) => {
  const enc = encodingParam(ctx.params.get('encoding-type'));
  const callback = prepareCallback(ctx, s);
  const upload = await loadUpload(ctx, s);
  const requested = await requestedParts(ctx);
  const headersOf = (object: ObjectRecord) => ({
    etag: quoteEtag(object.etag),
    'x-oss-hash-crc64ecma': object.crc64,
    ...serverSideEncryptionHeaders(object.serverSideEncryption),
    ...versionHeaders(ctx.bucketRecord, object.versionId),
  });
  // Veto mode: the callback runs before the commit; when it fails the upload stays open, untouched.
  let vetoed: OssResponse | undefined;
  const veto =
    callback && (await callbackVetoes(s, upload.bucket))
      ? async (o: ObjectRecord) => {
          const variables = uploadVariables(ctx, o, 'CompleteMultipartUpload');
          vetoed = await deliverBeforeCommit(s, prepareDelivery(s, callback, variables), headersOf(o));
        }
      : undefined;
  const object = await complete(ctx, s, upload, requested, veto);
  await notifyObjectCreated(ctx, s, 'ObjectCreated:CompleteMultipartUpload', object);
  if (vetoed)
    return { ...vetoed, headers: { ...vetoed.headers, ...versionHeaders(ctx.bucketRecord, object.versionId) } };
  const headers = headersOf(object);
  if (callback) {
    return callbackResponse(
      s,
      prepareDelivery(s, callback, uploadVariables(ctx, object, 'CompleteMultipartUpload')),
      headers,
    );
  }
  const keyPath = object.key.split('/').map(encodeURIComponent).join('/');
  return xmlResponse(
    renderXml('CompleteMultipartUploadResult', {
      EncodingType: ctx.params.get('encoding-type') === 'url' ? 'url' : undefined,
      Location: `${s.endpoint()}/${object.bucket}/${keyPath}`,
      Bucket: object.bucket,
      Key: enc(object.key),
      ETag: quoteEtag(object.etag),
    }),
    headers,
  );
};
