/** Test images generated with sharp: noisy (so JPEG quality matters), with EXIF orientation, alpha, GIF, WebP. */
import sharp from 'sharp';

/** RGB pixels: a gradient plus deterministic noise; the left half reddish, the right half bluish. */
export function noisyRgb(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = seed % 64;
      const i = (y * width + x) * 3;
      const left = x < width / 2;
      data[i] = left ? 160 + (n % 60) : 20 + (n % 40);
      data[i + 1] = Math.floor((y / height) * 120) + (n % 30);
      data[i + 2] = left ? 20 + (n % 40) : 160 + (n % 60);
    }
  }
  return data;
}

function raw(width: number, height: number) {
  return sharp(noisyRgb(width, height), { raw: { width, height, channels: 3 } });
}

/** A width×height JPEG (quality 90) whose EXIF says "rotate 90° clockwise to display" (orientation 6). */
export function jpegWithOrientation(width: number, height: number, orientation = 6): Promise<Buffer> {
  return raw(width, height)
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Make: 'ossd-test', Model: 'fixture-cam' } })
    .withMetadata({ orientation })
    .toBuffer();
}

export function jpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  return raw(width, height).jpeg({ quality }).toBuffer();
}

/** A PNG with an alpha channel: opaque red square in the middle of a transparent canvas. */
export async function pngWithAlpha(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const inside = x >= width / 4 && x < (3 * width) / 4 && y >= height / 4 && y < (3 * height) / 4;
      data[i] = 255;
      data[i + 3] = inside ? 255 : 0;
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

export function gif(width: number, height: number): Promise<Buffer> {
  return raw(width, height).gif().toBuffer();
}

export function webp(width: number, height: number): Promise<Buffer> {
  return raw(width, height).webp({ quality: 90 }).toBuffer();
}

/** A solid-colour PNG (for watermarks). */
export function solidPng(width: number, height: number, color: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

export async function describe(bytes: Buffer): Promise<{ format?: string; width?: number; height?: number }> {
  const m = await sharp(bytes).metadata();
  return { format: m.format, width: m.width, height: m.height };
}

/** Mean RGB of a region of an encoded image. */
export async function regionMean(
  bytes: Buffer,
  region: { left: number; top: number; width: number; height: number },
): Promise<number[]> {
  const { data, info } = await sharp(bytes).extract(region).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c] += data[i + c];
  return sums.map((v) => v / (info.width * info.height));
}
