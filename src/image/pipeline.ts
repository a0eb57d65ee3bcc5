import { OssError } from '../errors/oss-error.js';
import { blur, bright, contrast, sharpen } from './actions/adjust.js';
import { circle, crop, indexcrop, roundedCorners } from './actions/crop.js';
import { averageHue, info } from './actions/info.js';
import { autoOrient, rotate } from './actions/orient.js';
import { format, interlace, quality } from './actions/output.js';
import { resize } from './actions/resize.js';
import { type WatermarkLoader, watermark } from './actions/watermark.js';
import { encode, type Rendered } from './encode.js';
import type { ImageAction } from './parse.js';
import { ImageState, type SourceInfo } from './state.js';

type Step = (st: ImageState, a: ImageAction) => Promise<void> | void;

const STEPS: Record<string, Step> = {
  resize,
  crop,
  indexcrop,
  circle,
  'rounded-corners': roundedCorners,
  rotate,
  'auto-orient': autoOrient,
  blur,
  bright,
  contrast,
  sharpen,
  format,
  quality,
  interlace,
};

/** Actions that only choose how the result is written. */
const OUTPUT_SETTINGS = new Set(['format', 'quality', 'interlace']);

/**
 * Actions that keep every frame of an animated GIF/WebP (libvips applies resize and extract to each
 * frame; rotate is done frame by frame). Any other action first reduces the image to its first frame.
 */
export const ANIMATION_ACTIONS = new Set(['resize', 'crop', 'indexcrop', 'rotate', 'info', ...OUTPUT_SETTINGS]);

/** Formats that can hold an animation. */
const ANIMATED_FORMATS = new Set(['gif', 'webp']);

/** The format the result is written in: the last format action's, else the source's. */
function resultFormat(source: SourceInfo, actions: ImageAction[]): string {
  let f = source.format;
  for (const a of actions) if (a.name === 'format') f = a.params.get('') ?? f;
  return f;
}

/** Action names ossd knows, for validation before any work. */
export const ACTION_NAMES = new Set([...Object.keys(STEPS), 'watermark', 'info', 'average-hue']);

/** Rejects unknown actions before the source is read. */
export function checkActions(actions: ImageAction[]): void {
  for (const a of actions) {
    if (!ACTION_NAMES.has(a.name)) {
      throw new OssError('InvalidArgument', {
        message: `The image operation "${a.name}" is not supported.`,
        extra: { ArgumentName: 'x-oss-process', ArgumentValue: a.text },
      });
    }
  }
}

export interface PipelineOptions {
  /** Loads watermark images; undefined inside a watermark's own processing (no nesting). */
  loadWatermark?: WatermarkLoader;
}

/** Runs the actions in order over the source and encodes the result (or answers info / average-hue). */
export async function runActions(
  source: SourceInfo,
  actions: ImageAction[],
  options: PipelineOptions,
): Promise<Rendered> {
  checkActions(actions);
  const st = new ImageState(source);
  if (ANIMATED_FORMATS.has(source.format) && ANIMATED_FORMATS.has(resultFormat(source, actions))) st.animate();
  for (const a of actions) {
    if (!ANIMATION_ACTIONS.has(a.name)) await st.firstFrame();
    // Output settings leave the pixels alone; every other step reads them, so a deferred resize runs first.
    if (!OUTPUT_SETTINGS.has(a.name)) await st.settle();
    if (a.name === 'info') return info(st);
    if (a.name === 'average-hue') return averageHue(st);
    if (a.name === 'watermark') {
      if (!options.loadWatermark) {
        throw new OssError('WatermarkError', { message: 'A watermark image cannot itself carry a watermark.' });
      }
      await watermark(st, a, options.loadWatermark);
      continue;
    }
    await STEPS[a.name](st, a);
  }
  return encode(st);
}
