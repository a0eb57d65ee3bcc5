import { REQUEST_PAYMENT_CONFIG } from '../../auth/access.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';

/** GetBucketRequestPayment: `GET /b/?requestPayment` → `<RequestPaymentConfiguration><Payer>…` (BucketOwner unless set). */
export const getBucketRequestPayment: Handler = async (ctx, s) => {
  const stored = await s.meta.getBucketConfig(ctx.bucketRecord!.name, REQUEST_PAYMENT_CONFIG);
  return xmlResponse(
    renderXml('RequestPaymentConfiguration', { Payer: stored === 'Requester' ? 'Requester' : 'BucketOwner' }),
  );
};
