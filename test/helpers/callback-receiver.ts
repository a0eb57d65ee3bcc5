/**
 * A real application server for callback tests: listens on 127.0.0.1 port 0, records every request
 * (method, url, headers, raw body) and answers as the test tells it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Request target exactly as received (path + query). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Header names and values in wire order and case. */
  rawHeaders: string[];
  body: Buffer;
  receivedAt: number;
}

export type ReceiverBehaviour =
  /** 200 (or `status`) with a JSON body and Content-Length. Default: `{"Status":"OK"}`. */
  | { kind: 'json'; body?: unknown; status?: number; headers?: Record<string, string> }
  /** Any status with a (non-JSON by default) text body. */
  | { kind: 'status'; status: number; body?: string }
  /** 200 with a body that is not JSON. */
  | { kind: 'text'; body: string; status?: number }
  /** 200 with a JSON body of about `bytes` bytes, with Content-Length (or without, if `chunked`). */
  | { kind: 'huge'; bytes: number; chunked?: boolean }
  /** 200 with a JSON body sent chunked (no Content-Length). */
  | { kind: 'chunked'; body?: string }
  /** Declares a Content-Length (e.g. larger than the cap) but sends the given body. */
  | { kind: 'lie'; contentLength: number; body: string }
  /** Waits `delayMs` (after reading the body), then behaves as `then` (default json). */
  | { kind: 'slow'; delayMs: number; then?: ReceiverBehaviour }
  /** Reads the request and never answers. */
  | { kind: 'hang' }
  /** A redirect to `location`. */
  | { kind: 'redirect'; location: string; status?: number }
  /** Resets the connection (TCP RST) after reading the request. */
  | { kind: 'reset' }
  /** Full control. */
  | { kind: 'custom'; handle: (req: ReceivedRequest, res: ServerResponse) => void };

export interface CallbackReceiver {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  setBehaviour(b: ReceiverBehaviour): void;
  /** Resolves when at least `n` requests have been received (rejects after `timeoutMs`). */
  waitForRequests(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length, ...headers });
  res.end(data);
}

function respond(b: ReceiverBehaviour, req: ReceivedRequest, res: ServerResponse, socket: Socket): void {
  switch (b.kind) {
    case 'json':
      sendJson(res, b.status ?? 200, b.body === undefined ? { Status: 'OK' } : b.body, b.headers);
      return;
    case 'status': {
      const data = Buffer.from(b.body ?? `status ${b.status}`);
      res.writeHead(b.status, { 'content-type': 'text/plain', 'content-length': data.length });
      res.end(data);
      return;
    }
    case 'text': {
      const data = Buffer.from(b.body);
      res.writeHead(b.status ?? 200, { 'content-type': 'text/plain', 'content-length': data.length });
      res.end(data);
      return;
    }
    case 'huge': {
      const data = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, b.bytes - 10)) }));
      res.writeHead(
        200,
        b.chunked
          ? { 'content-type': 'application/json' }
          : { 'content-type': 'application/json', 'content-length': data.length },
      );
      res.end(data);
      return;
    }
    case 'chunked':
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.end(b.body ?? '{"Status":"OK"}');
      return;
    case 'lie':
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${b.contentLength}\r\nconnection: close\r\n\r\n${b.body}`,
      );
      socket.end();
      return;
    case 'slow': {
      const timer = setTimeout(() => respond(b.then ?? { kind: 'json' }, req, res, socket), b.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'hang':
      return;
    case 'redirect':
      res.writeHead(b.status ?? 302, { location: b.location, 'content-length': 0 });
      res.end();
      return;
    case 'reset':
      socket.resetAndDestroy();
      return;
    case 'custom':
      b.handle(req, res);
      return;
  }
}

export async function startCallbackReceiver(
  behaviour: ReceiverBehaviour = { kind: 'json' },
): Promise<CallbackReceiver> {
  let current = behaviour;
  const requests: ReceivedRequest[] = [];
  const waiters: { n: number; resolve: (r: ReceivedRequest[]) => void }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        receivedAt: Date.now(),
      };
      requests.push(received);
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(requests.slice());
      }
      respond(current, received, res, req.socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setBehaviour(b) {
      current = b;
    },
    waitForRequests(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${n} callback requests, got ${requests.length}`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
