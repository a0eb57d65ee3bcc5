/**
 * The canonical use of OSS callbacks, as an application server: it hands the browser a signed POST
 * policy with a callback, the browser uploads straight to ossd (cross-origin), ossd calls this server
 * back, this server verifies the callback and answers JSON, and ossd relays that JSON to the browser.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OSS from 'ali-oss';
import { ossCallbackHandler, sendJson } from '../../packages/verify/src/adapters/node.js';

export interface BrowserUploadOptions {
  /** ossd's endpoint, e.g. http://localhost:18080. */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  bucket: string;
  host?: string;
  port?: number;
  /** Largest upload the policy allows (bytes). */
  maxBytes?: number;
}

export interface ReceivedCallback {
  body: string;
  variables: unknown;
}

export interface BrowserUploadApp {
  url: string;
  port: number;
  callbacks: ReceivedCallback[];
  close(): Promise<void>;
}

const PAGE = readFileSync(new URL('./index.html', import.meta.url), 'utf8');

export async function startBrowserUploadApp(o: BrowserUploadOptions): Promise<BrowserUploadApp> {
  const host = o.host ?? '127.0.0.1';
  const endpoint = o.endpoint.replace(/\/+$/, '');
  const client = new OSS({
    endpoint,
    sldEnable: true,
    accessKeyId: o.accessKeyId,
    accessKeySecret: o.accessKeySecret,
    bucket: o.bucket,
  } as unknown as OSS.Options);
  const callbacks: ReceivedCallback[] = [];

  // Only callbacks signed with a key served by our ossd (or the real OSS) are accepted.
  const onCallback = ossCallbackHandler({ trustedKeyUrlPrefixes: [`${endpoint}/`] }, (payload) => {
    callbacks.push({ body: payload.body, variables: payload.variables });
    const v = (payload.variables ?? {}) as Record<string, string>;
    return { Status: 'OK', stored: v.object, size: Number(v.size), mimeType: v.mimeType, user: v.user };
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(PAGE) });
      res.end(PAGE);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/policy') {
      sendJson(res, 200, policyFor(url.searchParams.get('user') ?? 'anonymous'));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/callback') {
      onCallback(req, res);
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;

  /** A policy valid for 10 minutes: this bucket, keys under uploads/, a size limit, and the callback. */
  function policyFor(user: string) {
    const callback = Buffer.from(
      JSON.stringify({
        callbackUrl: `${origin}/callback`,
        callbackBody: 'bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&user=${x:user}',
        callbackBodyType: 'application/x-www-form-urlencoded',
      }),
    ).toString('base64');
    const policy = {
      expiration: new Date(Date.now() + 10 * 60_000).toISOString(),
      conditions: [
        { bucket: o.bucket },
        ['starts-with', '$key', 'uploads/'],
        ['content-length-range', 0, o.maxBytes ?? 10 * 1024 * 1024],
        { callback },
      ],
    };
    const signed = client.calculatePostSignature(policy) as {
      OSSAccessKeyId: string;
      Signature: string;
      policy: string;
    };
    return {
      // Path-style URL of the bucket on ossd: the browser POSTs the form there.
      action: `${endpoint}/${o.bucket}/`,
      fields: {
        key: 'uploads/${filename}',
        OSSAccessKeyId: signed.OSSAccessKeyId,
        policy: signed.policy,
        Signature: signed.Signature,
        callback,
        'x:user': user,
        success_action_status: '200',
      },
    };
  }

  // The bucket must exist and let this page's origin POST to it and read the answer.
  await client.putBucket(o.bucket).catch((e: { code?: string }) => {
    if (e.code !== 'BucketAlreadyExists') throw e;
  });
  await client.putBucketCORS(o.bucket, [
    {
      allowedOrigin: [origin, `http://localhost:${port}`],
      allowedMethod: ['GET', 'POST', 'PUT', 'HEAD'],
      allowedHeader: '*',
      exposeHeader: ['ETag', 'x-oss-request-id'],
      maxAgeSeconds: '600',
    },
  ]);

  return {
    url: origin,
    port,
    callbacks,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
