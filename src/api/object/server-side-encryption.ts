import type { HeaderBag } from '../../auth/signature-v1.js';
import { OssError } from '../../errors/oss-error.js';
import type { ServerSideEncryption } from '../../storage/types.js';

const ALGORITHMS = ['AES256', 'KMS', 'SM4'];

function invalid(name: string, value: string, message: string): OssError {
  return new OssError('InvalidArgument', { message, extra: { ArgumentName: name, ArgumentValue: value } });
}

/**
 * The server-side encryption an upload asks for (PutObject, PostObject fields, AppendObject,
 * InitiateMultipartUpload, CopyObject). ossd keeps the bytes as they are (its disk is the operator's)
 * but records the request and echoes it as OSS does, so clients that check the answer are satisfied.
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
