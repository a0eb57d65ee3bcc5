import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml, type XmlObject, type XmlValue } from '../../http/xml.js';
import type { Services } from '../../services.js';

/** The bucket config document holding a bucket's static website configuration (JSON of WebsiteConfig). */
export const WEBSITE_CONFIG = 'website';
export const MAX_ROUTING_RULES = 20;

export interface WebsiteConfig {
  /** IndexDocument/Suffix, e.g. `index.html`. */
  suffix?: string;
  /** IndexDocument/SupportSubDir: `dir/` serves `dir/<suffix>` (else the root index document). */
  supportSubDir: boolean;
  /**
   * IndexDocument/Type, for a missing key without a trailing slash when supportSubDir is on:
   * 0 = 302 to `key/` if `key/<suffix>` exists; 1 = no index lookup (404); 2 = serve `key/<suffix>` directly.
   */
  type: 0 | 1 | 2;
  /** ErrorDocument/Key, served for a missing key. */
  errorKey?: string;
  /** ErrorDocument/HttpStatus (200 or 404; default 404). */
  errorStatus: number;
  /** RoutingRules as sent (parsed XML): stored and returned, not applied. */
  routingRules?: XmlValue[];
}

function invalid(name: string, value: string, message: string, ec?: string): OssError {
  return new OssError('InvalidArgument', { message, ec, extra: { ArgumentName: name, ArgumentValue: value } });
}

/** Parses and checks `<WebsiteConfiguration>`: IndexDocument and/or ErrorDocument, RoutingRules. */
export function parseWebsiteConfiguration(xml: string): WebsiteConfig {
  const roots = children(parseXml(xml), 'WebsiteConfiguration');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const root = roots[0];
  const index = children(root, 'IndexDocument')[0];
  const error = children(root, 'ErrorDocument')[0];
  const rules = children(root, 'RoutingRules')[0];
  if (index === undefined && error === undefined && rules === undefined) {
    throw new OssError('MalformedXML', {
      message: 'The website configuration needs an IndexDocument, an ErrorDocument or RoutingRules.',
    });
  }
  const config: WebsiteConfig = { supportSubDir: false, type: 0, errorStatus: 404 };
  if (index !== undefined) {
    const suffix = childText(index, 'Suffix')?.trim() ?? '';
    if (suffix === '' || suffix.includes('/')) {
      throw invalid('Suffix', suffix, 'IndexDocument Suffix must be a non-empty object name without "/".');
    }
    config.suffix = suffix;
    const sub = childText(index, 'SupportSubDir')?.trim();
    if (sub !== undefined && sub !== 'true' && sub !== 'false') {
      throw invalid('SupportSubDir', sub, 'SupportSubDir must be true or false.');
    }
    config.supportSubDir = sub === 'true';
    const type = childText(index, 'Type')?.trim();
    if (type !== undefined && type !== '0' && type !== '1' && type !== '2') {
      throw invalid('Type', type, 'IndexDocument Type must be 0, 1 or 2.');
    }
    config.type = Number(type ?? 0) as 0 | 1 | 2;
  }
  if (error !== undefined) {
    const key = childText(error, 'Key')?.trim() ?? '';
    if (key === '') throw invalid('Key', key, 'ErrorDocument needs a Key.');
    config.errorKey = key;
    const status = childText(error, 'HttpStatus')?.trim();
    if (status !== undefined) {
      if (status !== '200' && status !== '404')
        throw invalid('HttpStatus', status, 'HttpStatus is Invalid', '0019-00000002');
      config.errorStatus = Number(status);
    }
  }
  if (rules !== undefined) {
    const list = children(rules, 'RoutingRule');
    if (list.length > MAX_ROUTING_RULES) {
      throw invalid(
        'RoutingRule',
        String(list.length),
        `A bucket can have at most ${MAX_ROUTING_RULES} routing rules.`,
      );
    }
    config.routingRules = list;
  }
  return config;
}

/** The XML body of GetBucketWebsite (`WebsiteConfiguration` content). */
export function websiteXml(c: WebsiteConfig): XmlObject {
  return {
    IndexDocument:
      c.suffix === undefined ? undefined : { Suffix: c.suffix, SupportSubDir: c.supportSubDir, Type: String(c.type) },
    ErrorDocument: c.errorKey === undefined ? undefined : { Key: c.errorKey, HttpStatus: String(c.errorStatus) },
    RoutingRules: c.routingRules === undefined ? undefined : { RoutingRule: c.routingRules },
  };
}

export async function readWebsite(s: Services, bucket: string): Promise<WebsiteConfig | undefined> {
  const raw = await s.meta.getBucketConfig(bucket, WEBSITE_CONFIG);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as WebsiteConfig;
  } catch {
    return undefined;
  }
}
