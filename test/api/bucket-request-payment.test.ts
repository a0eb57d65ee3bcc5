/**
 * Pay-by-requester (PutBucketRequestPayment / GetBucketRequestPayment) with the real ali-oss client: the
 * round trip, validation, and enforcement as OSS enforces it — anonymous requests refused, other accounts
 * admitted only with `x-oss-request-payer: requester` (header, or query of a signed URL), the owner always.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { randomKeyId, randomSecret } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const OTHER = '2000000000000078';

/** ali-oss 6.23 request-payment methods (@types/ali-oss lacks them). */
interface PaymentClient {
  putBucketRequestPayment(bucket: string, payer: string): Promise<{ status: number }>;
  getBucketRequestPayment(bucket: string): Promise<{ payer: string; status: number }>;
}
const pay = (c: OSS) => c as unknown as PaymentClient;

describe('bucket request payment (pay-by-requester)', () => {
  let server: TestServer;
  let base: string;
  let otherId: string;
  let otherSecret: string;
  const otherClient = (bucket: string) => server.client({ accessKeyId: otherId, accessKeySecret: otherSecret, bucket });

  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
    await server.services.meta.ensureAccount(OTHER, 'payer');
    otherId = randomKeyId();
    otherSecret = randomSecret();
    await server.services.meta.putAccessKey({
      id: otherId,
      secret: otherSecret,
      accountId: OTHER,
      createdAt: Date.now(),
    });
  });
  after(() => server.stop());

  it('defaults to BucketOwner; put and get round trip; validation', async () => {
    const c = await withBucket(server, 'rp-roundtrip');
    assert.equal((await pay(c).getBucketRequestPayment('rp-roundtrip')).payer, 'BucketOwner');
    assert.equal((await pay(c).putBucketRequestPayment('rp-roundtrip', 'Requester')).status, 200);
    assert.equal((await pay(c).getBucketRequestPayment('rp-roundtrip')).payer, 'Requester');
    await pay(c).putBucketRequestPayment('rp-roundtrip', 'BucketOwner');
    assert.equal((await pay(c).getBucketRequestPayment('rp-roundtrip')).payer, 'BucketOwner');
    // Raw bodies ali-oss would refuse to send.
    const path = '/rp-roundtrip/?requestPayment';
    const xml = { 'content-type': 'application/xml' };
    const bad = await fetch(`${base}${path}`, {
      method: 'PUT',
      headers: signatureV1('PUT', path, xml),
      body: '<RequestPaymentConfiguration><Payer>requester</Payer></RequestPaymentConfiguration>',
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /<Code>InvalidArgument<\/Code>/);
    const malformed = await fetch(`${base}${path}`, {
      method: 'PUT',
      headers: signatureV1('PUT', path, xml),
      body: '<x/>',
    });
    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /<Code>MalformedXML<\/Code>/);
    // Only the owner may read or change it.
    await rejectsWith(pay(otherClient('rp-roundtrip')).getBucketRequestPayment('rp-roundtrip'), 'AccessDenied');
  });

  it('Requester: anonymous refused even on public-read, others need x-oss-request-payer, the owner never', async () => {
    const owner = await withBucket(server, 'rp-enforced');
    await owner.putBucketACL('rp-enforced', 'public-read');
    await owner.put('doc.txt', Buffer.from('paid for'));
    const anonymous = () => fetch(`${base}/rp-enforced/doc.txt`);
    assert.equal((await anonymous()).status, 200);

    await pay(owner).putBucketRequestPayment('rp-enforced', 'Requester');
    const refused = await anonymous();
    assert.equal(refused.status, 403);
    const body = await refused.text();
    assert.match(body, /<Code>AccessDenied<\/Code>/);
    assert.match(body, /<EC>0003-00000701<\/EC>/);

    // Another account: header-signed without the header is refused, with it served.
    await rejectsWith(otherClient('rp-enforced').get('doc.txt'), 'AccessDenied');
    const acknowledged = await otherClient('rp-enforced').get('doc.txt', {
      headers: { 'x-oss-request-payer': 'requester' },
    });
    assert.equal(acknowledged.content.toString(), 'paid for');

    // Signed URLs carry it as a query parameter.
    const plainUrl = otherClient('rp-enforced').signatureUrl('doc.txt', { expires: 60 });
    const urlRefused = await fetch(plainUrl);
    assert.equal(urlRefused.status, 403);
    assert.match(await urlRefused.text(), /<EC>0003-00000702<\/EC>/);
    const paidUrl = otherClient('rp-enforced').signatureUrl('doc.txt', {
      expires: 60,
      subResource: { 'x-oss-request-payer': 'requester' },
    } as OSS.SignatureUrlOptions);
    const served = await fetch(paidUrl);
    assert.equal(served.status, 200, await served.clone().text());
    assert.equal(await served.text(), 'paid for');

    // The owner needs nothing.
    assert.equal((await owner.get('doc.txt')).content.toString(), 'paid for');

    // BucketOwner again: anonymous reads work again.
    await pay(owner).putBucketRequestPayment('rp-enforced', 'BucketOwner');
    assert.equal((await anonymous()).status, 200);
  });
});
