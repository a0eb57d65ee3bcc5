import { OssError } from '../errors/oss-error.js';
import { encodeBmp } from './bmp.js';
import { estimateJpegQuality } from './jpeg-quality.js';
import type { ImageState, OutputFormat } from './state.js';

export interface Rendered {
  body: Buffer;
  contentType: string;
}

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  bmp: 'image/bmp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heic: 'image/heic',
};

/** Without format,…: the source's own format (a HEIC source is written as JPEG: no HEVC encoder). */
function defaultFormat(source: string): OutputFormat {
  const same: Record<string, OutputFormat> = { jpg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff' };
  return same[source] ?? (source === 'avif' ? 'avif' : 'jpg');
}

/** Default quality when neither q_ nor Q_ is given, for a non-JPEG source. */
const DEFAULT_QUALITY = 85;

/**
 * quality,Q_ is absolute; quality,q_ is relative to the source's quality when the source is a JPEG
 * (q_80 of a quality-80 JPEG gives 64) and absolute otherwise. Without either, a JPEG keeps its quality.
 */
function outputQuality(st: ImageState): number {
  const { q, Q } = st.output;
  if (Q !== undefined) return Q;
  const sourceQ = st.source.format === 'jpg' ? estimateJpegQuality(st.source.bytes) : undefined;
  if (q !== undefined) return sourceQ === undefined ? q : Math.max(1, Math.round((sourceQ * q) / 100));
  return sourceQ ?? DEFAULT_QUALITY;
}

/** Encodes the current image with the output options the actions set. */
export async function encode(st: ImageState): Promise<Rendered> {
  const format = st.output.format ?? defaultFormat(st.source.format);
  if (format === 'heic') {
    throw new OssError('InvalidArgument', {
      message: 'format,heic is not supported: the bundled image library has no HEVC encoder (use avif).',
      extra: { ArgumentName: 'format', ArgumentValue: 'heic' },
    });
  }
  if (format !== 'gif' && format !== 'webp') await st.firstFrame();
  // An animation keeps the source's frame delays and loop count.
  const timing =
    st.pages > 1 ? { ...(st.source.delay ? { delay: st.source.delay } : {}), loop: st.source.loop ?? 0 } : {};
  const keepOrientation = st.orientation !== 1 && format !== 'bmp' && format !== 'gif';
  // A deferred resize is finished here in one pass, unless the output needs the orientation tag
  // (withMetadata on a pipeline over the source would also copy all its EXIF/XMP) or a flatten
  // (sharp flattens before resizing; the raw path keeps the documented order).
  const fused = keepOrientation || (format === 'jpg' && st.hasAlpha) ? undefined : st.takePending();
  if (!fused) await st.settle();
  let img = (fused ?? st.pipeline()).toColourspace('srgb');
  // Pixels not yet turned upright keep their EXIF orientation, so viewers still show them upright.
  if (keepOrientation) img = img.withMetadata({ orientation: st.orientation });
  const quality = outputQuality(st);
  const interlace = st.output.interlace;
  switch (format) {
    case 'jpg':
      img = img.flatten({ background: '#ffffff' }).jpeg({ quality, progressive: interlace });
      break;
    case 'png':
      img = img.png({ progressive: interlace });
      break;
    case 'webp':
      img = img.webp({ quality, ...timing });
      break;
    case 'gif':
      img = img.gif({ progressive: interlace, ...timing });
      break;
    case 'tiff':
      img = img.tiff();
      break;
    case 'avif':
      img = img.avif({ quality });
      break;
    case 'bmp': {
      const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
      const channels = info.channels === 4 ? 4 : 3;
      return { body: encodeBmp(data, info.width, info.height, channels), contentType: CONTENT_TYPES.bmp };
    }
  }
  return { body: await img.toBuffer(), contentType: CONTENT_TYPES[format] };
}
