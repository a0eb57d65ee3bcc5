import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import { listStyles } from '../../image/styles.js';
import type { Handler } from '../handler.js';
import { styleXml } from './style-xml.js';

/** ListStyle: `GET /?style` → `<StyleList><Style>…</Style>…</StyleList>`, by name. */
export const listStyle: Handler = async (ctx, s) => {
  const styles = await listStyles(s.meta, ctx.bucketRecord!.name);
  return xmlResponse(renderXml('StyleList', styles.length ? { Style: styles.map(styleXml) } : {}));
};
