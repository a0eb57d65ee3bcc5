import type { Sharp } from 'sharp';
import { intParam } from '../params.js';
import type { ImageAction } from '../parse.js';
import type { ImageState } from '../state.js';

/** The rotation/mirroring that displays an image stored with EXIF orientation `o` upright. */
function orient(img: Sharp, o: number): Sharp {
  switch (o) {
    case 2:
      return img.flop();
    case 3:
      return img.rotate(180);
    case 4:
      return img.flip();
    case 5:
      return img.rotate(90).flop();
    case 6:
      return img.rotate(90);
    case 7:
      return img.rotate(90).flip();
    case 8:
      return img.rotate(270);
    default:
      return img;
  }
}

/** auto-orient,1 turns the pixels upright by the source's EXIF orientation; auto-orient,0 leaves them. */
export async function autoOrient(st: ImageState, a: ImageAction): Promise<void> {
  const on = intParam(a, '', 0, 1, 0);
  if (on !== 1 || st.orientation === 1) return;
  await st.commit(orient(st.pipeline(), st.orientation));
  st.orientation = 1;
}

/** rotate,N: clockwise by N degrees (0–360); the canvas grows, corners filled white (transparent with alpha). */
export async function rotate(st: ImageState, a: ImageAction): Promise<void> {
  const angle = intParam(a, '', 0, 360, 0);
  if (angle % 360 === 0) return;
  const background = st.hasAlpha ? { r: 255, g: 255, b: 255, alpha: 0 } : { r: 255, g: 255, b: 255, alpha: 1 };
  // libvips refuses to rotate a multi-page image: an animation is rotated frame by frame.
  await st.apply((img) => img.rotate(angle, { background }), true);
}
