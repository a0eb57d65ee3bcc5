import { OssError } from '../../errors/oss-error.js';
import { CORS_METHODS, type CorsConfiguration, type CorsRule, MAX_CORS_RULES } from '../../http/cors.js';
import { children, childText, parseXml, text, type XmlValue } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

const MAX_CORS_XML = 64 * 1024;

function invalid(name: string, value: string, message: string): OssError {
  return new OssError('InvalidArgument', { message, extra: { ArgumentName: name, ArgumentValue: value } });
}

function texts(node: XmlValue, name: string): string[] {
  return children(node, name).map((c) => (text(c) ?? '').trim());
}

function parseRule(node: XmlValue): CorsRule {
  const allowedOrigins = texts(node, 'AllowedOrigin');
  const allowedMethods = texts(node, 'AllowedMethod');
  const allowedHeaders = texts(node, 'AllowedHeader');
  const exposeHeaders = texts(node, 'ExposeHeader');
  if (allowedOrigins.length === 0 || allowedOrigins.some((o) => o === '')) {
    throw invalid('AllowedOrigin', '', 'A CORS rule needs at least one non-empty AllowedOrigin.');
  }
  for (const o of allowedOrigins) {
    if ((o.match(/\*/g) ?? []).length > 1)
      throw invalid('AllowedOrigin', o, 'An AllowedOrigin may contain at most one *.');
  }
  if (allowedMethods.length === 0) throw invalid('AllowedMethod', '', 'A CORS rule needs at least one AllowedMethod.');
  for (const m of allowedMethods) {
    if (!(CORS_METHODS as readonly string[]).includes(m)) {
      throw invalid('AllowedMethod', m, `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    }
  }
  for (const h of allowedHeaders) {
    if ((h.match(/\*/g) ?? []).length > 1)
      throw invalid('AllowedHeader', h, 'An AllowedHeader may contain at most one *.');
  }
  for (const h of exposeHeaders) {
    if (h.includes('*')) throw invalid('ExposeHeader', h, 'An ExposeHeader may not contain *.');
  }
  const maxAge = childText(node, 'MaxAgeSeconds')?.trim();
  let maxAgeSeconds: number | undefined;
  if (maxAge !== undefined && maxAge !== '') {
    if (!/^\d{1,9}$/.test(maxAge))
      throw invalid('MaxAgeSeconds', maxAge, 'MaxAgeSeconds must be a non-negative integer.');
    maxAgeSeconds = Number(maxAge);
  }
  return { allowedOrigins, allowedMethods, allowedHeaders, exposeHeaders, maxAgeSeconds };
}

/** `<CORSConfiguration><CORSRule>…</CORSRule>…[<ResponseVary>]</CORSConfiguration>` → configuration. */
export function parseCorsConfiguration(xml: string): CorsConfiguration {
  const doc = parseXml(xml);
  const roots = children(doc, 'CORSConfiguration');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const rules = children(roots[0], 'CORSRule').map(parseRule);
  if (rules.length === 0)
    throw new OssError('MalformedXML', { message: 'A CORS configuration needs at least one CORSRule.' });
  if (rules.length > MAX_CORS_RULES) {
    throw invalid('CORSRule', String(rules.length), `A bucket can have at most ${MAX_CORS_RULES} CORS rules.`);
  }
  const vary = childText(roots[0], 'ResponseVary')?.trim();
  if (vary !== undefined && vary !== 'true' && vary !== 'false') throw new OssError('MalformedXML');
  return vary === undefined ? { rules } : { rules, responseVary: vary === 'true' };
}

/** PutBucketCors: `PUT /b/?cors`, replaces the bucket's rules (owner only). */
export const putBucketCors: Handler = async (ctx, s) => {
  const config = parseCorsConfiguration((await readSmallBody(ctx, MAX_CORS_XML)).toString('utf8'));
  await s.meta.updateBucket(ctx.bucketRecord!.name, { cors: JSON.stringify(config) });
  return { status: 200 };
};
