import type { Readable } from 'node:stream';
import { objectBody, readPiece } from '../api/object/read-object.js';
import type { Requester } from '../auth/access.js';
import { authorizeObjectRead } from '../auth/object-read.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import { type BucketRecord, isInlineBlob, type ObjectRecord } from '../storage/types.js';
import { ImageCache } from './cache.js';
import type { Rendered } from './encode.js';
import { LIMITS } from './limits.js';
import { decodeBase64Url, type ImageAction, parseProcess } from './parse.js';
import { checkActions, runActions } from './pipeline.js';
import { imageService } from './service.js';
import type { SourcePool } from './source-pool.js';
import { readSource } from './state.js';
import { requireStyle } from './styles.js';

/** Who asks to process which object of which bucket. */
export interface RenderRequest {
  requester: Requester;
  bucket: BucketRecord;
  /** The object whose bytes are processed (a symlink already followed). */
  object: ObjectRecord;
  /** The `x-oss-process` value: `image/…` or `style/NAME`. */
  process: string;
}

/** `image/…` actions of a process value, a style expanded (a style's content must be `image/…`). */
export async function resolveActions(s: Services, bucket: string, process: string): Promise<ImageAction[]> {
  const req = parseProcess(process);
  if (req.kind === 'image') {
    checkActions(req.actions);
    return req.actions;
  }
  const style = await requireStyle(s.meta, bucket, req.name);
  const inner = parseProcess(style.content);
  if (inner.kind !== 'image')
    throw new OssError('InvalidArgument', { message: 'A style must contain image/ actions.' });
  checkActions(inner.actions);
  return inner.actions;
}

/** The source's bytes and the function to call once nothing refers to them any more. */
interface SourceBytes {
  bytes: Buffer;
  release: () => void;
}

async function readAll(s: Services, o: ObjectRecord, pool?: SourcePool): Promise<SourceBytes> {
  if (o.size > LIMITS.sourceBytes) {
    throw new OssError('ImageTooLarge', {
      message: `The source object is ${o.size} bytes; image processing accepts at most ${LIMITS.sourceBytes}.`,
    });
  }
  if (o.size === 0) throw new OssError('BadRequest', { message: 'The source object is empty.' });
  // One blob (the usual case): read straight into one buffer of the object's size. A stream of chunks
  // joined with Buffer.concat costs a second copy of the whole source (~5 ms for 4 MB on a busy host).
  const seg = o.segments.length === 1 ? o.segments[0] : undefined;
  const none = () => {};
  if (seg && seg.size === o.size && !isInlineBlob(seg.blob) && !seg.sseKey && pool && s.blobs.readInto) {
    const lease = pool.lease(o.size);
    try {
      await s.blobs.readInto(seg.blob, 0, lease.bytes);
    } catch (err) {
      lease.release();
      throw err;
    }
    return lease;
  }
  if (seg && seg.size === o.size) return { bytes: await readPiece(s, seg, 0, o.size - 1), release: none };
  const body = await objectBody(s, o, 0, o.size - 1);
  if (Buffer.isBuffer(body)) return { bytes: body, release: none };
  const chunks: Buffer[] = [];
  for await (const c of body as Readable) chunks.push(c as Buffer);
  return { bytes: Buffer.concat(chunks), release: none };
}

/** `key[?x-oss-process=image/…]` of an `image_` parameter. */
function splitWatermark(value: string): { key: string; process?: string } {
  const q = value.indexOf('?');
  if (q < 0) return { key: value };
  const params = new URLSearchParams(value.slice(q + 1));
  return { key: value.slice(0, q), process: params.get('x-oss-process') ?? undefined };
}

/**
 * Watermark images are objects of the same bucket. The caller must be allowed to read each one exactly as
 * if it asked for it (else a public image could carry a private one out), and their ETags join the cache key.
 */
async function watermarkObjects(
  s: Services,
  req: RenderRequest,
  actions: ImageAction[],
): Promise<Map<string, ObjectRecord>> {
  const found = new Map<string, ObjectRecord>();
  for (const a of actions) {
    const param = a.name === 'watermark' ? a.params.get('image') : undefined;
    if (param === undefined) continue;
    const { key } = splitWatermark(decodeBase64Url(param, 'image'));
    const o = await s.meta.getObject(req.bucket.name, key);
    await authorizeObjectRead(req.requester, req.bucket, key, o);
    if (!o || o.type === 'Symlink') {
      throw new OssError('WatermarkError', { message: `The watermark image ${key} does not exist.` });
    }
    found.set(key, o);
  }
  return found;
}

/** A watermark image's own process may only resize (P_ = percent of the main image), crop, rotate, …. */
function watermarkActions(process: string | undefined, main: { width: number; height: number }): ImageAction[] {
  if (!process) return [];
  const req = parseProcess(process);
  if (req.kind !== 'image')
    throw new OssError('WatermarkError', { message: 'A watermark image process must be image/….' });
  return req.actions.map((a) => {
    const p = a.name === 'resize' ? a.params.get('P') : undefined;
    if (p === undefined) return a;
    const pct = Number(p);
    if (!/^\d{1,3}$/.test(p) || pct < 1 || pct > 100) {
      throw new OssError('InvalidArgument', { message: 'The watermark resize parameter P must be in [1, 100].' });
    }
    const params = new Map(a.params);
    params.delete('P');
    params.set('w', String(Math.max(1, Math.floor((main.width * pct) / 100))));
    params.set('h', String(Math.max(1, Math.floor((main.height * pct) / 100))));
    params.set('limit', '0');
    return { ...a, params };
  });
}

/** The processed bytes for a request: from the disk cache, a computation in flight, or a new one. */
export async function renderImage(s: Services, req: RenderRequest): Promise<Rendered> {
  const actions = await resolveActions(s, req.bucket.name, req.process);
  const marks = await watermarkObjects(s, req, actions);
  const svc = imageService(s);
  const canonical = actions.map((a) => a.text).join('/');
  const key = ImageCache.key([
    req.object.etag,
    String(req.object.size),
    canonical,
    ...[...marks.entries()].map(([k, o]) => `${k}\n${o.etag}`),
  ]);
  // Processed images of encrypted objects are not kept on disk: the cache would hold them unencrypted.
  const cacheable = ![req.object, ...marks.values()].some((o) => o.segments.some((seg) => seg.sseKey));
  const hit = cacheable ? await svc.cache.get(key) : undefined;
  if (hit) return hit;
  const running = svc.inFlight.get(key);
  if (running) return running;
  const work = svc.gate
    .run(async () => {
      const src = await readAll(s, req.object, svc.sources);
      let rendered: Rendered;
      try {
        rendered = await runActions(await readSource(src.bytes), actions, {
          loadWatermark: async (value, main) => {
            const { key: wkey, process } = splitWatermark(value);
            const o = marks.get(wkey);
            if (!o) throw new OssError('WatermarkError', { message: `The watermark image ${wkey} does not exist.` });
            const wsource = await readSource((await readAll(s, o)).bytes);
            const out = await runActions(wsource, [...watermarkActions(process, main), formatPng()], {});
            return out.body;
          },
        });
      } finally {
        src.release();
      }
      return rendered;
    })
    // The cache write decodes nothing: outside the gate, so the next image starts meanwhile.
    .then(async (rendered) => {
      if (cacheable) await svc.cache.put(key, rendered);
      return rendered;
    })
    .catch((err: unknown) => {
      if (err instanceof OssError) throw err;
      // libvips refusing an input or an operation is the request's fault, not the server's.
      throw new OssError('BadRequest', { message: `The image could not be processed: ${(err as Error).message}` });
    });
  svc.inFlight.set(key, work);
  try {
    return await work;
  } finally {
    svc.inFlight.delete(key);
  }
}

function formatPng(): ImageAction {
  return { name: 'format', params: new Map([['', 'png']]), text: 'format,png' };
}
