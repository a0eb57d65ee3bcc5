import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { bucketEncryption, encryptionRuleXml } from './bucket-encryption.js';

/** GetBucketEncryption: `GET /b/?encryption` → ServerSideEncryptionRule; 404 NoSuchServerSideEncryptionRule when none. */
export const getBucketEncryption: Handler = async (ctx, s) => {
  const name = ctx.bucketRecord!.name;
  const rule = await bucketEncryption(s.meta, name);
  if (!rule) throw new OssError('NoSuchServerSideEncryptionRule', { extra: { BucketName: name } });
  return xmlResponse(
    renderXml('ServerSideEncryptionRule', { ApplyServerSideEncryptionByDefault: encryptionRuleXml(rule) }),
  );
};
