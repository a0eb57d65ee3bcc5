/**
 * `ossd relay --endpoint URL --to LOCAL_URL`: receives the callbacks a shared ossd addresses to
 * `http://NAME.<relay domain>/…` over an outbound long poll (plain HTTP requests: it passes proxies —
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY are honoured — and needs no public address), POSTs each to the local
 * server and posts the local server's reply back. Prints each delivery as it passes.
 */
import { randomBytes } from 'node:crypto';
import { loadUndici } from '../callback/undici.js';

type Values = Record<string, unknown>;

interface Delivery {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  bucket: string;
  key: string;
}

export interface RelayOptions {
  endpoint: string;
  to: string;
  name: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Long-poll wait the server is asked for (ms). */
  waitMs?: number;
  /** Per local request (ms). */
  localTimeoutMs?: number;
  print?: (line: string) => void;
  /** Stops the relay (its open poll is abandoned). */
  signal?: AbortSignal;
}

/** Request headers not forwarded to the local server (undici sets its own framing). */
const HOP_BY_HOP = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);
/** Consecutive failed polls before giving up (with backoff up to 10 s: several minutes of outage). */
const MAX_FAILED_POLLS = 60;
const MAX_LOCAL_REPLY_BYTES = 4 * 1024 * 1024;

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export async function runRelay(values: Values): Promise<number> {
  const endpoint = str(values.endpoint) ?? process.env.OSSD_ENDPOINT;
  const to = str(values.to);
  const accessKeyId = str(values['access-key-id']) ?? process.env.OSSD_ACCESS_KEY_ID;
  const accessKeySecret = str(values['access-key-secret']) ?? process.env.OSSD_ACCESS_KEY_SECRET;
  if (!endpoint || !to || !accessKeyId || !accessKeySecret) {
    process.stderr.write(
      'usage: ossd relay --endpoint URL --to LOCAL_URL [--name NAME]\n' +
        '  credentials: --access-key-id/--access-key-secret or OSSD_ACCESS_KEY_ID/OSSD_ACCESS_KEY_SECRET;\n' +
        '  endpoint also from OSSD_ENDPOINT\n',
    );
    return 2;
  }
  const name = (str(values.name) ?? `dev-${randomBytes(4).toString('hex')}`).toLowerCase();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await relay({ endpoint, to, name, accessKeyId, accessKeySecret, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs until `signal` aborts (0), the server refuses the relay (1), or the server stays unreachable (1). */
export async function relay(o: RelayOptions): Promise<number> {
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { request, EnvHttpProxyAgent, Agent } = await loadUndici();
  const upstream = new EnvHttpProxyAgent();
  const local = new Agent({ keepAliveTimeout: 10_000 });
  const base = o.endpoint.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${o.accessKeyId}:${o.accessKeySecret}`).toString('base64')}`;
  const relayPath = `${base}/-/admin/relay/${encodeURIComponent(o.name)}`;
  const localBase = o.to.replace(/\/+$/, '');
  const inFlight = new Set<Promise<void>>();

  const handle = async (d: Delivery): Promise<void> => {
    const started = performance.now();
    let reply: { status: number; headers: Record<string, string>; body: string } | { error: string };
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
      if (d.headers.host) headers['x-forwarded-host'] = d.headers.host;
      const res = await request(`${localBase}${d.path}`, {
        method: 'POST',
        headers,
        body: Buffer.from(d.body, 'base64'),
        dispatcher: local,
        signal: o.signal,
        headersTimeout: o.localTimeoutMs ?? 30_000,
        bodyTimeout: o.localTimeoutMs ?? 30_000,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of res.body) {
        size += (c as Buffer).length;
        if (size > MAX_LOCAL_REPLY_BYTES) {
          res.body.destroy();
          break;
        }
        chunks.push(c as Buffer);
      }
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      reply = { status: res.statusCode, headers: flat, body: Buffer.concat(chunks).toString('base64') };
    } catch (err) {
      reply = { error: (err as Error).message || 'local server unreachable' };
    }
    const ms = Math.round(performance.now() - started);
    const outcome = 'error' in reply ? `local server unreachable (${reply.error})` : `${reply.status}`;
    print(`${new Date().toISOString()} ${d.bucket}/${d.key} → POST ${d.path} ← ${outcome} ${ms} ms`);
    try {
      const res = await request(`${relayPath}/replies/${d.id}`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(reply),
        dispatcher: upstream,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) print(`  reply not taken (${res.statusCode}): ${text.slice(0, 200)}`);
    } catch (err) {
      print(`  reply not delivered: ${(err as Error).message}`);
    }
  };

  let failures = 0;
  let announced = false;
  try {
    while (!o.signal?.aborted) {
      let status: number;
      let text: string;
      try {
        // The first poll answers at once: the relay is registered and announced without waiting.
        const res = await request(`${relayPath}/poll?wait=${announced ? (o.waitMs ?? 25_000) : 0}`, {
          headers: { authorization: auth },
          dispatcher: upstream,
          signal: o.signal,
          headersTimeout: (o.waitMs ?? 25_000) + 15_000,
        });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        if (o.signal?.aborted) break;
        failures++;
        if (failures >= MAX_FAILED_POLLS) {
          print(`giving up: ${o.endpoint} unreachable (${(err as Error).message})`);
          return 1;
        }
        print(`cannot reach ${o.endpoint}: ${(err as Error).message}; retrying`);
        await pause(Math.min(10_000, 500 * 2 ** Math.min(failures, 5)), o.signal);
        continue;
      }
      if (status >= 500 && status !== 501) {
        // The server is shutting down or overloaded: as unreachable, retried with backoff.
        failures++;
        if (failures >= MAX_FAILED_POLLS) {
          print(`giving up: ${o.endpoint} answers ${status}`);
          return 1;
        }
        print(`${o.endpoint} answers ${status}; retrying`);
        await pause(Math.min(10_000, 500 * 2 ** Math.min(failures, 5)), o.signal);
        continue;
      }
      if (status !== 200) {
        print(`relay refused (${status}): ${text.slice(0, 300)}`);
        return 1;
      }
      failures = 0;
      const body = JSON.parse(text) as { deliveries: Delivery[]; address: string };
      if (!announced) {
        announced = true;
        print(`relaying callbacks for ${body.address}/… → ${localBase}/… (Ctrl-C to stop)`);
      }
      for (const d of body.deliveries) {
        const p = handle(d);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
    }
    return 0;
  } finally {
    await Promise.all([...inFlight]);
    // Say goodbye, so that callbacks to this relay fail at once rather than when they time out.
    await request(relayPath, {
      method: 'DELETE',
      headers: { authorization: auth },
      dispatcher: upstream,
      headersTimeout: 3000,
      bodyTimeout: 3000,
    }).then(
      (res) => res.body.dump(),
      () => {},
    );
    await upstream.close().catch(() => {});
    await local.close().catch(() => {});
  }
}
