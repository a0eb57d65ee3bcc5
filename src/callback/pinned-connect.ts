/**
 * An undici connector that connects to one already-checked address (no second DNS lookup, so a name
 * cannot re-resolve to a refused address between check and connect), with certificate verification on.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { buildConnector } from 'undici';

export interface PinnedConnectOptions {
  /** The address resolveChecked returned. */
  address: string;
  port: number;
  https: boolean;
  /** The name the certificate must match (and the SNI sent when `sni`). */
  tlsName: string;
  /** Send TLS SNI (callbackSNI). Never sent for IP literals. */
  sni: boolean;
  /** Extra trusted CAs; the system store is used otherwise. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Aborting destroys a connection still being set up. */
  signal?: AbortSignal;
  /** A connection not set up within this many ms is destroyed (pooled connections, which outlive one attempt). */
  connectTimeoutMs?: number;
}

export function pinnedConnector(o: PinnedConnectOptions): buildConnector.connector {
  return (_undiciOptions, callback) => {
    let socket: Socket;
    if (o.https) {
      socket = tlsConnect({
        host: o.address,
        port: o.port,
        servername: o.sni && o.tlsName !== '' && isIP(o.tlsName) === 0 ? o.tlsName : undefined,
        ALPNProtocols: ['http/1.1'],
        ca: o.ca,
        checkServerIdentity: (_host, cert) => checkServerIdentity(o.tlsName, cert),
      });
    } else {
      socket = netConnect({ host: o.address, port: o.port });
    }
    let done = false;
    const onAbort = () => socket.destroy(new Error('callback timeout'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = o.connectTimeoutMs === undefined ? undefined : setTimeout(onAbort, o.connectTimeoutMs).unref();
    socket.once('close', () => {
      o.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    });
    socket.once(o.https ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (done) return;
      done = true;
      socket.setNoDelay(true);
      callback(null, socket);
    });
    socket.once('error', (err) => {
      if (done) return;
      done = true;
      callback(err, null);
    });
  };
}
