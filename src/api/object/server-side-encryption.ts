import type { HeaderBag } from '../../auth/signature-v1.js';
import { OssError } from '../../errors/oss-error.js';
import type { Services } from '../../services.js';
import type { ServerSideEncryption } from '../../storage/types.js';
import { bucketEncryption } from '../bucket/bucket-encryption.js';

const ALGORITHMS = ['AES256', 'KMS', 'SM4'];

function invalid(name: string, value: string, message: string): OssError {
  return new OssError('InvalidArgument', { message, extra: { ArgumentName: name, ArgumentValue: value } });
}

/**
 * The server-side encryption an upload asks for (PutObject, PostObject fields, AppendObject,
 * InitiateMultipartUpload, CopyObject), recorded and echoed as OSS does. Any algorithm encrypts the bytes at
 * rest with the server's keyring (AES-256-CTR; see storage/encryption.ts); a KMS key id is only recorded.
 * An unknown algorithm is InvalidEncryptionAlgorithmError; a key id or data encryption without KMS,
 * an empty key id, or a data encryption other than SM4 is InvalidArgument.
 */
export function serverSideEncryptionFrom(headers: HeaderBag): ServerSideEncryption | undefined {
  const algorithm = headers['x-oss-server-side-encryption'];
  const keyId = headers['x-oss-server-side-encryption-key-id'];
  const dataEncryption = headers['x-oss-server-side-data-encryption'];
  if (algorithm === undefined) {
    if (keyId !== undefined) {
      throw invalid(
        'x-oss-server-side-encryption-key-id',
        keyId,
        'KMS key id requires x-oss-server-side-encryption: KMS.',
      );
    }
    if (dataEncryption !== undefined) {
      throw invalid('x-oss-server-side-data-encryption', dataEncryption, 'Data encryption requires KMS.');
    }
    return undefined;
  }
  if (!ALGORITHMS.includes(algorithm)) {
    throw new OssError('InvalidEncryptionAlgorithmError', {
      extra: { ArgumentName: 'x-oss-server-side-encryption', ArgumentValue: algorithm },
    });
  }
  if (keyId !== undefined) {
    if (algorithm !== 'KMS') {
      throw invalid(
        'x-oss-server-side-encryption-key-id',
        keyId,
        'KMS key id requires x-oss-server-side-encryption: KMS.',
      );
    }
    if (keyId === '') {
      throw invalid('x-oss-server-side-encryption-key-id', keyId, 'The KMS key id must not be empty.');
    }
  }
  if (dataEncryption !== undefined) {
    if (algorithm !== 'KMS') {
      throw invalid('x-oss-server-side-data-encryption', dataEncryption, 'Data encryption requires KMS.');
    }
    if (dataEncryption !== 'SM4') {
      throw invalid('x-oss-server-side-data-encryption', dataEncryption, 'Data encryption must be SM4.');
    }
  }
  return { algorithm, keyId, dataEncryption };
}

/** The response headers OSS sends for an object stored with server-side encryption. */
export function serverSideEncryptionHeaders(sse: ServerSideEncryption | undefined): Record<string, string | undefined> {
  if (!sse) return {};
  return {
    'x-oss-server-side-encryption': sse.algorithm,
    'x-oss-server-side-encryption-key-id': sse.keyId,
    'x-oss-server-side-data-encryption': sse.dataEncryption,
  };
}

/** The encryption of a new object: what the request asks for, else the bucket's default (PutBucketEncryption). */
export async function effectiveEncryption(
  s: Services,
  bucket: string,
  requested: ServerSideEncryption | undefined,
): Promise<ServerSideEncryption | undefined> {
  return requested ?? (await bucketEncryption(s.meta, bucket));
}

/** The keyring key new bytes of an object with this encryption are encrypted with (none: stored plain). */
export function sseKeyFor(s: Services, sse: ServerSideEncryption | undefined): string | undefined {
  return sse ? s.keyring.primary : undefined;
}
