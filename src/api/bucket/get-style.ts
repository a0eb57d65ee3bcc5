import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import { checkStyleName, requireStyle } from '../../image/styles.js';
import type { Handler } from '../handler.js';
import { styleXml } from './style-xml.js';

/** GetStyle: `GET /?style&styleName=NAME` → `<Style><Name/><Content/><Category/><CreateTime/><LastModifyTime/></Style>`. */
export const getStyle: Handler = async (ctx, s) => {
  const name = checkStyleName(ctx.params.get('styleName'));
  const style = await requireStyle(s.meta, ctx.bucketRecord!.name, name);
  return xmlResponse(renderXml('Style', styleXml(style)));
};
