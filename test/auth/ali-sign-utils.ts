import { createRequire } from 'node:module';

/** ali-oss 6.23.0's own signing functions (lib/common/signUtils.js), typed for the tests. */
export interface AliSignUtils {
  buildCanonicalizedResource(
    resourcePath: string,
    parameters?: Record<string, string | null> | string | string[],
  ): string;
  buildCanonicalString(
    method: string,
    resourcePath: string,
    request: { headers: Record<string, string>; parameters?: Record<string, string | null> | string | string[] },
    expires?: string,
  ): string;
  computeSignature(secret: string, canonicalString: string): string;
  authorization(id: string, secret: string, canonicalString: string): string;
  fixAdditionalHeaders(h?: string[]): string[];
  getCanonicalRequest(
    method: string,
    request: { headers: Record<string, string>; queries?: Record<string, string | null> },
    bucketName?: string,
    objectName?: string,
    additionalHeaders?: string[],
  ): string;
  getStringToSign(region: string, date: string, canonicalRequest: string, product?: string): string;
  getSignatureV4(secret: string, day: string, region: string, stringToSign: string, product?: string): string;
  authorizationV4(
    id: string,
    secret: string,
    region: string,
    method: string,
    request: { headers: Record<string, string>; queries?: Record<string, string | null> },
    bucketName?: string,
    objectName?: string,
    additionalHeaders?: string[],
  ): string;
  _signatureForURL(
    secret: string,
    options: Record<string, unknown>,
    resource: string,
    expires: number,
  ): { Signature: string; subResource: Record<string, string> };
}

const require = createRequire(import.meta.url);
export const ali = require('ali-oss/lib/common/signUtils') as AliSignUtils;
