import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { ROOT_ID, ROOT_SECRET, startTestServer, type TestServer } from '../helpers/start-server.js';
import { ali } from './ali-sign-utils.js';
import { REQUEST_ID, rawRequest, xmlField } from './raw-request.js';

const BUCKET = 'private-bkt';
const KEY = 'secret/a b.txt';

interface OssClientError {
  name?: string;
  code?: string;
  status?: number;
  requestId?: string;
  message?: string;
}

function expectOssError(code: string, status: number) {
  return (e: OssClientError) => {
    assert.equal(e.code, code, `${e.name}: ${e.message}`);
    assert.equal(e.status, status);
    assert.match(e.requestId ?? '', REQUEST_ID);
    return true;
  };
}

function v4Date(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

describe('authentication errors, exactly', () => {
  let server: TestServer;
  let owner: OSS;
  let base: string;
  const encodedKey = encodeURIComponent(KEY).replace(/%2F/g, '/');
  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
    owner = server.client({ bucket: BUCKET });
    await owner.putBucket(BUCKET);
    await owner.put(KEY, Buffer.from('top secret'));
  });
  after(() => server.stop());

  const other = (o: Partial<OSS.Options> & Record<string, unknown>) =>
    new OSS({
      endpoint: base,
      sldEnable: true,
      bucket: BUCKET,
      accessKeyId: ROOT_ID,
      accessKeySecret: ROOT_SECRET,
      ...o,
    } as OSS.Options);

  it('wrong secret → 403 SignatureDoesNotMatch (V1 and V4)', async () => {
    await assert.rejects(other({ accessKeySecret: 'wrong' }).get(KEY), expectOssError('SignatureDoesNotMatch', 403));
    await assert.rejects(
      other({ accessKeySecret: 'wrong', authorizationV4: true }).get(KEY),
      expectOssError('SignatureDoesNotMatch', 403),
    );
  });

  it('SignatureDoesNotMatch carries StringToSign, StringToSignBytes, SignatureProvided, OSSAccessKeyId', async () => {
    const url = new URL(other({ accessKeySecret: 'wrong' }).signatureUrl(KEY, { expires: 60 }));
    const res = await fetch(url);
    assert.equal(res.status, 403);
    assert.match(res.headers.get('x-oss-request-id') ?? '', REQUEST_ID);
    assert.equal(res.headers.get('content-type'), 'application/xml');
    assert.ok(res.headers.get('x-oss-ec'));
    const xml = await res.text();
    assert.equal(xmlField(xml, 'Code'), 'SignatureDoesNotMatch');
    const expires = url.searchParams.get('Expires');
    const expected = `GET\n\n\n${expires}\n/${BUCKET}/${KEY}`;
    assert.equal(xmlField(xml, 'StringToSign'), expected);
    assert.equal(
      xmlField(xml, 'StringToSignBytes'),
      Array.from(Buffer.from(expected), (b) => b.toString(16).padStart(2, '0')).join(' '),
    );
    assert.equal(xmlField(xml, 'SignatureProvided'), url.searchParams.get('Signature'));
    assert.equal(xmlField(xml, 'OSSAccessKeyId'), ROOT_ID);
    assert.match(xmlField(xml, 'RequestId') ?? '', REQUEST_ID);
    assert.equal(xmlField(xml, 'RequestId'), res.headers.get('x-oss-request-id'));
  });

  it('unknown access key id → 403 InvalidAccessKeyId (header V1, V4 and presigned)', async () => {
    await assert.rejects(other({ accessKeyId: 'LTAInobody' }).get(KEY), expectOssError('InvalidAccessKeyId', 403));
    await assert.rejects(
      other({ accessKeyId: 'LTAInobody', authorizationV4: true }).get(KEY),
      expectOssError('InvalidAccessKeyId', 403),
    );
    const res = await fetch(other({ accessKeyId: 'LTAInobody' }).signatureUrl(KEY));
    assert.equal(res.status, 403);
    const xml = await res.text();
    assert.equal(xmlField(xml, 'Code'), 'InvalidAccessKeyId');
    assert.equal(xmlField(xml, 'OSSAccessKeyId'), 'LTAInobody');
  });

  it('expired presigned V1 URL → 403 AccessDenied', async () => {
    const res = await fetch(owner.signatureUrl(KEY, { expires: -5 }));
    assert.equal(res.status, 403);
    assert.match(res.headers.get('x-oss-request-id') ?? '', REQUEST_ID);
    const xml = await res.text();
    assert.equal(xmlField(xml, 'Code'), 'AccessDenied');
    assert.match(xmlField(xml, 'Message') ?? '', /expired/i);
  });

  it('expired presigned V4 URL → 403 AccessDenied; the same URL within its lifetime works', async () => {
    const presign = (signedAt: number, expires: number) => {
      const date = v4Date(signedAt);
      const day = date.slice(0, 8);
      const queries: Record<string, string> = {
        'x-oss-credential': `${ROOT_ID}/${day}/cn-hangzhou/oss/aliyun_v4_request`,
        'x-oss-date': date,
        'x-oss-expires': String(expires),
        'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      };
      const cr = ali.getCanonicalRequest('GET', { headers: {}, queries }, BUCKET, KEY, []);
      const sig = ali.getSignatureV4(ROOT_SECRET, day, 'cn-hangzhou', ali.getStringToSign('cn-hangzhou', date, cr));
      return `${base}/${BUCKET}/${encodedKey}?${new URLSearchParams({ ...queries, 'x-oss-signature': sig })}`;
    };
    const old = await fetch(presign(Date.now() - 20 * 60_000, 600));
    assert.equal(old.status, 403);
    assert.equal(xmlField(await old.text(), 'Code'), 'AccessDenied');
    // Signed 20 minutes ago but valid for an hour: still good (no skew check on presigned URLs).
    const live = await fetch(presign(Date.now() - 20 * 60_000, 3600));
    assert.equal(live.status, 200);
    assert.equal(await live.text(), 'top secret');
  });

  it('a client clock 16 minutes off → 403 RequestTimeTooSkewed (V1 and V4, both directions)', async () => {
    for (const skew of [-16 * 60_000, 16 * 60_000]) {
      await assert.rejects(other({ amendTimeSkewed: skew }).get(KEY), expectOssError('RequestTimeTooSkewed', 403));
      await assert.rejects(
        other({ amendTimeSkewed: skew, authorizationV4: true }).get(KEY),
        expectOssError('RequestTimeTooSkewed', 403),
      );
    }
    // 14 minutes off is within the window.
    const ok = await other({ amendTimeSkewed: -14 * 60_000 }).get(KEY);
    assert.equal(ok.content.toString(), 'top secret');
  });

  it('RequestTimeTooSkewed body has RequestTime, ServerTime (ISO) and MaxAllowedSkewMilliseconds', async () => {
    const date = new Date(Date.now() - 16 * 60_000).toUTCString();
    const sts = ali.buildCanonicalString('GET', `/${BUCKET}/${KEY}`, { headers: { 'x-oss-date': date } });
    const res = await rawRequest(server.port, {
      path: `/${BUCKET}/${encodedKey}`,
      headers: { 'x-oss-date': date, authorization: ali.authorization(ROOT_ID, ROOT_SECRET, sts) },
    });
    assert.equal(res.status, 403);
    assert.equal(xmlField(res.text, 'Code'), 'RequestTimeTooSkewed');
    assert.equal(xmlField(res.text, 'RequestTime'), date);
    const serverTime = xmlField(res.text, 'ServerTime') ?? '';
    assert.ok(Math.abs(Date.parse(serverTime) - Date.now()) < 60_000, serverTime);
    assert.equal(xmlField(res.text, 'MaxAllowedSkewMilliseconds'), String(15 * 60_000));
  });

  it('a replayed V4 signature outside the window is refused; inside it is accepted', async () => {
    const send = (signedAt: number) => {
      const headers: Record<string, string> = {
        'x-oss-date': v4Date(signedAt),
        'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      };
      const authorization = ali.authorizationV4(
        ROOT_ID,
        ROOT_SECRET,
        'cn-hangzhou',
        'GET',
        { headers, queries: {} },
        BUCKET,
        KEY,
      );
      return rawRequest(server.port, { path: `/${BUCKET}/${encodedKey}`, headers: { ...headers, authorization } });
    };
    const fresh = await send(Date.now() - 60_000);
    assert.equal(fresh.status, 200, fresh.text);
    const replay = await send(Date.now() - 16 * 60_000);
    assert.equal(replay.status, 403);
    assert.equal(xmlField(replay.text, 'Code'), 'RequestTimeTooSkewed');
    assert.match(String(replay.headers['x-oss-request-id']), REQUEST_ID);
  });

  it('anonymous access to a private bucket → 403 AccessDenied (GET, list, PUT, HEAD via x-oss-err)', async () => {
    for (const [method, path] of [
      ['GET', `/${BUCKET}/${encodedKey}`],
      ['GET', `/${BUCKET}/`],
      ['PUT', `/${BUCKET}/anon.txt`],
      ['DELETE', `/${BUCKET}/${encodedKey}`],
    ]) {
      const res = await rawRequest(server.port, { method, path, headers: { host: `localhost:${server.port}` } });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(xmlField(res.text, 'Code'), 'AccessDenied', `${method} ${path}`);
      assert.match(String(res.headers['x-oss-request-id']), REQUEST_ID);
    }
    const head = await rawRequest(server.port, { method: 'HEAD', path: `/${BUCKET}/${encodedKey}` });
    assert.equal(head.status, 403);
    assert.equal(head.body.length, 0);
    const err = Buffer.from(String(head.headers['x-oss-err']), 'base64').toString('utf8');
    assert.equal(xmlField(err, 'Code'), 'AccessDenied');
    // Anonymous ListBuckets is refused too, and the object is intact.
    assert.equal((await rawRequest(server.port, { path: '/' })).status, 403);
    assert.equal((await owner.get(KEY)).content.toString(), 'top secret');
  });

  it('every response carries x-oss-request-id, including 404s, 405s and 501s', async () => {
    const seen = new Set<string>();
    for (const [method, path] of [
      ['GET', '/no-such-bucket/k'],
      ['PATCH', `/${BUCKET}/k`],
      ['GET', `/${BUCKET}/?website`],
      ['GET', '/-/health'],
      ['GET', '/callback_pub_key_v1.pem'],
      ['GET', '/Bad_Bucket!/k'],
      ['GET', `/${BUCKET}/%E4%B8`],
    ]) {
      const res = await rawRequest(server.port, { method, path });
      const id = String(res.headers['x-oss-request-id']);
      assert.match(id, REQUEST_ID, `${method} ${path} → ${res.status}`);
      seen.add(id);
    }
    assert.equal(seen.size, 7, 'request ids are unique');
  });
});
