import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { aliOssBrowserSdk, DIST_DIR, ensureBundle } from './bundle.js';

export const CONSOLE_PREFIX = '/-/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

function sendText(res: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text);
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

/** The file a console path names: only plain names inside web/dist, plus the ali-oss browser SDK. */
function resolveFile(rel: string, dist: string): string | undefined {
  if (rel === '' || rel === 'index.html') return path.join(dist, 'index.html');
  if (rel === 'vendor/aliyun-oss-sdk.min.js') return aliOssBrowserSdk();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(rel)) return undefined;
  return path.join(dist, rel);
}

/** GET/HEAD of /-/console/…: the bundled UI (built on first use when missing). */
export async function serveConsoleFile(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  dist = DIST_DIR,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
  try {
    await ensureBundle(dist);
  } catch (err) {
    return sendText(res, 500, `${(err as Error).message}\nRun: npm run build:console`);
  }
  const file = resolveFile(pathname.slice(CONSOLE_PREFIX.length), dist);
  let size: number;
  try {
    if (!file) throw new Error('not found');
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not found');
    size = st.size;
  } catch {
    return sendText(res, 404, 'Not found');
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  if (method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}
