import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, handleRequest } from '../http/server.js';
import type { Services } from '../services.js';
import type { ConsoleAddress } from './address.js';
import { CONSOLE_PREFIX, serveConsoleFile } from './static.js';

/**
 * The console's own listener: the UI under /-/console/, `/` redirected to it when a browser opens it,
 * and every other request (OSS API, admin API) handed to the same pipeline as the main port, so the
 * page talks to both same-origin.
 */
export function createConsoleServer(s: Services): Server {
  return createServer(s, route);
}

async function route(req: IncomingMessage, res: ServerResponse, s: Services): Promise<void> {
  const url = req.url ?? '/';
  const pathname = url.split('?', 1)[0];
  const method = req.method ?? 'GET';
  // A browser opening the console's origin; ListBuckets (GET / signed) goes to the pipeline.
  const browsing = (method === 'GET' || method === 'HEAD') && !req.headers.authorization && !url.includes('?');
  if ((pathname === '/' || pathname === '/-/console') && browsing) {
    res.writeHead(302, { location: CONSOLE_PREFIX, 'content-length': 0 });
    res.end();
    return;
  }
  if (pathname.startsWith(CONSOLE_PREFIX)) return serveConsoleFile(req, res, pathname);
  return handleRequest(req, res, s);
}

export interface RunningConsole {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `addr`. A busy derived address (port + 1 of the main one) only warns: ossd then runs
 * without a console. An explicit `--console-address` that cannot be bound fails the start.
 */
export async function startConsole(s: Services, addr: ConsoleAddress): Promise<RunningConsole | undefined> {
  const server = createConsoleServer(s);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => resolve());
    });
  } catch (err) {
    if (addr.explicit) throw err;
    s.logger.warn(
      { err: (err as Error).message, address: `${addr.host}:${addr.port}` },
      'console not started (set --console-address HOST:PORT or off)',
    );
    return undefined;
  }
  const port = (server.address() as AddressInfo).port;
  const scheme = s.config.tlsCert ? 'https' : 'http';
  const shown = addr.host === '0.0.0.0' || addr.host === '::' || addr.host === '127.0.0.1' ? 'localhost' : addr.host;
  const host = shown.includes(':') ? `[${shown}]` : shown;
  return {
    server,
    port,
    url: `${scheme}://${host}:${port}${CONSOLE_PREFIX}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
