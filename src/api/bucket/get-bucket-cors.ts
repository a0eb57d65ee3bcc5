import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { corsConfigOf } from '../../http/cors.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';

export function noSuchCorsConfiguration(bucket: string): OssError {
  return new OssError('NoSuchCORSConfiguration', { extra: { BucketName: bucket } });
}

/** GetBucketCors: `GET /b/?cors` → CORSConfiguration{CORSRule*{AllowedOrigin*,AllowedMethod*,AllowedHeader*,ExposeHeader*,MaxAgeSeconds}}. */
export const getBucketCors: Handler = async (ctx) => {
  const b = ctx.bucketRecord!;
  const config = corsConfigOf(b);
  if (!config) throw noSuchCorsConfiguration(b.name);
  return xmlResponse(
    renderXml('CORSConfiguration', {
      CORSRule: config.rules.map((r) => ({
        AllowedOrigin: r.allowedOrigins,
        AllowedMethod: r.allowedMethods,
        AllowedHeader: r.allowedHeaders,
        ExposeHeader: r.exposeHeaders,
        MaxAgeSeconds: r.maxAgeSeconds,
      })),
      ResponseVary: config.responseVary,
    }),
  );
};
