import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lifecycleExpiryHook } from './api/object/notify.js';
import { ROOT_ACCOUNT_ID } from './auth/root-account.js';
import { ensureRootCredentials, type RootCredentials } from './auth/root-credentials.js';
import { openStorage, type Storage } from './backends.js';
import type { AddressPolicy } from './callback/address-policy.js';
import { type CallbackKeys, loadOrCreateCallbackKeys, loadOrCreateSharedCallbackKeys } from './callback/keys.js';
import { loadNotificationRules, Notifier } from './callback/notifier.js';
import { DeliveryQueueWorker } from './callback/queue-worker.js';
import { RelayHub } from './callback/relay-hub.js';
import { DEFAULT_NOTIFICATION_RETRY, loadRetryPolicy } from './callback/retry-policy.js';
import { CallbackService } from './callback/service.js';
import { effectiveCallbackPolicy } from './config/callback-policy.js';
import { type Config, parseAddress } from './config/config.js';
import { consoleAddressOf } from './console/address.js';
import { type RunningConsole, startConsole } from './console/server.js';
import { AccessLog } from './http/access-log.js';
import { createServer } from './http/server.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { type RunningMetricsListener, startMetricsListener } from './observability/metrics-listener.js';
import type { Services } from './services.js';
import { type Keyring, loadKeyring } from './storage/encryption.js';
import { collectOrphanBlobs, startBlobCollector } from './storage/gc.js';
import { startLifecycleWorker } from './storage/lifecycle.js';
import { parseInterval } from './storage/lifecycle-interval.js';
import { startUploadCollector } from './storage/multipart-gc.js';
import type { PeriodicJob } from './storage/periodic.js';

export { ensureRootCredentials, type RootCredentials, randomKeyId, randomSecret } from './auth/root-credentials.js';
export type { Storage } from './backends.js';
export { openStorage, ROOT_ACCOUNT_ID };

/** The callback sender, wired to this data directory's key and delivery log. */
export function buildCallbackService(
  config: Config,
  storage: Storage,
  keys: CallbackKeys,
  logger: Logger,
  endpoint: () => string,
): {
  service: CallbackService;
  policy: AddressPolicy;
  relay: RelayHub;
  queue: DeliveryQueueWorker;
  notifier: Notifier;
} {
  const { policy } = effectiveCallbackPolicy(config);
  const relay = new RelayHub(config.callback.relayDomain, async (b) => (await storage.meta.getBucket(b))?.owner);
  let queue: DeliveryQueueWorker | undefined;
  const service = new CallbackService(
    {
      timeoutMs: config.callback.timeoutMs,
      maxResponseBytes: config.callback.maxResponseBytes,
      maxInFlight: config.callback.maxInFlight,
      absentNumbersAsNull: config.callback.absentNumbersAsNull,
      policy,
      publicKeyUrl: config.callback.publicKeyUrl,
      signatureV2: config.callback.signatureV2,
    },
    {
      privateKey: keys.privateKey,
      deliveries: storage.deliveries,
      publicKeyUrl: () => `${endpoint()}/callback_pub_key_v1.pem`,
      logger,
      relay,
      retryPolicy: (bucket) => loadRetryPolicy(storage.meta, bucket),
      onQueued: (at) => queue?.poke(at),
    },
  );
  queue = new DeliveryQueueWorker(
    storage.deliveries,
    (d) => service.attemptQueued(d),
    {
      pollMs: config.callback.queuePollMs,
      claimMs: Math.max(60_000, config.callback.timeoutMs * 12),
    },
    logger,
  );
  const worker = queue;
  const notifier = new Notifier({
    deliveries: storage.deliveries,
    rules: (bucket) => loadNotificationRules(storage.meta, bucket),
    retryPolicy: async (bucket) => (await loadRetryPolicy(storage.meta, bucket)) ?? DEFAULT_NOTIFICATION_RETRY,
    region: config.region,
    onQueued: () => worker.poke(),
    logger,
  });
  return { service, policy, relay, queue, notifier };
}

/**
 * The callback signing keys: the configured key file, else the deployment's key — a file in the embedded
 * store's data directory, or a setting in the shared metadata store so that every node signs alike.
 */
export async function loadCallbackKeys(config: Config, storage: Storage): Promise<CallbackKeys> {
  const privateKeyPem = config.callback.privateKeyFile
    ? readFileSync(config.callback.privateKeyFile, 'utf8')
    : undefined;
  if (storage.dataDir !== undefined) return loadOrCreateCallbackKeys(storage.dataDir, { privateKeyPem });
  return loadOrCreateSharedCallbackKeys(storage.meta, { privateKeyPem });
}

export interface RunningServer {
  server: Server;
  port: number;
  endpoint: string;
  root: RootCredentials;
  services: Services;
  /** The console's port and URL (…/-/console/); undefined when it is off or its derived port was busy. */
  consolePort?: number;
  consoleUrl?: string;
  /** The port of the dedicated --metrics-address listener, when there is one. */
  metricsPort?: number;
  close(): Promise<void>;
}

/** Starts ossd: storage, root key, callback keys, orphan collection, HTTP(S) listener. */
export async function startServer(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const storage = await openStorage(config);
  const root = await ensureRootCredentials(config, storage.meta);
  let keyring: Keyring;
  try {
    keyring = await loadKeyring(
      config,
      storage.meta,
      (f) => readFileSync(f, 'utf8'),
      (m) => logger.info(m), // the start-up banner says it too; not a warning on every first start
    );
  } catch (err) {
    await storage.close();
    throw err;
  }
  // Orphan blobs (uploads that crashed before their commit). An embedded store has one process (the serve
  // lock), so everything unreferenced can go at start; shared stores only collect what is older than the
  // grace window, which no upload outlives, periodically on one node at a time.
  let blobCollector: PeriodicJob | undefined;
  if (storage.shared) {
    blobCollector = startBlobCollector(storage.meta, storage.blobs, config.blobGcGraceHours * 3_600_000, logger);
    blobCollector.runNow().catch((err) => logger.warn({ err }, 'orphan blob collection failed'));
  } else {
    const removed = await collectOrphanBlobs(storage.meta, storage.blobs);
    if (removed) logger.info({ removed }, 'collected orphan blobs');
  }
  // Abandoned multipart uploads: once now, then periodically until close.
  const uploadCollector = startUploadCollector(
    storage.meta,
    storage.blobs,
    config.multipartMaxAgeHours * 3_600_000,
    logger,
  );
  await uploadCollector.runNow();
  const keys = await loadCallbackKeys(config, storage);
  const { host, port } = parseAddress(config.address);
  const consoleAddress = consoleAddressOf(config);
  let endpoint = config.publicEndpoint ?? '';
  const { service, policy, relay, queue, notifier } = buildCallbackService(
    config,
    storage,
    keys,
    logger,
    () => endpoint,
  );
  const metrics = new Metrics(options.logger === undefined);
  // Lifecycle rules: soon after start (in the background), then every --lifecycle-interval.
  const lifecycleWorker = startLifecycleWorker(
    storage.meta,
    storage.blobs,
    parseInterval(String(config.lifecycleInterval)),
    logger,
    metrics.lifecycleActions,
    () => lifecycleExpiryHook(storage.meta, notifier),
  );
  lifecycleWorker.runNow().catch((err) => logger.warn({ err }, 'lifecycle run failed'));
  queue.onResult = (d, u) =>
    metrics.queueAttempts.inc({ kind: d.kind, outcome: u.ok ? 'ok' : u.state === 'pending' ? 'retry' : 'failed' });
  const services: Services = {
    config,
    meta: storage.meta,
    blobs: storage.blobs,
    keyring,
    backends: storage.describe,
    logger,
    metrics,
    callbacks: {
      service,
      deliveries: storage.deliveries,
      publicKeyPem: keys.publicKeyPem,
      policy,
      relay,
      notifier,
      queue,
    },
    endpoint: () => endpoint,
  };
  services.accessLog = new AccessLog(storage.meta, storage.blobs, metrics, logger, {
    intervalMs: config.accessLogIntervalSeconds * 1000,
    maxBufferBytes: config.accessLogBufferBytes,
  });
  const server = createServer(services);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const scheme = config.tlsCert ? 'https' : 'http';
  if (!endpoint) endpoint = `${scheme}://localhost:${actual}`;
  if (!storage.shared) await storage.deliveries.releaseStaleClaims?.();
  queue.start();
  let webConsole: RunningConsole | undefined;
  let metricsListener: RunningMetricsListener | undefined;
  try {
    webConsole = consoleAddress && (await startConsole(services, consoleAddress));
    metricsListener = await startMetricsListener(services);
  } catch (err) {
    server.close();
    await webConsole?.close();
    await services.accessLog.close();
    await queue.stop();
    await uploadCollector.stop();
    await lifecycleWorker.stop();
    await blobCollector?.stop();
    await storage.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stop accepting; in-flight requests (uploads) finish; idle keep-alive sockets close.
      relay.close(); // open relay polls answer at once rather than holding the shutdown
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
        webConsole?.close(),
        metricsListener?.close(),
      ]);
      // Access-log lines of the last requests are written before the stores close.
      await services.accessLog?.close();
      await uploadCollector.stop();
      await lifecycleWorker.stop();
      await blobCollector?.stop();
      await queue.stop();
      // Delivery records of the last callbacks are written in the background: let them land.
      await service.close();
      await storage.close();
    })();
    return closing;
  };
  return {
    server,
    port: actual,
    endpoint,
    root,
    services,
    consolePort: webConsole?.port,
    consoleUrl: webConsole?.url,
    metricsPort: metricsListener?.port,
    close,
  };
}
