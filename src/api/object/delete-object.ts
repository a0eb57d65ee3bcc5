import { deleteCurrentObject } from '../../storage/delete-object.js';
import type { Handler } from '../handler.js';

/** 204 whether or not the key existed. */
export const deleteObject: Handler = async (ctx, s) => {
  await deleteCurrentObject(s.meta, s.blobs, ctx.bucket!, ctx.key);
  return { status: 204 };
};
