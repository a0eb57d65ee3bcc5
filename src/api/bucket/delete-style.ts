import { checkStyleName, STYLE_PREFIX } from '../../image/styles.js';
import type { Handler } from '../handler.js';

/** DeleteStyle: `DELETE /?style&styleName=NAME`; 204 whether or not the style existed. */
export const deleteStyle: Handler = async (ctx, s) => {
  const name = checkStyleName(ctx.params.get('styleName'));
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, `${STYLE_PREFIX}${name}`, undefined);
  return { status: 204 };
};
