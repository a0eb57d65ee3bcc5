import type { Services } from '../services.js';

/** A health probe gives up on a backend after this long. */
const PROBE_TIMEOUT_MS = 2000;

export interface BackendHealth {
  /** Where it lives (credentials removed). */
  store: string;
  ok: boolean;
  /** Round trip of the probe. */
  ms: number;
  error?: string;
}

export interface Health {
  /**
   * ok: both stores answer. degraded: the blob store does not (metadata-only requests still work, so the node
   * stays in a load balancer's pool). unavailable (HTTP 503): the metadata store does not answer.
   */
  status: 'ok' | 'degraded' | 'unavailable';
  metadata: BackendHealth;
  blobs: BackendHealth;
}

async function probe(store: string, ping: () => Promise<void>): Promise<BackendHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { store, ok: true, ms: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return {
      store,
      ok: false,
      ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** `/-/health`: each backend's reachability and latency, for load balancers and operators. */
export async function health(s: Services): Promise<Health> {
  const [metadata, blobs] = await Promise.all([
    probe(s.backends.metadata, () => s.meta.ping()),
    probe(s.backends.blobs, () => s.blobs.ping()),
  ]);
  return { status: !metadata.ok ? 'unavailable' : !blobs.ok ? 'degraded' : 'ok', metadata, blobs };
}
