import { intParam, requireAny } from '../params.js';
import type { ImageAction } from '../parse.js';
import type { ImageState } from '../state.js';

/** blur,r_,s_: Gaussian blur; r the radius [1,50], s the standard deviation [1,50]. Both required. */
export async function blur(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['r']);
  requireAny(a, ['s']);
  intParam(a, 'r', 1, 50);
  const s = intParam(a, 's', 1, 50, 1);
  await st.commit(st.pipeline().blur(s));
}

/** bright,N: N in [-100, 100] added to every channel (scaled to 0–255); 0 changes nothing. */
export async function bright(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['']);
  const v = intParam(a, '', -100, 100, 0);
  if (v === 0) return;
  const offset = (v * 255) / 100;
  await st.commit(
    st.pipeline().linear(st.hasAlpha ? [1, 1, 1, 1] : 1, st.hasAlpha ? [offset, offset, offset, 0] : offset),
  );
}

/** contrast,N: N in [-100, 100]; positive stretches around mid-grey, negative flattens. */
export async function contrast(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['']);
  const v = intParam(a, '', -100, 100, 0);
  if (v === 0) return;
  const k = 1 + v / 100;
  const b = 128 * (1 - k);
  await st.commit(st.pipeline().linear(st.hasAlpha ? [k, k, k, 1] : k, st.hasAlpha ? [b, b, b, 0] : b));
}

/** sharpen,N: N in [50, 399] (OSS suggests 100); larger is sharper. */
export async function sharpen(st: ImageState, a: ImageAction): Promise<void> {
  requireAny(a, ['']);
  const v = intParam(a, '', 50, 399, 100);
  await st.commit(st.pipeline().sharpen({ sigma: 0.5 + (v - 50) / 100 }));
}
