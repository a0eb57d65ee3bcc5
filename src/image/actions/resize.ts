import type { Sharp } from 'sharp';
import { colorParam, enumParam, intParam, requireAny } from '../params.js';
import type { ImageAction } from '../parse.js';
import { checkOutputSize, type ImageState } from '../state.js';

const MODES = ['lfit', 'mfit', 'fill', 'pad', 'fixed'] as const;
const SIDE = 16_384;

/** The pixel size a resize asks for, or undefined when it leaves the image as it is (limit_1, no growth). */
export interface ResizePlan {
  mode: (typeof MODES)[number];
  width: number;
  height: number;
}

/**
 * OSS resize semantics: w/h with m_lfit (fit inside, default), m_mfit (cover), m_fill (cover then centre
 * crop), m_pad (fit then centre pad with color), m_fixed (exact); l/s the long/short side; p a percentage.
 * With only one of w/h the other follows the aspect ratio. limit_1 (default) never enlarges.
 */
export function planResize(a: ImageAction, srcW: number, srcH: number): ResizePlan | undefined {
  requireAny(a, ['w', 'h', 'l', 's', 'p']);
  const mode = enumParam(a, 'm', MODES, 'lfit');
  let w = intParam(a, 'w', 1, SIDE);
  let h = intParam(a, 'h', 1, SIDE);
  const l = intParam(a, 'l', 1, SIDE);
  const s = intParam(a, 's', 1, SIDE);
  const p = intParam(a, 'p', 1, 1000);
  const limit = intParam(a, 'limit', 0, 1, 1) === 1;
  colorParam(a, 'color', 'FFFFFF');
  if (w === undefined && h === undefined && (l !== undefined || s !== undefined)) {
    // l and s name the target's long and short side; they take effect only without w and h.
    const landscape = srcW >= srcH;
    if (l !== undefined && s !== undefined) [w, h] = landscape ? [l, s] : [s, l];
    else if (l !== undefined) [w, h] = landscape ? [l, undefined] : [undefined, l];
    else [w, h] = landscape ? [undefined, s] : [s, undefined];
  }
  let plan: ResizePlan;
  if (w === undefined && h === undefined) {
    const scale = (p ?? 100) / 100;
    plan = {
      mode: 'fixed',
      width: Math.max(1, Math.round(srcW * scale)),
      height: Math.max(1, Math.round(srcH * scale)),
    };
  } else if (w === undefined || h === undefined) {
    const scale = w !== undefined ? w / srcW : (h as number) / srcH;
    plan = {
      mode: 'fixed',
      width: w ?? Math.max(1, Math.round(srcW * scale)),
      height: h ?? Math.max(1, Math.round(srcH * scale)),
    };
  } else if (mode === 'lfit' || mode === 'mfit') {
    const scale = mode === 'lfit' ? Math.min(w / srcW, h / srcH) : Math.max(w / srcW, h / srcH);
    plan = {
      mode: 'fixed',
      width: Math.max(1, Math.round(srcW * scale)),
      height: Math.max(1, Math.round(srcH * scale)),
    };
  } else {
    plan = { mode, width: w, height: h };
  }
  if (limit && (plan.width > srcW || plan.height > srcH)) {
    // fill/pad/fixed compare the scaled image, not the box: growth is what limit_1 forbids.
    if (plan.mode === 'fixed') return undefined;
    const scale =
      plan.mode === 'fill'
        ? Math.max(plan.width / srcW, plan.height / srcH)
        : Math.min(plan.width / srcW, plan.height / srcH);
    if (scale > 1) return undefined;
  }
  checkOutputSize(plan.width, plan.height);
  return plan;
}

export async function resize(st: ImageState, a: ImageAction): Promise<void> {
  const plan = planResize(a, st.width, st.height);
  if (!plan) return;
  const op = (img: Sharp): Sharp => {
    if (plan.mode === 'fill') return img.resize(plan.width, plan.height, { fit: 'cover', position: 'centre' });
    if (plan.mode === 'pad') {
      const c = colorParam(a, 'color', 'FFFFFF');
      return img.resize(plan.width, plan.height, { fit: 'contain', background: { ...c, alpha: 1 } });
    }
    return img.resize(plan.width, plan.height, { fit: 'fill' });
  };
  // Each mode yields exactly plan.width x plan.height, so the next step can plan without running it.
  if (st.canDefer) st.defer(op(st.pipeline()), plan.width, plan.height);
  else await st.apply(op);
}
