import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml } from '../../http/xml.js';
import { parseProcess } from '../../image/parse.js';
import {
  checkStyleName,
  listStyles,
  loadStyle,
  MAX_STYLES,
  STYLE_PREFIX,
  type StoredStyle,
} from '../../image/styles.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

const MAX_STYLE_XML = 16 * 1024;

/** PutStyle: `PUT /?style&styleName=NAME` with `<Style><Content>image/…</Content></Style>` (owner only). */
export const putStyle: Handler = async (ctx, s) => {
  const name = checkStyleName(ctx.params.get('styleName'));
  const doc = parseXml((await readSmallBody(ctx, MAX_STYLE_XML)).toString('utf8'));
  const roots = children(doc, 'Style');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const content = childText(roots[0], 'Content')?.trim() ?? '';
  if (content === '') throw new OssError('MalformedXML', { message: 'The style needs a non-empty Content.' });
  const parsed = parseProcess(content);
  if (parsed.kind !== 'image') {
    throw new OssError('InvalidArgument', {
      message: 'A style must contain image/ actions.',
      extra: { ArgumentName: 'Content', ArgumentValue: content },
    });
  }
  const { checkActions } = await import('../../image/pipeline.js'); // loads sharp on first use
  checkActions(parsed.actions);
  const bucket = ctx.bucketRecord!.name;
  const existing = await loadStyle(s.meta, bucket, name);
  if (!existing && (await listStyles(s.meta, bucket)).length >= MAX_STYLES) throw new OssError('TooManyStyles');
  const now = new Date().toUTCString();
  const style: StoredStyle = {
    name,
    content,
    category: 'image',
    createTime: existing?.createTime ?? now,
    lastModifyTime: now,
  };
  await s.meta.putBucketConfig(bucket, `${STYLE_PREFIX}${name}`, JSON.stringify(style));
  return { status: 200 };
};
