import { OssError } from '../errors/oss-error.js';

/**
 * Pay-by-requester (PutBucketRequestPayment `Payer: Requester`). ossd bills nobody, but enforces what OSS
 * enforces so applications see the same answers: the bucket refuses anonymous requests, and other accounts
 * must acknowledge the charge with `x-oss-request-payer: requester` (a header, or a query parameter of a
 * signed URL). The bucket owner needs neither.
 */
export type Payer = 'BucketOwner' | 'Requester';

export const PAYERS: readonly Payer[] = ['BucketOwner', 'Requester'];

export function isPayer(value: string | undefined): value is Payer {
  return value === 'BucketOwner' || value === 'Requester';
}

/** How a request that is not the owner's identifies itself. */
export interface PayerFacts {
  anonymous: boolean;
  presigned: boolean;
  /** `x-oss-request-payer`, from the header or (signed URLs) the query. */
  requestPayer: string | undefined;
}

/** Throws AccessDenied when a non-owner's request may not use a pay-by-requester bucket. */
export function assertRequesterPays(f: PayerFacts): void {
  if (f.anonymous) {
    throw new OssError('AccessDenied', {
      message: 'Anonymous access is forbidden for this requester pay bucket.',
      ec: '0003-00000701',
    });
  }
  if (f.requestPayer?.toLowerCase() === 'requester') return;
  throw new OssError('AccessDenied', {
    message: f.presigned
      ? 'Access denied for requester pay bucket: the URL needs x-oss-request-payer=requester.'
      : 'Access denied for requester pay bucket: the request needs the header x-oss-request-payer: requester.',
    ec: f.presigned ? '0003-00000702' : '0003-00000703',
  });
}
