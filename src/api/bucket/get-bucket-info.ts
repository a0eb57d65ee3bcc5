import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';
import { bucketEncryption, encryptionRuleXml } from './bucket-encryption.js';
import { readLogging } from './logging-config.js';

/** GET /b/?bucketInfo — ali-oss returns `BucketInfo.Bucket` raw. */
export const getBucketInfo: Handler = async (ctx, s) => {
  const b = ctx.bucketRecord!;
  const logging = await readLogging(s.meta, b.name);
  const encryption = await bucketEncryption(s.meta, b.name);
  return xmlResponse(
    renderXml('BucketInfo', {
      Bucket: {
        CreationDate: ossXmlDate(b.createdAt),
        ExtranetEndpoint: `${b.region}.aliyuncs.com`,
        IntranetEndpoint: `${b.region}-internal.aliyuncs.com`,
        Location: b.region,
        Name: b.name,
        StorageClass: b.storageClass,
        DataRedundancyType: b.dataRedundancyType,
        Owner: ownerXml(b.owner),
        AccessControlList: { Grant: b.acl },
        Versioning: b.versioning,
        BucketPolicy: { LogBucket: logging?.targetBucket ?? '', LogPrefix: logging?.targetPrefix ?? '' },
        ServerSideEncryptionRule: encryption ? encryptionRuleXml(encryption) : { SSEAlgorithm: 'None' },
      },
    }),
  );
};
