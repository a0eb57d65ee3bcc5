import type { OssResponse, RequestContext } from '../http/context.js';
import type { Services } from '../services.js';

/** One OSS operation: returns a response or throws an OssError. */
export type Handler = (ctx: RequestContext, s: Services) => Promise<OssResponse>;
