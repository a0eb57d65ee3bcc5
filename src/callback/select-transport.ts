/** Chooses between the header and the query-string callback transports (callback.md section 1). */
import { invalidArgument } from '../errors/oss-error.js';

/** Which transport carries the callback of a request (PutObject/CompleteMultipartUpload). */
export interface SelectedCallback {
  source: 'header' | 'query';
  callback: string;
  callbackVar?: string;
}

/**
 * Picks the transport: `x-oss-callback`(+`-var`) headers or `callback`(+`-var`) query parameters.
 * Both given → InvalidArgument EC 0007-00000027. Neither → undefined (a lone `-var` is ignored).
 */
export function selectCallbackTransport(p: {
  header?: string;
  headerVar?: string;
  query?: string;
  queryVar?: string;
}): SelectedCallback | undefined {
  if (p.header !== undefined && p.query !== undefined) {
    throw invalidArgument(
      'callback',
      p.query,
      'The callback is specified in both the header and the query string.',
      '0007-00000027',
    );
  }
  if (p.header !== undefined) return withVar('header', p.header, p.headerVar);
  if (p.query !== undefined) return withVar('query', p.query, p.queryVar);
  return undefined;
}

function withVar(source: 'header' | 'query', callback: string, callbackVar: string | undefined): SelectedCallback {
  return callbackVar === undefined ? { source, callback } : { source, callback, callbackVar };
}
