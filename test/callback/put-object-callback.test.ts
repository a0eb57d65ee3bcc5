import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { createVerifier } from '../../packages/verify/src/index.js';
import { crc64 } from '../../src/storage/crc64.js';
import { b64, type OssErrorLike, putWithCallback } from '../helpers/callback-client.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';
import { gif, jpeg, png, webpLossless } from '../helpers/images.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const SEED_BODY = 'bucket=${bucket}&object=${object}&var1=${x:var1}&var2=${x:var2}';

describe('PutObject with a callback, end to end with ali-oss and a real application server', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.timeoutMs = 400;
    });
    client = await withBucket(server, 'examplebucket');
    app = await startCallbackReceiver();
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it("runs the seed's sample: exact body, verified signature, result.data is the reply", async () => {
    const reply = { Status: 'OK', from: 'application server' };
    app.setBehaviour({ kind: 'json', body: reply });
    const before = app.requests.length;
    const result = await putWithCallback(client, 'exampleobject.txt', Buffer.from('hello\n'), {
      url: `${app.url}/callback?a=1`,
      body: SEED_BODY,
      contentType: 'application/x-www-form-urlencoded',
      customValue: { var1: 'value1', var2: 'value2' },
    });
    assert.equal(result.res.status, 200);
    assert.deepEqual(result.data, reply);
    assert.equal(result.res.headers['content-type'], 'application/json');
    assert.equal(result.res.headers.etag, `"${createHash('md5').update('hello\n').digest('hex').toUpperCase()}"`);
    assert.equal(app.requests.length, before + 1);
    const cb = app.requests[before];
    assert.equal(cb.method, 'POST');
    assert.equal(cb.url, '/callback?a=1');
    assert.equal(cb.body.toString(), 'bucket=examplebucket&object=exampleobject.txt&var1=value1&var2=value2');
    assert.equal(cb.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(cb.headers['content-length'], String(cb.body.length));
    const keyUrl = Buffer.from(String(cb.headers['x-oss-pub-key-url']), 'base64').toString();
    assert.equal(keyUrl, `${server.endpoint}/callback_pub_key_v1.pem`);
    // The application verifies through the key ossd serves.
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`] });
    const payload = await verifier.verify({
      method: 'POST',
      url: cb.url,
      headers: cb.headers as Record<string, string>,
      body: cb.body,
    });
    assert.deepEqual(payload.variables, {
      bucket: 'examplebucket',
      object: 'exampleobject.txt',
      var1: 'value1',
      var2: 'value2',
    });
    // Tampering is caught.
    await assert.rejects(
      verifier.verify({
        method: 'POST',
        url: cb.url,
        headers: cb.headers as Record<string, string>,
        body: Buffer.concat([cb.body, Buffer.from('x')]),
      }),
    );
  });

  it('renders every system variable in a JSON body, strings quoted and numbers bare', async () => {
    app.setBehaviour({ kind: 'json', body: { ok: 1 } });
    const body = Buffer.from('{"k":"v"}');
    const template =
      '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},' +
      '"h":${imageInfo.height},"w":${imageInfo.width},"f":${imageInfo.format},"crc64":${crc64},' +
      '"md5":${contentMd5},"vpc":${vpcId},"ip":${clientIp},"req":${reqId},"op":${operation},"v":${x:v}}';
    const before = app.requests.length;
    const r = await putWithCallback(client, 'dir/数据 "q".json', body, {
      url: app.url,
      body: template,
      contentType: 'application/json',
      customValue: { v: 'ünï "code"' },
    });
    assert.equal(r.res.status, 200);
    const sent = app.requests[before].body.toString();
    const md5 = createHash('md5').update(body).digest();
    const expected =
      `{"bucket":"examplebucket","object":"dir/数据 \\"q\\".json","etag":"${md5.toString('hex').toUpperCase()}","size":9,` +
      `"mimeType":"application/json","h":,"w":,"f":null,"crc64":${crc64(body)},"md5":"${md5.toString('base64')}",` +
      `"vpc":null,"ip":"127.0.0.1","req":"${r.res.headers['x-oss-request-id']}","op":"PutObject","v":"ünï \\"code\\""}`;
    assert.equal(sent, expected);
    assert.equal(app.requests[before].headers['content-type'], 'application/json');
  });

  it('percent-encodes substituted values in form bodies and leaves the template alone', async () => {
    app.setBehaviour({ kind: 'json' });
    const before = app.requests.length;
    await putWithCallback(client, 'a b/c&d=é.txt', Buffer.from('x'), {
      url: app.url,
      body: 'object=${object}&mime=${mimeType}&size=${size}&h=${imageInfo.height}&lit=a+b',
      customValue: {},
    });
    assert.equal(
      app.requests[before].body.toString(),
      'object=a%20b%2Fc%26d%3D%C3%A9.txt&mime=text%2Fplain&size=1&h=&lit=a+b',
    );
  });

  for (const [name, bytes, mime, format] of [
    ['png', png(3, 5), 'image/png', 'png'],
    ['jpg', jpeg(7, 2), 'image/jpeg', 'jpg'],
    ['gif', gif(4, 9), 'image/gif', 'gif'],
    ['webp', webpLossless(6, 8), 'image/webp', 'webp'],
  ] as const) {
    it(`reads image width, height and format of a ${name} while streaming`, async () => {
      app.setBehaviour({ kind: 'json' });
      const before = app.requests.length;
      await putWithCallback(client, `img.${name}`, bytes, {
        url: app.url,
        body: '{"w":${imageInfo.width},"h":${imageInfo.height},"f":${imageInfo.format},"m":${mimeType}}',
        contentType: 'application/json',
      });
      const got = JSON.parse(app.requests[before].body.toString());
      const [w, h] = name === 'png' ? [3, 5] : name === 'jpg' ? [7, 2] : name === 'gif' ? [4, 9] : [6, 8];
      assert.deepEqual(got, { w, h, f: format, m: mime });
    });
  }

  it('tries the URLs in order until one succeeds, and sends callbackHost as Host', async () => {
    const second = await startCallbackReceiver({ kind: 'json', body: { second: true } });
    try {
      const r = await putWithCallback(client, 'multi.txt', Buffer.from('m'), {
        url: `http://127.0.0.1:1/refused;${second.url}/two`,
        host: 'app.example.com',
        body: 'o=${object}',
      });
      assert.equal(r.res.status, 200);
      assert.deepEqual(r.data, { second: true });
      assert.equal(second.requests.length, 1);
      assert.equal(second.requests[0].headers.host, 'app.example.com');
      assert.equal(second.requests[0].url, '/two');
    } finally {
      await second.close();
    }
  });

  it('works through a presigned URL carrying callback and callback-var', async () => {
    app.setBehaviour({ kind: 'json', body: { presigned: true } });
    const before = app.requests.length;
    const url = client.signatureUrl('presigned.txt', {
      method: 'PUT',
      'Content-Type': 'text/plain',
      callback: { url: app.url, body: 'o=${object}&v=${x:v}', customValue: { v: 'w' } },
    } as unknown as OSS.SignatureUrlOptions);
    const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'presigned body' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { presigned: true });
    assert.equal(app.requests[before].body.toString(), 'o=presigned.txt&v=w');
    assert.equal((await client.get('presigned.txt')).content.toString(), 'presigned body');
  });

  const failures: [string, Parameters<CallbackReceiver['setBehaviour']>[0], RegExp][] = [
    ['non-200 status', { kind: 'status', status: 500, body: '{"e":1}' }, /^Error status : 500\.$/],
    ['a body that is not JSON', { kind: 'text', body: 'plain text' }, /^Response body is not valid json format\.$/],
    [
      'an oversize body',
      { kind: 'huge', bytes: 2 * 1024 * 1024 },
      /^Error Status : 400\.User server return too long content-length value$/,
    ],
    [
      'no Content-Length',
      { kind: 'chunked', body: '{"a":1}' },
      /^Error Status : 400\.User server return too long content-length value$/,
    ],
    ['a redirect', { kind: 'redirect', location: 'http://127.0.0.1:1/' }, /^Error status : 302\.$/],
    [
      'a hang past the timeout',
      { kind: 'hang' },
      /^Error status : -1 127\.0\.0\.1:\d+ reply timeout, cost:\d+ ms, timeout:400 ms$/,
    ],
  ];
  for (const [cause, behaviour, message] of failures) {
    it(`answers 203 CallbackFailed for ${cause} and keeps the object`, async () => {
      app.setBehaviour(behaviour);
      const key = `fail-${cause.replace(/\W+/g, '-')}.txt`;
      const err = (await putWithCallback(client, key, Buffer.from('kept'), { url: app.url, body: 'o=${object}' }).then(
        () => assert.fail('expected CallbackFailed'),
        (e: OssErrorLike) => e,
      )) as OssErrorLike;
      assert.equal(err.status, 203);
      assert.equal(err.name, 'CallbackFailedError');
      assert.equal(err.code, 'CallbackFailed');
      assert.match(err.message, message);
      assert.equal((await client.get(key)).content.toString(), 'kept');
    });
  }

  it('answers 203 with the connect message when the application refuses connections', async () => {
    const err = (await putWithCallback(client, 'refused.txt', Buffer.from('r'), {
      url: 'http://127.0.0.1:1/',
      body: 'o=${object}',
    }).then(
      () => assert.fail('expected CallbackFailed'),
      (e: OssErrorLike) => e,
    )) as OssErrorLike;
    assert.equal(err.status, 203);
    assert.equal(err.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
    assert.equal((await client.get('refused.txt')).content.toString(), 'r');
  });

  const invalid: [string, Record<string, string>, string][] = [
    [
      'callback over 5 KB',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackBody: 'x'.repeat(6000) }) },
      '0007-00000001',
    ],
    ['callback not base64', { 'x-oss-callback': '!!!not base64!!!' }, '0007-00000002'],
    ['callback not JSON', { 'x-oss-callback': b64('not json') }, '0007-00000003'],
    [
      'a bad callbackUrl scheme',
      { 'x-oss-callback': b64({ callbackUrl: 'ftp://127.0.0.1/', callbackBody: 'a' }) },
      '0007-00000004',
    ],
    [
      'a non-numeric port',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1:abc/', callbackBody: 'a' }) },
      '0007-00000004',
    ],
    [
      'more than 5 URLs',
      { 'x-oss-callback': b64({ callbackUrl: Array(6).fill('http://127.0.0.1/').join(';'), callbackBody: 'a' }) },
      '0007-00000005',
    ],
    [
      'callbackHost not a string',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackHost: 5, callbackBody: 'a' }) },
      '0007-00000009',
    ],
    [
      'a callbackHost with a space',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackHost: 'a b', callbackBody: 'a' }) },
      '0007-00000009',
    ],
    [
      'a callbackHost with a path',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackHost: 'a.com/x', callbackBody: 'a' }) },
      '0007-00000009',
    ],
    [
      'an empty callbackBody',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackBody: '' }) },
      '0007-00000011',
    ],
    [
      'a bad callbackBodyType',
      {
        'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackBody: 'a', callbackBodyType: 'text/plain' }),
      },
      '0007-00000012',
    ],
    [
      'additionalHeaders with x-oss-',
      {
        'x-oss-callback': b64({
          callbackUrl: 'http://127.0.0.1/',
          callbackBody: 'a',
          additionalHeaders: { 'x-oss-a': 'b' },
        }),
      },
      '0007-00000026',
    ],
    [
      'a malformed template',
      { 'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackBody: 'a=$x:a}' }) },
      '0007-00000105',
    ],
    [
      'callback-var not JSON',
      {
        'x-oss-callback': b64({ callbackUrl: 'http://127.0.0.1/', callbackBody: 'a' }),
        'x-oss-callback-var': b64('nope'),
      },
      '0007-00000103',
    ],
  ];
  for (const [what, headers, ec] of invalid) {
    it(`refuses ${what} with 400 InvalidArgument EC ${ec} before storing`, async () => {
      const key = `invalid-${ec}-${what.replace(/\W+/g, '-')}.txt`;
      const err = (await client.put(key, Buffer.from('x'), { headers }).then(
        () => assert.fail('expected InvalidArgument'),
        (e: OssErrorLike) => e,
      )) as OssErrorLike;
      assert.equal(err.status, 400);
      assert.equal(err.code, 'InvalidArgument');
      assert.equal(err.ecCode, ec);
      await assert.rejects(client.head(key), (e: OssErrorLike) => e.status === 404);
    });
  }

  it('refuses a callback given both as header and as query parameter (EC 0007-00000027)', async () => {
    const cb = b64({ callbackUrl: app.url, callbackBody: 'a' });
    // The header is declared in the signature so that only the double transport is wrong.
    const url = client.signatureUrl('both.txt', {
      method: 'PUT',
      'Content-Type': 'text/plain',
      'x-oss-callback': cb,
      callback: { url: app.url, body: 'a' },
    } as unknown as OSS.SignatureUrlOptions);
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'x-oss-callback': cb },
      body: 'b',
    });
    assert.equal(res.status, 400);
    const xml = await res.text();
    assert.match(xml, /<Code>InvalidArgument<\/Code>/);
    assert.match(xml, /<EC>0007-00000027<\/EC>/);
    assert.match(xml, /<ArgumentName>callback<\/ArgumentName>/);
  });
});

describe('callback limits, address policy and the delivery log', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.timeoutMs = 1500;
      c.callback.maxInFlight = 2;
    });
    client = await withBucket(server, 'limits');
    app = await startCallbackReceiver({ kind: 'hang' });
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('caps callbacks in flight: beyond the cap the upload gets 203 Too many callback requests at once', {
    skip: ONE_NODE_ONLY,
  }, async () => {
    const hanging = [1, 2].map((i) =>
      putWithCallback(client, `hang-${i}.txt`, Buffer.from('h'), { url: app.url, body: 'o=${object}' }).catch(
        (e: OssErrorLike) => e,
      ),
    );
    await app.waitForRequests(2, 3000);
    const started = Date.now();
    const err = (await putWithCallback(client, 'third.txt', Buffer.from('3'), {
      url: app.url,
      body: 'o=${object}',
    }).catch((e: OssErrorLike) => e)) as OssErrorLike;
    assert.equal(err.status, 203);
    assert.equal(err.message, 'Too many callback requests');
    assert.ok(Date.now() - started < 1000, 'the capped upload is not delayed by the hanging ones');
    // Uploads without callbacks are unaffected.
    assert.equal((await client.put('plain.txt', Buffer.from('p'))).res.status, 200);
    const results = (await Promise.all(hanging)) as OssErrorLike[];
    for (const r of results) assert.equal(r.status, 203);
    assert.equal((await client.get('third.txt')).content.toString(), '3');
  });

  it('records every delivery, readable through the admin API, and re-sends on demand', async () => {
    app.setBehaviour({ kind: 'json', body: { first: true } });
    const r = await putWithCallback(client, 'logged.txt', Buffer.from('l'), {
      url: `${app.url}/hook`,
      body: 'o=${object}',
    });
    const reqId = r.res.headers['x-oss-request-id'];
    const auth = `Basic ${Buffer.from(`${server.root.accessKeyId}:${server.root.accessKeySecret}`).toString('base64')}`;
    const list = (await (
      await fetch(`${server.endpoint}/-/admin/callbacks?bucket=limits&key=logged.txt`, {
        headers: { authorization: auth },
      })
    ).json()) as {
      deliveries: {
        id: string;
        requestId: string;
        ok: boolean;
        renderedBody: string;
        attempts: { status: number }[];
      }[];
    };
    assert.equal(list.deliveries.length, 1);
    const d = list.deliveries[0];
    assert.equal(d.requestId, reqId);
    assert.equal(d.ok, true);
    assert.equal(d.renderedBody, 'o=logged.txt');
    assert.equal(d.attempts[0].status, 200);
    const one = await fetch(`${server.endpoint}/-/admin/callbacks/${d.id}`, { headers: { authorization: auth } });
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { id: string }).id, d.id);
    // No credentials, no log.
    assert.equal((await fetch(`${server.endpoint}/-/admin/callbacks`)).status, 403);
    // Re-send: signed and delivered again, recorded as a new attempt.
    const count = app.requests.length;
    app.setBehaviour({ kind: 'json', body: { again: true } });
    const resent = await fetch(`${server.endpoint}/-/admin/callbacks/${d.id}/resend`, {
      method: 'POST',
      headers: { authorization: auth },
    });
    assert.equal(resent.status, 200);
    const rd = (await resent.json()) as { id: string; resendOf: string; ok: boolean };
    assert.equal(rd.resendOf, d.id);
    assert.equal(rd.ok, true);
    assert.equal(app.requests.length, count + 1);
    assert.equal(app.requests[count].body.toString(), 'o=logged.txt');
    const verifier = createVerifier({ trustedKeyUrlPrefixes: [`${server.endpoint}/`] });
    const again = app.requests[count];
    await verifier.verify({
      method: 'POST',
      url: again.url,
      headers: again.headers as Record<string, string>,
      body: again.body,
    });
    // A failed delivery of its own, so the filter has something to find whatever ran before.
    app.setBehaviour({ kind: 'status', status: 500 });
    const failed = (await putWithCallback(client, 'failing.txt', Buffer.from('f'), {
      url: app.url,
      body: 'o=${object}',
    }).catch((e: OssErrorLike) => e)) as OssErrorLike;
    assert.equal(failed.status, 203);
    const failedOnly = (await (
      await fetch(`${server.endpoint}/-/admin/callbacks?ok=false`, { headers: { authorization: auth } })
    ).json()) as {
      deliveries: { ok: boolean; key: string }[];
    };
    assert.ok(failedOnly.deliveries.some((x) => x.key === 'failing.txt'));
    assert.ok(failedOnly.deliveries.every((x) => !x.ok));
  });
});

describe('callback address policy', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.denyPrivate = true;
      c.callback.timeoutMs = 500;
    });
    client = await withBucket(server, 'policy');
  });
  after(() => server.stop());

  it('refuses a literal loopback or link-local URL at request time (400 EC 0007-00000008) when private addresses are denied', async () => {
    // ali-oss runs encodeURI over the URL, which breaks IPv6 literals, so those go in a raw header.
    for (const url of [
      'http://127.0.0.1:9/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:127.0.0.1]:9/',
    ]) {
      const headers = { 'x-oss-callback': b64({ callbackUrl: url, callbackBody: 'o=${object}' }) };
      const err = (await client
        .put('p.txt', Buffer.from('p'), { headers })
        .catch((e: OssErrorLike) => e)) as OssErrorLike;
      assert.equal(err.status, 400, url);
      assert.equal(err.ecCode, '0007-00000008', url);
    }
    await assert.rejects(client.head('p.txt'), (e: OssErrorLike) => e.status === 404);
  });

  it('refuses a name resolving to loopback at delivery time with a 203, keeping the object', async () => {
    const err = (await putWithCallback(client, 'n.txt', Buffer.from('n'), {
      url: 'http://localhost:9/',
      body: 'o=${object}',
    }).catch((e: OssErrorLike) => e)) as OssErrorLike;
    assert.equal(err.status, 203);
    assert.equal(err.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.');
    assert.equal((await client.get('n.txt')).content.toString(), 'n');
  });
});

describe('callback link-local refusal by default', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'linklocal');
  });
  after(() => server.stop());

  it('refuses metadata addresses even with the default (permissive) policy', async () => {
    const err = (await putWithCallback(client, 'm.txt', Buffer.from('m'), {
      url: 'http://169.254.169.254/',
      body: 'o=${object}',
    }).catch((e: OssErrorLike) => e)) as OssErrorLike;
    assert.equal(err.status, 400);
    assert.equal(err.ecCode, '0007-00000008');
  });
});

describe('the documented setting that renders absent numbers as null', () => {
  let server: TestServer;
  let client: OSS;
  let app: CallbackReceiver;
  before(async () => {
    server = await startTestServer((c) => {
      c.callback.absentNumbersAsNull = true;
      c.callback.publicKeyUrl = 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem';
    });
    client = await withBucket(server, 'nulls');
    app = await startCallbackReceiver({ kind: 'json' });
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('sends valid JSON for a non-image upload and passes additionalHeaders through', async () => {
    const headers = {
      'x-oss-callback': b64({
        callbackUrl: app.url,
        callbackBody: '{"h":${imageInfo.height},"w":${imageInfo.width},"f":${imageInfo.format},"size":${size}}',
        callbackBodyType: 'application/json',
        additionalHeaders: { 'x-app-token': 'abc' },
      }),
    };
    const r = (await client.put('n.txt', Buffer.from('12'), { headers })) as unknown as { res: { status: number } };
    assert.equal(r.res.status, 200);
    const req = app.requests[0];
    assert.deepEqual(JSON.parse(req.body.toString()), { h: null, w: null, f: null, size: 2 });
    assert.equal(req.headers['x-app-token'], 'abc');
    // The advertised key URL is configurable (e.g. a closed network mapping gosspublic.alicdn.com to ossd).
    assert.equal(
      Buffer.from(String(req.headers['x-oss-pub-key-url']), 'base64').toString(),
      'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
    );
  });
});
