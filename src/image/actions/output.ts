import { enumParam, intParam, requireAny } from '../params.js';
import type { ImageAction } from '../parse.js';
import { type ImageState, OUTPUT_FORMATS, type OutputFormat } from '../state.js';

/** format,F: jpg, png, webp, bmp, gif, tiff, avif (heic where the encoder exists). */
export function format(st: ImageState, a: ImageAction): void {
  requireAny(a, ['']);
  const f = enumParam(a, '', OUTPUT_FORMATS, 'jpg');
  st.output.format = (f === 'jpeg' ? 'jpg' : f) as OutputFormat;
}

/** quality,q_N (relative to the source's quality) or Q_N (absolute), N in [1,100]; JPEG and WebP only. */
export function quality(st: ImageState, a: ImageAction): void {
  requireAny(a, ['q', 'Q']);
  const q = intParam(a, 'q', 1, 100);
  const Q = intParam(a, 'Q', 1, 100);
  if (q !== undefined) st.output.q = q;
  if (Q !== undefined) st.output.Q = Q;
}

/** interlace,1: progressive JPEG (and interlaced PNG/GIF); interlace,0: baseline. */
export function interlace(st: ImageState, a: ImageAction): void {
  requireAny(a, ['']);
  st.output.interlace = intParam(a, '', 0, 1, 0) === 1;
}
