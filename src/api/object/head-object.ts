import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { checkConditions } from './conditions.js';
import { objectResponseHeaders } from './object-headers.js';
import { followSymlink } from './resolve-symlink.js';

export const headObject: Handler = async (ctx, s) => {
  const stored = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!stored) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  const o = await followSymlink(s, stored);
  checkConditions(ctx.headers, o);
  const headers = objectResponseHeaders(o);
  headers['content-length'] = o.size;
  if (stored.type === 'Symlink') headers['x-oss-symlink-target'] = encodeURIComponent(stored.symlinkTarget ?? '');
  return { status: 200, headers };
};
