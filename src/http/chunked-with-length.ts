import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * Requests carrying both `Content-Length` and `Transfer-Encoding: chunked` (ali-oss `put(name, stream,
 * { headers: { 'Content-Length': n } })` sends that). Node's strict parser rejects them with a bare 400;
 * OSS accepts them. RFC 9112 §6.3: chunked framing wins, and the server closes the connection after
 * responding. The parser stays strict: on exactly that parse error, and only when the failing read
 * provably starts at the request line, the connection is handed to a new parser through a small relay
 * that removes the Content-Length lines from that one header block. The request is served with chunked
 * framing, answered with `Connection: close`, and nothing after it on the connection is processed.
 */

const CONFLICT_CODES = new Set(['HPE_INVALID_TRANSFER_ENCODING', 'HPE_INVALID_CONTENT_LENGTH']);
/** llhttp's reason for exactly this conflict (the codes above also cover other malformed framing). */
const CONFLICT_REASON = /can't be present with/;
const REQUEST_LINE = /^(?:PUT|POST) [!-~]+ HTTP\/1\.1\r\n/;
const HEAD_END = Buffer.from('\r\n\r\n');

interface ParserLike {
  _consumed?: boolean;
  unconsume?: () => void;
  remove?: () => void;
}
type ServerSocket = Socket & { parser?: ParserLike | null; _httpMessage?: unknown };

/** Relays a taken-over socket to a new HTTP parser, starting with a rewritten header block. */
class RelaySocket extends Duplex {
  private received = 0;
  constructor(
    readonly inner: Socket,
    first: Buffer,
  ) {
    super({ allowHalfOpen: false });
    this.received = first.length;
    this.push(first);
    inner.on('data', (d: Buffer) => {
      this.received += d.length;
      if (!this.push(d)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (e) => this.destroy(e));
    inner.on('close', () => this.destroy());
    inner.on('timeout', () => this.emit('timeout'));
    inner.resume();
  }
  override _read(): void {
    this.inner.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.inner.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end(cb);
  }
  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
  get bytesRead(): number {
    return this.received;
  }
  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.inner.remotePort;
  }
  get localAddress(): string | undefined {
    return this.inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.inner.localPort;
  }
  get encrypted(): boolean {
    return (this.inner as Socket & { encrypted?: boolean }).encrypted === true;
  }
  setTimeout(ms: number, cb?: () => void): this {
    this.inner.setTimeout(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }
}

/**
 * The header block with its Content-Length lines removed, when it has exactly one Transfer-Encoding
 * line whose value is `chunked` and at least one Content-Length line; otherwise undefined.
 */
export function stripContentLength(head: string): string | undefined {
  const lines = head.split('\r\n');
  let te = 0;
  let cl = 0;
  const kept = [lines[0]];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    if (name === 'content-length') {
      cl++;
      continue;
    }
    if (name === 'transfer-encoding') {
      te++;
      if (
        line
          .slice(colon + 1)
          .trim()
          .toLowerCase() !== 'chunked'
      )
        return undefined;
    }
    kept.push(line);
  }
  return te === 1 && cl > 0 ? kept.join('\r\n') : undefined;
}

/** What Node answers on a parse error when nobody handles 'clientError' (kept for every other error). */
function defaultClientError(err: NodeJS.ErrnoException, socket: ServerSocket): void {
  const res = socket._httpMessage as ServerResponse | undefined;
  if (socket.writable && !res?.headersSent) {
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? '413 Payload Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy(err);
}

/** Installs the takeover on `server`; `track` must be called for every request (see trackRequest). */
export function acceptChunkedWithLength(server: Server): {
  /** Per request: records framing facts; returns false when the request must not be processed. */
  trackRequest(req: IncomingMessage, res: ServerResponse): boolean;
} {
  // socket → socket.bytesRead when its last response finished with its request fully read; -1 when the
  // request was not fully read then (its end may share a read with whatever comes next).
  const boundary = new WeakMap<Socket, number>();
  const relays = new WeakMap<Duplex, { served: boolean }>();

  const takeOver = (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: ServerSocket): boolean => {
    const raw = err.rawPacket;
    if (!CONFLICT_CODES.has(err.code ?? '') || !CONFLICT_REASON.test(err.message)) return false;
    if (!Buffer.isBuffer(raw) || socket._httpMessage) return false;
    // The failing read must start exactly where the previous request ended (or at the connection's start).
    if (socket.bytesRead - raw.length !== (boundary.get(socket) ?? 0)) return false;
    const headEnd = raw.indexOf(HEAD_END);
    if (headEnd < 0) return false;
    const head = raw.subarray(0, headEnd).toString('latin1');
    if (!REQUEST_LINE.test(`${head}\r\n`)) return false;
    const stripped = stripContentLength(head);
    if (stripped === undefined) return false;
    const parser = socket.parser;
    if (parser?._consumed) parser.unconsume?.();
    if (parser) parser._consumed = false;
    parser?.remove?.();
    socket.parser = null;
    for (const ev of ['data', 'end', 'close', 'drain', 'timeout', 'resume', 'pause', 'error']) {
      socket.removeAllListeners(ev);
    }
    socket.on('error', () => {});
    const relay = new RelaySocket(socket, Buffer.concat([Buffer.from(stripped, 'latin1'), raw.subarray(headEnd)]));
    relays.set(relay, { served: false });
    server.emit(server instanceof HttpsServer ? 'secureConnection' : 'connection', relay);
    return true;
  };

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!takeOver(err, socket as ServerSocket)) defaultClientError(err, socket as ServerSocket);
  });

  return {
    trackRequest(req, res) {
      const socket = req.socket;
      const relay = relays.get(socket as unknown as Duplex);
      if (relay) {
        if (relay.served) return false; // bytes after the chunked body: never a request of its own
        relay.served = true;
        res.setHeader('connection', 'close');
        return true;
      }
      res.once('finish', () => {
        if (!socket.destroyed) boundary.set(socket, req.complete ? socket.bytesRead : -1);
      });
      return true;
    },
  };
}
