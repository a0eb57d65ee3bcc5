import type { AddressPolicy } from './callback/address-policy.js';
import type { DeliveryStore } from './callback/delivery-store.js';
import type { Notifier } from './callback/notifier.js';
import type { DeliveryQueueWorker } from './callback/queue-worker.js';
import type { RelayHub } from './callback/relay-hub.js';
import type { CallbackService } from './callback/service.js';
import type { Config } from './config/config.js';
import type { AccessLog } from './http/access-log.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { Keyring } from './storage/encryption.js';
import type { BlobStore, MetadataStore } from './storage/types.js';

/** What request handlers may use. Built once in main.ts. */
export interface Services {
  config: Config;
  meta: MetadataStore;
  blobs: BlobStore;
  /** Keys that encrypt object bytes at rest (server-side encryption). */
  keyring: Keyring;
  /** Where metadata and bytes live (credentials removed), for /-/health and logs. */
  backends: { metadata: string; blobs: string };
  logger: Logger;
  metrics: Metrics;
  callbacks: {
    service: CallbackService;
    deliveries: DeliveryStore;
    publicKeyPem: string;
    policy: AddressPolicy;
    /** Connected `ossd relay` clients. */
    relay: RelayHub;
    /** Event notifications: handlers call emitObjectEvents (api/object/notify.ts) after a commit. */
    notifier: Notifier;
    /** Retries and notifications, from the delivery log. */
    queue: DeliveryQueueWorker;
  };
  /** Bucket access logging (PutBucketLogging); absent where no server runs (tools). */
  accessLog?: AccessLog;
  /** The endpoint clients are told to use (e.g. http://localhost:18080). */
  endpoint: () => string;
}
