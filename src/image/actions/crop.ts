import { OssError } from '../../errors/oss-error.js';
import { enumParam, intParam, requireAny } from '../params.js';
import type { ImageAction } from '../parse.js';
import type { ImageState } from '../state.js';

const GRAVITY = ['nw', 'north', 'ne', 'west', 'center', 'east', 'sw', 'south', 'se'] as const;
export type Gravity = (typeof GRAVITY)[number];

/** The top-left corner of a 3×3 grid cell (OSS: the cell's top-left corner is the crop origin). */
function cellOrigin(g: Gravity, width: number, height: number): [number, number] {
  const i = GRAVITY.indexOf(g);
  return [Math.floor(((i % 3) * width) / 3), Math.floor((Math.floor(i / 3) * height) / 3)];
}

/** crop: w, h (default: to the edge), x, y offsets from the origin given by g (default nw). Clamped to the image. */
export async function crop(st: ImageState, a: ImageAction): Promise<void> {
  const w = intParam(a, 'w', 0, 16_384, 0);
  const h = intParam(a, 'h', 0, 16_384, 0);
  const x = intParam(a, 'x', 0, 16_384, 0);
  const y = intParam(a, 'y', 0, 16_384, 0);
  const g = enumParam(a, 'g', GRAVITY, 'nw');
  const [ox, oy] = cellOrigin(g, st.width, st.height);
  const left = ox + x;
  const top = oy + y;
  if (left >= st.width || top >= st.height) {
    throw new OssError('InvalidArgument', {
      message: `The crop origin (${left}, ${top}) is outside the ${st.width}x${st.height} image.`,
      extra: { ArgumentName: 'crop', ArgumentValue: a.text },
    });
  }
  const width = Math.min(w === 0 ? st.width : w, st.width - left);
  const height = Math.min(h === 0 ? st.height : h, st.height - top);
  await st.apply((img) => img.extract({ left, top, width, height }));
}

/** indexcrop: cut into x-wide columns (or y-tall rows) and keep piece i; an i past the end keeps the image. */
export async function indexcrop(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['x', 'y']);
  const x = intParam(a, 'x', 1, 16_384);
  const y = x === undefined ? intParam(a, 'y', 1, 16_384) : undefined;
  const i = intParam(a, 'i', 0, 16_384, 0);
  if (x !== undefined) {
    if (i * x >= st.width) return;
    const left = i * x;
    const width = Math.min(x, st.width - left);
    await st.apply((img) => img.extract({ left, top: 0, width, height: st.height }));
  } else if (y !== undefined) {
    if (i * y >= st.height) return;
    const top = i * y;
    const height = Math.min(y, st.height - top);
    await st.apply((img) => img.extract({ left: 0, top, width: st.width, height }));
  }
}

async function masked(st: ImageState, width: number, height: number, svg: string, left = 0, top = 0): Promise<void> {
  const cut = st.pipeline().extract({ left, top, width, height }).ensureAlpha();
  await st.commit(cut);
  const mask = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svg}</svg>`);
  await st.commit(st.pipeline().composite([{ input: mask, blend: 'dest-in' }]));
}

/** circle,r_: the centred disc of radius r (at most half the short side); outside is transparent. */
export async function circle(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['r']);
  const r = Math.min(intParam(a, 'r', 1, 4096, 1), Math.floor(Math.min(st.width, st.height) / 2));
  if (r < 1) return;
  const d = 2 * r;
  const left = Math.floor(st.width / 2) - r;
  const top = Math.floor(st.height / 2) - r;
  await masked(st, d, d, `<circle cx="${r}" cy="${r}" r="${r}" fill="#fff"/>`, left, top);
}

/** rounded-corners,r_: corners rounded with radius r (at most half the short side); outside is transparent. */
export async function roundedCorners(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['r']);
  const r = Math.min(intParam(a, 'r', 1, 4096, 1), Math.floor(Math.min(st.width, st.height) / 2));
  await masked(
    st,
    st.width,
    st.height,
    `<rect x="0" y="0" width="${st.width}" height="${st.height}" rx="${r}" ry="${r}" fill="#fff"/>`,
  );
}
