/**
 * Image dimensions for the `imageInfo.*` callback variables, sniffed from the first bytes of an upload
 * while it streams (no second read of the stored object).
 */
import { imageSize } from 'image-size';

export interface ImageInfo {
  width: number;
  height: number;
  /** Lower-case format name as OSS reports it: jpg, png, gif, webp, bmp, tiff, heic, avif. */
  format: string;
}

/** image-size type name → OSS format name. Types not listed (svg, ico, psd, …) are not images for OSS. */
const FORMATS: Record<string, string> = {
  jpg: 'jpg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  bmp: 'bmp',
  tiff: 'tiff',
  heic: 'heic',
  heif: 'heic',
  avif: 'avif',
};

export const DEFAULT_SNIFF_BYTES = 128 * 1024;

/** Collects a bounded prefix of an upload and reports its image dimensions. Never throws. */
export class ImageSniffer {
  private readonly limit: number;
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private cached: ImageInfo | undefined | null = null;

  constructor(limit: number = DEFAULT_SNIFF_BYTES) {
    this.limit = limit;
  }

  /** Feed every chunk of the upload, in order. Copies only until the prefix limit is reached. */
  push(chunk: Buffer): void {
    if (this.length >= this.limit || chunk.length === 0) return;
    const take = Math.min(chunk.length, this.limit - this.length);
    this.chunks.push(Buffer.from(chunk.subarray(0, take)));
    this.length += take;
    this.cached = null;
  }

  /** The image's width, height and format, or undefined if the prefix is not a recognised image. */
  result(): ImageInfo | undefined {
    if (this.cached !== null) return this.cached;
    this.cached = sniff(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length));
    return this.cached;
  }
}

/** Dimensions of the image at the start of `prefix`, or undefined. Never throws. */
export function sniff(prefix: Uint8Array): ImageInfo | undefined {
  if (prefix.length < 12) return undefined;
  try {
    const size = imageSize(prefix);
    const format = size.type === undefined ? undefined : FORMATS[size.type];
    if (format === undefined) return undefined;
    const { width, height } = size;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) return undefined;
    return { width, height, format };
  } catch {
    return undefined;
  }
}
