import type { IncomingMessage, ServerResponse } from 'node:http';
import { RELAY_NAME, type RelayReply, RelayUnavailableError } from '../callback/relay-hub.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';

/** `/-/admin/relay/NAME/poll` and `/-/admin/relay/NAME/replies/ID`. */
export const RELAY_PATH = /^\/-\/admin\/relay\/([^/]+)(?:\/(poll|replies\/([0-9a-f]{1,32})))?$/;
const DEFAULT_WAIT_MS = 25_000;
const MAX_WAIT_MS = 60_000;

async function readReply(req: IncomingMessage, maxBytes: number): Promise<RelayReply | Error> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw new OssError('InvalidArgument', { message: `The body exceeds ${maxBytes} bytes.` });
    chunks.push(c as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new OssError('InvalidArgument', { message: 'The body is not valid JSON.' });
  }
  const b = body as { status?: unknown; headers?: unknown; body?: unknown; error?: unknown };
  if (typeof b.error === 'string') return new RelayUnavailableError(`local server: ${b.error.slice(0, 200)}`);
  const headers: Record<string, string> = {};
  if (b.headers && typeof b.headers === 'object') {
    for (const [k, v] of Object.entries(b.headers as Record<string, unknown>)) {
      if (typeof v === 'string') headers[k.toLowerCase()] = v;
    }
  }
  if (typeof b.status !== 'number' || !Number.isInteger(b.status) || typeof b.body !== 'string') {
    throw new OssError('InvalidArgument', { message: 'A reply is { status, headers, body (base64) } or { error }.' });
  }
  return { status: b.status, headers, body: Buffer.from(b.body, 'base64') };
}

/**
 * The local relay's side of the protocol (JSON, Basic credentials of a permanent access key; the relay
 * belongs to the key's account):
 *   GET  /-/admin/relay/NAME/poll?wait=MS      → { deliveries: [{ id, method, path, headers, body, bucket, key }] }
 *        (long poll: answers as soon as a callback is waiting, else empty after `wait` ms, default 25000)
 *   POST /-/admin/relay/NAME/replies/ID        { status, headers, body (base64) } | { error } → { ok: true }
 *   DELETE /-/admin/relay/NAME                 → { disconnected } (callbacks to it fail at once from now on)
 */
export async function handleRelayAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  m: RegExpExecArray,
  q: Map<string, string>,
  key: AccessKey,
  s: Services,
): Promise<{ status: number; body: unknown }> {
  const name = m[1].toLowerCase();
  const hub = s.callbacks.relay;
  if (!hub.domain) return { status: 404, body: { code: 'RelayDisabled', message: 'Relays are off on this server.' } };
  if (!RELAY_NAME.test(name)) {
    throw new OssError('InvalidArgument', { message: 'A relay name is a DNS label: a-z, 0-9 and -, at most 63.' });
  }
  const method = req.method ?? 'GET';
  if (m[2] === 'poll' && method === 'GET') {
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, Number(q.get('wait') ?? DEFAULT_WAIT_MS) || 0));
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    res.once('close', onClose);
    const r = await hub.poll(name, key.accountId, wait, gone.signal);
    if (r === 'taken') {
      return { status: 409, body: { code: 'RelayNameTaken', message: `Relay ${name} is held by another account.` } };
    }
    if (r === 'closing') {
      res.setHeader('connection', 'close');
      return { status: 503, body: { code: 'ServiceUnavailable', message: 'The server is shutting down.' } };
    }
    if (r === 'full') return { status: 503, body: { code: 'TooManyRelays', message: 'Too many relays connected.' } };
    return { status: 200, body: { deliveries: r, address: `http://${name}.${hub.domain}` } };
  }
  if (m[2] === undefined && method === 'DELETE') {
    return { status: 200, body: { disconnected: hub.disconnect(name, key.accountId) } };
  }
  if (m[3] !== undefined && method === 'POST') {
    const reply = await readReply(req, 2 * s.config.callback.maxResponseBytes + 64 * 1024);
    if (!hub.reply(name, key.accountId, m[3], reply)) {
      return { status: 404, body: { code: 'NoSuchDelivery', message: 'No callback waits for this reply.' } };
    }
    return { status: 200, body: { ok: true } };
  }
  throw new OssError('MethodNotAllowed', { message: `No relay operation ${method} ${m[0]}` });
}
