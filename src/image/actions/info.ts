import sharp from 'sharp';
import type { Rendered } from '../encode.js';
import { parseExif } from '../exif.js';
import type { ImageState } from '../state.js';

function json(body: unknown): Rendered {
  return { body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' };
}

/**
 * info: the source image's FileSize, Format, FrameCount, ImageHeight, ImageWidth and its EXIF fields,
 * each as `{"value": "…"}` (OSS's shape). It describes the stored object, whatever actions came before.
 */
export async function info(st: ImageState): Promise<Rendered> {
  const src = st.source;
  const meta = await sharp(src.bytes).metadata();
  const fields: Record<string, string> = {
    FileSize: String(src.bytes.length),
    Format: src.format,
    FrameCount: String(meta.pages ?? 1),
    ImageHeight: String(src.height),
    ImageWidth: String(src.width),
    ...parseExif(src.exif),
  };
  const body: Record<string, { value: string }> = {};
  for (const k of Object.keys(fields).sort()) body[k] = { value: fields[k] };
  return json(body);
}

/** average-hue: the mean colour of the current image as `{"RGB":"0xRRGGBB"}`. */
export async function averageHue(st: ImageState): Promise<Rendered> {
  const { data, info: px } = await st
    .pipeline()
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i + 2 < data.length; i += px.channels) {
    sums[0] += data[i];
    sums[1] += data[i + 1];
    sums[2] += data[i + 2];
  }
  const n = Math.max(1, px.width * px.height);
  const hex = sums
    .map((v) =>
      Math.round(v / n)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('');
  return json({ RGB: `0x${hex}` });
}
