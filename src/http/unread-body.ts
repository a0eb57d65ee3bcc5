import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** A body left unread when the response starts is drained if its declared length is at most this… */
export const DRAIN_MAX_BYTES = 4 * 1024 * 1024;
/** …and it arrives within this long after; otherwise the connection is closed. */
export const DRAIN_MAX_MS = 10_000;

function closing(res: ServerResponse): boolean {
  return String(res.getHeader('connection') ?? '').toLowerCase() === 'close';
}

/**
 * Called just before a response's head is written. When the request body is not fully read (the
 * handler failed or answered early), the connection must not be left waiting on bytes nobody reads:
 * a small declared body still on its way is drained (bounded in size and time) so the connection
 * stays usable; anything else (chunked, large, or a body stream already torn down) is answered with
 * `Connection: close`, and Node closes the socket once the response is written.
 */
export function settleUnreadBody(res: ServerResponse): void {
  const req = res.req as IncomingMessage | undefined;
  if (!req || req.complete) return;
  if (!closing(res)) {
    const declared = Number(req.headers['content-length']);
    const drainable =
      !req.destroyed &&
      req.headers['transfer-encoding'] === undefined &&
      Number.isSafeInteger(declared) &&
      declared <= DRAIN_MAX_BYTES;
    if (drainable) {
      const socket = res.socket;
      const timer = setTimeout(() => socket?.destroy(), DRAIN_MAX_MS);
      timer.unref();
      const stop = () => clearTimeout(timer);
      req.once('end', stop);
      req.once('close', stop);
      req.resume();
      return;
    }
    res.setHeader('connection', 'close');
  }
  if (res.socket) lingerBeforeClose(res.socket);
  // Node does not abort a request whose response has finished when its socket then closes: a reader
  // still waiting on the body (the idle timeout answers while one is) would wait forever.
  res.once('close', () => {
    if (!req.complete && !req.destroyed) req.destroy();
  });
}

/**
 * A closing connection keeps reading (and discarding) what the client still sends while bytes keep coming
 * (at most LINGER_IDLE_MS apart) and for at most LINGER_MAX_MS in all — nginx's lingering_timeout and
 * lingering_time.
 */
export const LINGER_IDLE_MS = 5_000;
export const LINGER_MAX_MS = 30_000;

/**
 * A lingering close (RFC 9112 §9.6): Node ends a `Connection: close` response's socket and destroys it at
 * once, and bytes the client is still sending (the rest of a refused upload) then make the kernel answer
 * with a reset, which can discard the response before the client has read it — seen through proxies and
 * load balancers. Instead the write side is closed after the response, what still arrives is discarded,
 * and the socket is destroyed when the client closes its side, when it stops sending for LINGER_IDLE_MS,
 * or after LINGER_MAX_MS.
 */
function lingerBeforeClose(socket: Socket): void {
  if (socket.destroySoon !== Socket.prototype.destroySoon) return; // already lingering
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const done = () => socket.destroy();
    const max = setTimeout(done, LINGER_MAX_MS);
    let idle = setTimeout(done, LINGER_IDLE_MS);
    max.unref();
    idle.unref();
    socket.on('data', () => {
      clearTimeout(idle);
      idle = setTimeout(done, LINGER_IDLE_MS);
      idle.unref();
    });
    socket.once('close', () => {
      clearTimeout(max);
      clearTimeout(idle);
    });
    socket.once('end', done);
  };
}

/**
 * Calls `onIdle` once if the request declares a body and no byte arrives on its connection for `ms`
 * before the body is complete (or the response has ended). `ms` ≤ 0 disables the watch.
 */
export function watchBodyIdle(req: IncomingMessage, res: ServerResponse, ms: number, onIdle: () => void): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (ms <= 0 || !hasBody || req.complete) return;
  const socket = req.socket;
  let seen = socket.bytesRead;
  let lastActivity = Date.now();
  const timer = setInterval(
    () => {
      if (req.complete || socket.destroyed) return stop();
      if (socket.bytesRead !== seen) {
        seen = socket.bytesRead;
        lastActivity = Date.now();
      } else if (Date.now() - lastActivity >= ms) {
        stop();
        onIdle();
      }
    },
    Math.max(10, Math.min(1000, Math.floor(ms / 4))),
  );
  timer.unref();
  const stop = () => clearInterval(timer);
  req.once('end', stop);
  res.once('close', stop);
}
