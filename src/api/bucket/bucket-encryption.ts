import { OssError } from '../../errors/oss-error.js';
import { child, children, childText, parseXml } from '../../http/xml.js';
import type { MetadataStore, ServerSideEncryption } from '../../storage/types.js';

/** The bucket configuration document holding the default encryption (JSON of ServerSideEncryption). */
export const ENCRYPTION_CONFIG = 'encryption';

const ALGORITHMS = ['AES256', 'KMS', 'SM4'];

function invalid(name: string, value: string, message: string): OssError {
  return new OssError('InvalidArgument', { message, extra: { ArgumentName: name, ArgumentValue: value } });
}

/**
 * `<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256|KMS|SM4</SSEAlgorithm>
 * [<KMSMasterKeyID>ID</KMSMasterKeyID>] [<KMSDataEncryption>SM4</KMSDataEncryption>]…` → the bucket default.
 * A key id or data encryption is only valid with KMS (an empty key id is as absent: the default key).
 */
export function parseEncryptionRule(xml: string): ServerSideEncryption {
  const roots = children(parseXml(xml), 'ServerSideEncryptionRule');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const byDefault = child(roots[0], 'ApplyServerSideEncryptionByDefault');
  if (!byDefault) throw new OssError('MalformedXML');
  const algorithm = childText(byDefault, 'SSEAlgorithm')?.trim() ?? '';
  if (!ALGORITHMS.includes(algorithm)) {
    throw new OssError('InvalidEncryptionAlgorithmError', {
      extra: { ArgumentName: 'SSEAlgorithm', ArgumentValue: algorithm },
    });
  }
  const keyId = childText(byDefault, 'KMSMasterKeyID')?.trim() || undefined;
  const dataEncryption = childText(byDefault, 'KMSDataEncryption')?.trim() || undefined;
  if (keyId !== undefined && algorithm !== 'KMS') {
    throw invalid('KMSMasterKeyID', keyId, 'KMSMasterKeyID is only valid with SSEAlgorithm KMS.');
  }
  if (keyId !== undefined && keyId.length > 256) throw invalid('KMSMasterKeyID', keyId, 'KMSMasterKeyID is too long.');
  if (dataEncryption !== undefined) {
    if (algorithm !== 'KMS') {
      throw invalid('KMSDataEncryption', dataEncryption, 'KMSDataEncryption is only valid with SSEAlgorithm KMS.');
    }
    if (dataEncryption !== 'SM4') throw invalid('KMSDataEncryption', dataEncryption, 'KMSDataEncryption must be SM4.');
  }
  return { algorithm, keyId, dataEncryption };
}

/** The bucket's default encryption (PutBucketEncryption), if any. */
export async function bucketEncryption(
  meta: Pick<MetadataStore, 'getBucketConfig'>,
  bucket: string,
): Promise<ServerSideEncryption | undefined> {
  const raw = await meta.getBucketConfig(bucket, ENCRYPTION_CONFIG);
  if (raw === undefined) return undefined;
  const { algorithm, keyId, dataEncryption } = JSON.parse(raw) as ServerSideEncryption;
  return { algorithm, keyId, dataEncryption };
}

/** The ApplyServerSideEncryptionByDefault / GetBucketInfo fields of a rule (empty ones left out). */
export function encryptionRuleXml(sse: ServerSideEncryption): Record<string, string | undefined> {
  return { SSEAlgorithm: sse.algorithm, KMSMasterKeyID: sse.keyId, KMSDataEncryption: sse.dataEncryption };
}
