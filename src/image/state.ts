import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { OssError } from '../errors/oss-error.js';
import { LIMITS } from './limits.js';

/** Formats ossd can write (heic needs an HEVC encoder the bundled libvips does not have). */
export const OUTPUT_FORMATS = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'tiff', 'avif', 'heic'] as const;
export type OutputFormat = 'jpg' | 'png' | 'webp' | 'bmp' | 'gif' | 'tiff' | 'avif' | 'heic';

/** What the source object is, read from its header. */
export interface SourceInfo {
  bytes: Buffer;
  /** OSS format name: jpg, png, webp, gif, tiff, avif, heic, bmp. */
  format: string;
  width: number;
  height: number;
  orientation: number;
  hasAlpha: boolean;
  exif?: Buffer;
  /** Frames (1 for a still image). */
  pages: number;
  /** Per-frame delays (ms) and loop count of an animation, passed to the encoder. */
  delay?: number[];
  loop?: number;
}

/** Decoded pixels between two actions. */
export interface Raster {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

const SHARP_TO_OSS: Record<string, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  heif: 'heic',
  avif: 'avif',
};

/** Reads the header of a source image and enforces OSS's source limits (nothing is decoded yet). */
export async function readSource(bytes: Buffer): Promise<SourceInfo> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new OssError('BadRequest', { message: 'The source object is not an image ossd can decode.' });
  }
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : SHARP_TO_OSS[meta.format ?? ''];
  if (!format || !meta.width || !meta.height) {
    throw new OssError('BadRequest', { message: `The source image format ${meta.format ?? '?'} is not supported.` });
  }
  const frames = meta.pages ?? 1;
  if (meta.width > LIMITS.sourceSide || meta.height > LIMITS.sourceSide) {
    throw new OssError('ImageTooLarge', {
      message: `The source image is ${meta.width}x${meta.height}; width and height may be at most ${LIMITS.sourceSide} pixels.`,
    });
  }
  if (meta.width * meta.height * frames > LIMITS.sourcePixels) {
    throw new OssError('ImageTooLarge', {
      message: `The source image has more than ${LIMITS.sourcePixels} pixels (width x height x frames).`,
    });
  }
  return {
    bytes,
    format,
    width: meta.width,
    height: meta.height,
    orientation: meta.orientation ?? 1,
    hasAlpha: meta.hasAlpha ?? false,
    exif: meta.exif,
    pages: frames,
    delay: meta.delay,
    loop: meta.loop,
  };
}

/**
 * The image as it passes through the actions, in order. sharp applies the operations of one pipeline in
 * its own fixed order, so each action runs on its own pipeline and its result is kept as raw pixels; the
 * first action reads the encoded source, so a leading resize still shrinks JPEGs on load.
 *
 * A leading resize is not run at once but kept as the pending pipeline (`defer`): when only output
 * settings follow, the encoder appends to it and the thumbnail is decoded, resized and encoded in one
 * libvips pass, as a direct sharp call would, with no raw hand-off. Any other action first `settle`s it.
 */
export class ImageState {
  readonly source: SourceInfo;
  width: number;
  height: number;
  /** EXIF orientation still to apply (1 once auto-orient ran or after a raw step without it). */
  orientation: number;
  private raster?: Raster;
  /** A resize of the encoded source not yet run (see `defer`). */
  private pending?: Sharp;
  /**
   * Frames carried through the actions: the source's frame count for an animated GIF/WebP whose result
   * is GIF or WebP (see `animate`), else 1 (the first frame). `width`/`height` are one frame's size.
   */
  pages = 1;
  /** Pipelines materialised as raw pixels so far (hand-offs between actions). */
  rasters = 0;
  output: { format?: OutputFormat; q?: number; Q?: number; interlace: boolean } = { interlace: false };

  constructor(source: SourceInfo) {
    this.source = source;
    this.width = source.width;
    this.height = source.height;
    this.orientation = source.orientation;
  }

  get hasAlpha(): boolean {
    return this.raster ? this.raster.channels === 2 || this.raster.channels === 4 : this.source.hasAlpha;
  }

  /** Keeps every frame of an animated source (call before the first pipeline). */
  animate(): void {
    if (!this.raster && !this.pending && this.source.pages > 1) this.pages = this.source.pages;
  }

  /**
   * Back to the first frame, for an action libvips cannot apply to an animation (as before animations
   * were kept). The frames are stacked top to bottom in the raw pixels, so the first is a prefix.
   */
  async firstFrame(): Promise<void> {
    if (this.pages === 1) return;
    await this.settle();
    const r = this.raster;
    if (r) this.raster = { ...r, data: r.data.subarray(0, r.width * r.height * r.channels) };
    this.pages = 1;
  }

  /** A fresh pipeline reading the current pixels (after `settle` when a resize was deferred). */
  pipeline(): Sharp {
    if (this.pending) throw new Error('ImageState: settle() the deferred resize before the next pipeline');
    if (this.raster) {
      const r = this.raster;
      const raw = { width: r.width, height: r.height * this.pages, channels: r.channels };
      return sharp(r.data, { raw: this.pages > 1 ? { ...raw, pageHeight: r.height } : raw });
    }
    return sharp(this.source.bytes, {
      limitInputPixels: LIMITS.sourcePixels,
      failOn: 'none',
      ...(this.pages > 1 ? { animated: true } : {}),
    });
  }

  /** Runs `img` and keeps its pixels as the current image. */
  async commit(img: Sharp): Promise<void> {
    const { data, info } = await img.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const height = this.pages > 1 && info.pageHeight ? info.pageHeight : info.height;
    this.raster = { data, width: info.width, height, channels: info.channels as Raster['channels'] };
    this.width = info.width;
    this.height = height;
    this.rasters++;
  }

  /**
   * Runs `op` on the current image and keeps the result. An animation kept as raw frames is processed
   * frame by frame (libvips would treat the stacked frames as one tall image); `perFrame` does so also
   * over the encoded source, for operations libvips refuses on multi-page images (rotate).
   */
  async apply(op: (img: Sharp) => Sharp, perFrame = false): Promise<void> {
    if (this.pages === 1 || (!this.raster && !perFrame)) return this.commit(op(this.pipeline()));
    if (!this.raster) await this.commit(this.pipeline());
    const r = this.raster!;
    const frameBytes = r.width * r.height * r.channels;
    const out: Buffer[] = [];
    let info: OutputInfo | undefined;
    for (let i = 0; i < this.pages; i++) {
      const frame = r.data.subarray(i * frameBytes, (i + 1) * frameBytes);
      const img = sharp(frame, { raw: { width: r.width, height: r.height, channels: r.channels } });
      const done = await op(img).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      out.push(done.data);
      info = done.info;
    }
    this.raster = {
      data: Buffer.concat(out),
      width: info!.width,
      height: info!.height,
      channels: info!.channels as Raster['channels'],
    };
    this.width = info!.width;
    this.height = info!.height;
    this.rasters++;
  }

  /** Whether a geometry-only step may be deferred: it would be the first pipeline over the source. */
  get canDefer(): boolean {
    return !this.raster && !this.pending;
  }

  /** Keeps `img` (of the given size) unrun: the encoder may finish it in the same pass. */
  defer(img: Sharp, width: number, height: number): void {
    this.pending = img;
    this.width = width;
    this.height = height;
  }

  /** Runs a deferred step, if any, so that `pipeline()` reads its pixels. */
  async settle(): Promise<void> {
    const img = this.pending;
    if (!img) return;
    this.pending = undefined;
    await this.commit(img);
  }

  /** The deferred pipeline for the encoder to finish, handed over once. */
  takePending(): Sharp | undefined {
    const img = this.pending;
    this.pending = undefined;
    return img;
  }
}

/** Rejects an action result beyond OSS's output limits before any pixel is computed. */
export function checkOutputSize(width: number, height: number): void {
  if (width > LIMITS.outputSide || height > LIMITS.outputSide || width * height > LIMITS.outputPixels) {
    throw new OssError('InvalidArgument', {
      message: `The processed image would be ${width}x${height}; width and height may be at most ${LIMITS.outputSide} and the area at most ${LIMITS.outputPixels} pixels.`,
    });
  }
}
