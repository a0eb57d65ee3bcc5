import type { Handler } from '../handler.js';

/** 204 whether or not the key existed. */
export const deleteObject: Handler = async (ctx, s) => {
  const { released } = await s.meta.deleteObject(ctx.bucket!, ctx.key);
  await s.blobs.delete(released);
  return { status: 204 };
};
