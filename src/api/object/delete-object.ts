import type { Handler } from '../handler.js';
import { notifyObjectsRemoved } from './notify.js';

/** 204 whether or not the key existed. */
export const deleteObject: Handler = async (ctx, s) => {
  const { released, existed } = await s.meta.deleteObject(ctx.bucket!, ctx.key);
  await s.blobs.delete(released);
  if (existed) await notifyObjectsRemoved(ctx, s, 'ObjectRemoved:DeleteObject', ctx.bucket!, [ctx.key]);
  return { status: 204 };
};
