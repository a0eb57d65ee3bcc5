import { REQUEST_PAYMENT_CONFIG } from '../../auth/access.js';
import { isPayer, PAYERS } from '../../auth/request-payment.js';
import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

/**
 * PutBucketRequestPayment: `PUT /b/?requestPayment` with
 * `<RequestPaymentConfiguration><Payer>BucketOwner|Requester</Payer></RequestPaymentConfiguration>`
 * (owner only). `Requester` turns on pay-by-requester ([access-control.md]); `BucketOwner` turns it off.
 */
export const putBucketRequestPayment: Handler = async (ctx, s) => {
  const roots = children(
    parseXml((await readSmallBody(ctx, 16 * 1024)).toString('utf8')),
    'RequestPaymentConfiguration',
  );
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const payer = childText(roots[0], 'Payer');
  if (!isPayer(payer)) {
    throw new OssError('InvalidArgument', {
      message: `Payer must be one of ${PAYERS.join(', ')}.`,
      extra: { ArgumentName: 'Payer', ArgumentValue: payer ?? '' },
    });
  }
  await s.meta.putBucketConfig(
    ctx.bucketRecord!.name,
    REQUEST_PAYMENT_CONFIG,
    payer === 'Requester' ? payer : undefined,
  );
  return { status: 200 };
};
