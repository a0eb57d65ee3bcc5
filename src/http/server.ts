import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { HANDLERS } from '../api/index.js';
import { checkAccess, enforceReferer, newRequester } from '../auth/access.js';
import { authenticate } from '../auth/authenticate.js';
import type { HeaderBag } from '../auth/signature-v1.js';
import { policyRequestsOf } from '../auth/sts.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { ObjectAcl } from '../storage/types.js';
import { handleAdmin } from './admin.js';
import { acceptChunkedWithLength } from './chunked-with-length.js';
import { headerText, type OssResponse, type RequestContext } from './context.js';
import { applyCorsHeaders } from './cors.js';
import { OPERATIONS } from './operations.js';
import { newRequestId } from './request-id.js';
import { sendError, sendResponse, toOssError } from './respond.js';
import { resolveOperation, resolveTargets } from './router.js';
import { watchBodyIdle } from './unread-body.js';
import { validateBucketName, validateObjectKey } from './validate.js';
import { applyWebsite } from './website.js';

function parseQuery(raw: string): [string, string][] {
  if (!raw) return [];
  const out: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    out.push([decodeQ(k), decodeQ(v)]);
  }
  return out;
}

function decodeQ(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new OssError('InvalidArgument', { message: 'Malformed percent-encoding in the query string.' });
  }
}

function headerBag(req: IncomingMessage): HeaderBag {
  const bag: HeaderBag = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    bag[k] = headerText(Array.isArray(v) ? v.join(',') : v);
  }
  return bag;
}

export function clientIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

const domainCache = new WeakMap<Services['config'], string[]>();

/** `localhost`, the configured vhost domains and the advertised endpoint's host (spec §1); computed once. */
function vhostDomains(s: Services): string[] {
  const cached = domainCache.get(s.config);
  if (cached) return cached;
  const domains = ['localhost', ...s.config.vhostDomains.map((d) => d.toLowerCase())];
  if (s.config.publicEndpoint) {
    try {
      const host = new URL(s.config.publicEndpoint).hostname.toLowerCase();
      if (host && !domains.includes(host)) domains.push(host);
    } catch {
      // an unparsable endpoint adds no domain
    }
  }
  domainCache.set(s.config, domains);
  return domains;
}

/** ObjectSize of an access-log line: the object read, written, or sent whole. */
function objectSizeOf(ctx: RequestContext, status: number, res: ServerResponse): number | undefined {
  if (ctx.objectRead) return ctx.objectRead.object.size;
  if (status !== 200) return undefined;
  if (OPERATIONS[ctx.operation] === 'object-write' && ctx.bytesIn) return ctx.bytesIn;
  if (ctx.operation === 'GetObject' || ctx.operation === 'HeadObject') {
    const n = Number(res.getHeader('content-length'));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The request pipeline: route → authenticate → authorise → handler → response, one log line each. */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, s: Services): Promise<void> {
  const startedAt = performance.now();
  const requestId = newRequestId();
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('server', 'AliyunOSS');
  // No Date here: Node stamps it (whole seconds) when the head is written, so it is never earlier than
  // a Last-Modified set while a slow body was arriving.
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  const qi = rawUrl.indexOf('?');
  const rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
  const rawQuery = qi < 0 ? '' : rawUrl.slice(qi + 1);
  const hostId = (req.headers.host ?? 'localhost').replace(/:\d+$/, '');
  let operation = 'Unknown';
  let status = 500;
  let bytesOut = 0;
  let ctx: RequestContext | undefined;
  let errorCode: string | undefined;
  let timedOut: OssError | undefined;
  watchBodyIdle(req, res, s.config.bodyIdleTimeoutMs, () => {
    // The handler is still waiting for the body: answer for it and close the connection; its read
    // then fails on the closed socket and finds the response already sent.
    timedOut = new OssError('RequestTimeout');
    status = timedOut.status;
    res.setHeader('connection', 'close');
    bytesOut = sendError(res, method, timedOut, requestId, hostId);
  });
  try {
    if (rawPath.startsWith('/-/') || rawPath === '/callback_pub_key_v1.pem') {
      const done = await handleAdmin(req, res, rawPath, parseQuery(rawQuery), s);
      operation = done.operation;
      status = res.statusCode;
      return;
    }
    const query = parseQuery(rawQuery);
    const headers = headerBag(req);
    const targets = resolveTargets(req.headers.host, rawPath, vhostDomains(s));
    await applyCorsHeaders(req, res, s, targets[0].bucket);
    // PostObject authenticates with the signed policy in its form; OSS ignores header and URL signatures.
    const postTarget =
      method === 'POST' && !query.some(([k]) => k === 'delete')
        ? targets.find((t) => t.bucket !== undefined && t.key === '')
        : undefined;
    const auth = postTarget
      ? { principal: null, target: postTarget }
      : await authenticate(
          { method, headers, query, targets },
          { lookupKey: (id) => s.meta.getAccessKey(id), now: Date.now(), maxSkewMs: s.config.maxSkewMs },
        );
    const params = new Map(query);
    const target = auth.target;
    let op = resolveOperation(method, target, params, req.headers);
    operation = op;
    ctx = {
      req,
      requestId,
      startedAt,
      method,
      headers,
      query,
      params,
      bucket: target.bucket,
      key: target.key,
      operation: op,
      principal: auth.principal,
      requester: newRequester(s.meta, { req, headers, params, clientIp: clientIp(req), operation: op }, () =>
        ctx ? ctx.principal : auth.principal,
      ),
      clientIp: clientIp(req),
      hostId,
      bytesIn: 0,
    };
    let level = OPERATIONS[op];
    if (target.bucket !== undefined) {
      // PutBucketAcl on a missing bucket creates it (OSS), so it is named and authorised like PutBucket.
      const creates = op === 'PutBucket' || op === 'PutBucketAcl';
      validateBucketName(target.bucket, op === 'PutBucket');
      if (target.key !== '') validateObjectKey(target.key);
      ctx.bucketRecord = await s.meta.getBucket(target.bucket);
      if (!ctx.bucketRecord && !creates && op !== 'Options') {
        throw new OssError('NoSuchBucket', { ec: '0015-00000101', extra: { BucketName: target.bucket } });
      }
      if (!ctx.bucketRecord && creates) {
        validateBucketName(target.bucket, true);
        level = OPERATIONS.PutBucket;
      }
    }
    let early: OssResponse | undefined;
    if (ctx.principal === null && ctx.bucketRecord && (method === 'GET' || method === 'HEAD')) {
      early = (await applyWebsite(ctx, s, target.style)).response;
      op = ctx.operation;
      operation = op;
      level = OPERATIONS[op];
    }
    let objectAcl: ObjectAcl | undefined;
    if (
      (level === 'object-read' || level === 'object-write') &&
      ctx.bucketRecord &&
      ctx.principal?.accountId !== ctx.bucketRecord.owner
    ) {
      const versionId = ctx.params.get('versionId');
      if (versionId) {
        // The ACL of the version asked for (a delete marker has none: the bucket's decides).
        objectAcl = (await s.meta.getObjectVersion(ctx.bucketRecord.name, ctx.key, versionId))?.acl;
      } else if (op === 'GetObject') {
        if (ctx.objectRead === undefined)
          ctx.objectRead = (await s.meta.getObjectWithData(ctx.bucketRecord.name, ctx.key)) ?? null;
        objectAcl = ctx.objectRead?.object.acl;
      } else {
        objectAcl = (await s.meta.getObject(ctx.bucketRecord.name, ctx.key))?.acl;
      }
    }
    if (ctx.bucketRecord && target.key !== '' && op !== 'Options')
      await enforceReferer(ctx.requester, ctx.bucketRecord);
    await checkAccess(ctx.requester, {
      level,
      operation: op,
      bucket: ctx.bucketRecord,
      objectAcl,
      requests: policyRequestsOf(ctx),
    });
    const handler = HANDLERS[op];
    if (!handler) throw new OssError('NotImplemented', { message: `${op} is not implemented by ossd.` });
    const response = early ?? (await handler(ctx, s));
    if (ctx.websiteStatus !== undefined && (response.status ?? 200) === 200) response.status = ctx.websiteStatus;
    status = response.status ?? 200;
    bytesOut = await sendResponse(res, method, response);
  } catch (err) {
    const e = timedOut ?? toOssError(err);
    status = e.status;
    errorCode = e.code;
    if (e.code === 'InternalError') s.logger.error({ err, requestId, operation }, 'internal error');
    if (e.code === 'InsufficientStorage') {
      s.metrics.diskFull.inc({ operation });
      s.logger.error(
        { err, requestId, operation, data: s.config.data },
        'disk full: write refused with 507; free space under the data directory',
      );
    }
    if (timedOut) return;
    if (e.code === 'ServiceUnavailable') s.logger.warn({ err, requestId, operation }, 'storage unavailable');
    bytesOut = sendError(res, method, e, requestId, hostId);
  } finally {
    const seconds = (performance.now() - startedAt) / 1000;
    s.metrics.requests.inc({ operation, status: String(status) });
    s.metrics.latency.observe({ operation }, seconds);
    if (ctx?.bytesIn) s.metrics.bytesIn.inc({ operation }, ctx.bytesIn);
    if (bytesOut) s.metrics.bytesOut.inc({ operation }, bytesOut);
    if (ctx?.bucketRecord && s.accessLog) {
      const p = ctx.principal;
      s.accessLog.record({
        bucket: ctx.bucketRecord.name,
        time: Date.now() - Math.round(seconds * 1000),
        remoteIp: ctx.clientIp,
        method,
        url: rawUrl,
        httpVersion: req.httpVersion,
        status,
        sentBytes: bytesOut,
        ms: Math.round(seconds * 1000),
        referer: ctx.headers.referer,
        userAgent: ctx.headers['user-agent'],
        host: req.headers.host,
        requestId,
        requester: p?.accountId,
        operation,
        key: ctx.key,
        objectSize: objectSizeOf(ctx, status, res),
        errorCode,
        requestLength: ctx.bytesIn,
        owner: ctx.bucketRecord.owner,
        accessKeyId: p?.accessKeyId,
      });
    }
    // Health probes arrive every few seconds from load balancers and orchestrators: debug, not info.
    s.logger[operation === 'Health' ? 'debug' : 'info'](
      {
        reqId: requestId,
        op: operation,
        method,
        bucket: ctx?.bucket,
        key: ctx?.key || undefined,
        status,
        bytesIn: ctx?.bytesIn ?? 0,
        bytesOut,
        ms: Math.round(seconds * 10000) / 10,
        ip: ctx?.clientIp ?? clientIp(req),
      },
      'request',
    );
  }
}

/** A request handler the listener runs: the OSS pipeline by default (the console adds its UI in front). */
export type RouteFn = (req: IncomingMessage, res: ServerResponse, s: Services) => Promise<void>;

/** An HTTP(S) listener (TLS when configured) running `route` for each request, with graceful shutdown. */
export function createServer(s: Services, route: RouteFn = handleRequest): Server {
  // Responses not yet finished, so that close() can tell their clients not to reuse the connection.
  const inFlight = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // A request that arrives on a kept-alive connection after close() is served, then the connection ends.
    if (!server.listening) res.shouldKeepAlive = false;
    if (!framing.trackRequest(req, res)) {
      s.logger.warn(
        { ip: clientIp(req) },
        'bytes after a Content-Length + chunked request ignored; connection closing',
      );
      return;
    }
    // Graceful shutdown: server.close() only closes connections idle at that moment, so a keep-alive
    // connection whose request was in flight would hold close() open for keepAliveTimeout. Close it
    // as soon as its response is done.
    res.once('finish', () => {
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    });
    route(req, res, s).catch((err) => {
      s.logger.error({ err }, 'unhandled request failure');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server =
    s.config.tlsCert && s.config.tlsKey
      ? createHttpsServer({ cert: readFileSync(s.config.tlsCert), key: readFileSync(s.config.tlsKey) }, handler)
      : createHttpServer(handler);
  // Graceful shutdown: a response still to be sent (an upload in progress) says `Connection: close`, and Node
  // ends its connection once the response is written. Without it the client would be told keep-alive, reuse
  // the connection for its next request and see it cut (socket hang up / premature close).
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    close(callback);
    return server;
  };
  const framing = acceptChunkedWithLength(server);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  // Beyond the cap Node closes a new connection at once, before reading from it.
  if (s.config.maxConnections > 0) server.maxConnections = s.config.maxConnections;
  server.on('drop', (d?: { remoteAddress?: string }) =>
    s.logger.warn(
      { ip: d?.remoteAddress, max: server.maxConnections },
      'connection refused: --max-connections reached',
    ),
  );
  return server;
}
