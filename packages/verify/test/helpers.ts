import { type KeyObject, sign } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The callback signed by the real OSS (shared/spec/vectors.md). */
export const REAL = {
  target: '/index.php?id=1&index=2',
  body: 'bucket=yonghu-test',
  authorization: 'kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==',
  keyUrlHttp: 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
  keyUrlHttpB64: 'aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ==',
  keyUrlHttps: 'https://gosspublic.alicdn.com/callback_pub_key_v1.pem',
  keyUrlHttpsB64: 'aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=',
  pem: `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`,
} as const;

export const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Signs like an OSS server: md5-RSA over decoded path + raw query + "\n" + body. Independent of the verifier. */
export function signCallback(privateKey: KeyObject, target: string, body: string | Buffer): string {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  const data = Buffer.concat([Buffer.from(decodeURIComponent(path) + query + '\n'), Buffer.from(body)]);
  return sign('md5', data, privateKey).toString('base64');
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A key server on loopback that counts requests. */
export async function startKeyServer(
  pem: string,
): Promise<{ base: string; hits: () => number; setPem(p: string): void; server: Server }> {
  let hits = 0;
  let current = pem;
  const listener: RequestListener = (req, res) => {
    hits++;
    if (req.url === '/callback_pub_key_v1.pem') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      res.end(current);
    } else if (req.url === '/redirect.pem') {
      res.writeHead(302, { location: '/callback_pub_key_v1.pem' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  };
  const server = createServer(listener);
  const base = await listen(server);
  return { base, hits: () => hits, setPem: (p) => (current = p), server };
}

/** A fetch that serves `pem` for `url` and records calls. */
export function fakeFetch(routes: Record<string, string>): {
  fetch: (url: string) => Promise<Response>;
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (url: string) => {
      calls.push(url);
      const pem = routes[url];
      return pem === undefined ? new Response('not found', { status: 404 }) : new Response(pem);
    },
  };
}

/** Keys shared by the adapter tests (one key pair per process). */
let adapterKeys: { privateKey: KeyObject; publicPem: string } | undefined;
export async function getAdapterKeys(): Promise<{ privateKey: KeyObject; publicPem: string }> {
  if (!adapterKeys) {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    adapterKeys = { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }
  return adapterKeys;
}

/** A Unicode path (as sent, percent-encoded) and a form body with Unicode values. */
export const UNICODE_TARGET = '/oss/%E5%9B%9E%E8%B0%83?from=%E4%B8%8A%E4%BC%A0&n=1';
export const UNICODE_BODY =
  'bucket=examplebucket&object=%E7%9B%AE%E5%BD%95%2F%F0%9F%98%80.txt&var1=%C3%BCber&var2=value2';
export const UNICODE_VARIABLES = {
  bucket: 'examplebucket',
  object: '目录/😀.txt',
  var1: 'über',
  var2: 'value2',
};

/** POSTs a callback signed with `privateKey`; `tamper` changes one body byte after signing. */
export async function postCallback(
  base: string,
  privateKey: KeyObject,
  options: { target?: string; body?: string; tamper?: boolean; keyUrl?: string; contentType?: string } = {},
): Promise<{ status: number; json: unknown; contentLength: string | null }> {
  const target = options.target ?? UNICODE_TARGET;
  const body = options.body ?? UNICODE_BODY;
  const authorization = signCallback(privateKey, target, body);
  const sent = options.tamper ? body.replace('value2', 'value3') : body;
  const response = await fetch(base + target, {
    method: 'POST',
    headers: {
      authorization,
      'x-oss-pub-key-url': b64(options.keyUrl ?? 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem'),
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    },
    body: sent,
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text), contentLength: response.headers.get('content-length') };
}
