import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { OssError } from '../../errors/oss-error.js';
import { colorParam, enumParam, intParam, requireAny } from '../params.js';
import { decodeBase64Url, type ImageAction } from '../parse.js';
import type { ImageState } from '../state.js';
import type { Gravity } from './crop.js';

const GRAVITY: Gravity[] = ['nw', 'north', 'ne', 'west', 'center', 'east', 'sw', 'south', 'se'];
const MAX_TEXT_CHARS = 64;

/** Loads and pre-processes a watermark image (`image_` parameter: a key in the same bucket, optionally `?x-oss-process=…`). */
export type WatermarkLoader = (keyAndProcess: string, main: { width: number; height: number }) => Promise<Buffer>;

interface Layer {
  data: Buffer;
  width: number;
  height: number;
}

async function layerOf(input: Buffer): Promise<Layer> {
  const { data, info } = await sharp(input).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function raw(l: Layer): Sharp {
  return sharp(l.data, { raw: { width: l.width, height: l.height, channels: 4 } });
}

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The font family for OSS's font names (wqy-zenhei, fangzhengshusong, …): serif for the Song/Kai faces. */
function fontFamily(type: string): string {
  return /song|kai|fangsong/i.test(type) ? 'serif' : 'sans-serif';
}

async function textLayer(a: ImageAction): Promise<Layer> {
  const text = decodeBase64Url(a.params.get('text') ?? '', 'text');
  if (text === '' || [...text].length > MAX_TEXT_CHARS) {
    throw new OssError('WatermarkError', {
      message: `The watermark text must have 1 to ${MAX_TEXT_CHARS} characters.`,
    });
  }
  const type = a.params.has('type') ? decodeBase64Url(a.params.get('type') ?? '', 'type') : 'wqy-zenhei';
  const { r, g, b } = colorParam(a, 'color', '000000');
  const size = intParam(a, 'size', 1, 1000, 40);
  const shadow = intParam(a, 'shadow', 0, 100, 0);
  const colour = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  const render = (fg: string) =>
    sharp({
      text: {
        text: `<span foreground="${fg}">${escapeMarkup(text)}</span>`,
        font: `${fontFamily(type)} ${size}`,
        dpi: 72,
        rgba: true,
      },
    })
      .png()
      .toBuffer();
  const front = await layerOf(await render(colour));
  if (shadow === 0) return front;
  // A grey copy offset by a few pixels, at `shadow` percent opacity, under the text.
  const off = Math.max(1, Math.round(size / 20));
  const back = await raw(await layerOf(await render('#000000')))
    .linear([1, 1, 1, shadow / 100], [0, 0, 0, 0])
    .png()
    .toBuffer();
  const canvas = sharp({
    create: {
      width: front.width + off,
      height: front.height + off,
      channels: 4,
      background: { r: 0, g: 0, b: 0, alpha: 0 },
    },
  }).composite([
    { input: back, left: off, top: off },
    { input: await raw(front).png().toBuffer(), left: 0, top: 0 },
  ]);
  return layerOf(await canvas.png().toBuffer());
}

/** Puts two layers side by side (order 0: image first), aligned top/middle/bottom, `interval` px apart. */
async function combine(image: Layer, text: Layer, a: ImageAction): Promise<Layer> {
  const order = intParam(a, 'order', 0, 1, 0);
  const align = intParam(a, 'align', 0, 2, 0);
  const interval = intParam(a, 'interval', 0, 1000, 0);
  const [first, second] = order === 0 ? [image, text] : [text, image];
  const width = first.width + interval + second.width;
  const height = Math.max(first.height, second.height);
  const top = (l: Layer) => (align === 0 ? 0 : align === 1 ? Math.floor((height - l.height) / 2) : height - l.height);
  const out = await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([
      { input: await raw(first).png().toBuffer(), left: 0, top: top(first) },
      { input: await raw(second).png().toBuffer(), left: first.width + interval, top: top(second) },
    ])
    .png()
    .toBuffer();
  return layerOf(out);
}

/** Shrinks a layer that does not fit inside the main image (sharp cannot composite a larger overlay). */
async function fit(l: Layer, width: number, height: number): Promise<Layer> {
  if (l.width <= width && l.height <= height) return l;
  return layerOf(await raw(l).resize(width, height, { fit: 'inside' }).png().toBuffer());
}

/**
 * watermark: text_ (URL-safe base64, with type_, color_, size_, shadow_) and/or image_ (a key in the same
 * bucket, URL-safe base64, optionally with its own ?x-oss-process=image/resize,P_…); t_ opacity percent,
 * g_ position (default se), x_/y_ margins (default 10), voffset_ for west/center/east, rotate_, fill_ to tile.
 */
export async function watermark(st: ImageState, a: ImageAction, load: WatermarkLoader): Promise<void> {
  requireAny(a, ['text', 'image']);
  const t = intParam(a, 't', 0, 100, 100);
  const g = enumParam(a, 'g', GRAVITY, 'se');
  const x = intParam(a, 'x', 0, 4096, 10);
  const y = intParam(a, 'y', 0, 4096, 10);
  const voffset = intParam(a, 'voffset', -1000, 1000, 0);
  const angle = intParam(a, 'rotate', 0, 360, 0);
  const tile = intParam(a, 'fill', 0, 1, 0) === 1;
  const imageParam = a.params.get('image');
  const image = imageParam
    ? await layerOf(await load(decodeBase64Url(imageParam, 'image'), { width: st.width, height: st.height }))
    : undefined;
  const text = a.params.has('text') ? await textLayer(a) : undefined;
  let layer = image && text ? await combine(image, text, a) : ((image ?? text) as Layer);
  if (angle % 360 !== 0) {
    const turned = raw(layer).rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } });
    layer = await layerOf(await turned.png().toBuffer());
  }
  if (t < 100)
    layer = await layerOf(
      await raw(layer)
        .linear([1, 1, 1, t / 100], [0, 0, 0, 0])
        .png()
        .toBuffer(),
    );
  layer = await fit(layer, st.width, st.height);
  const input = await raw(layer).png().toBuffer();
  const col = GRAVITY.indexOf(g) % 3;
  const row = Math.floor(GRAVITY.indexOf(g) / 3);
  const left = col === 0 ? x : col === 1 ? Math.floor((st.width - layer.width) / 2) : st.width - layer.width - x;
  const mid = Math.floor((st.height - layer.height) / 2) - voffset;
  const top = row === 0 ? y : row === 1 ? mid : st.height - layer.height - y;
  const clamp = (v: number, max: number) => Math.max(0, Math.min(v, max));
  const overlay: OverlayOptions = tile
    ? { input, tile: true, gravity: 'northwest' }
    : { input, left: clamp(left, st.width - layer.width), top: clamp(top, st.height - layer.height) };
  await st.commit(st.pipeline().composite([overlay]));
}
