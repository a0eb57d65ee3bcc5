import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics served at /-/metrics. One registry per server (tests run several). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'status'>;
  readonly latency: Histogram<'operation'>;
  readonly bytesIn: Counter<'operation'>;
  readonly bytesOut: Counter<'operation'>;
  readonly callbacks: Counter<'outcome'>;
  readonly diskFull: Counter<'operation'>;
  readonly accessLogDropped: Counter;
  readonly accessLogWritten: Counter<'outcome'>;
  readonly lifecycleActions: Counter<'action'>;
  readonly queueAttempts: Counter<'kind' | 'outcome'>;

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'ossd_requests_total',
      help: 'Requests by OSS operation and HTTP status',
      labelNames: ['operation', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'ossd_request_duration_seconds',
      help: 'Request latency by OSS operation',
      labelNames: ['operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.bytesIn = new Counter({
      name: 'ossd_request_bytes_total',
      help: 'Request body bytes received',
      labelNames: ['operation'],
      registers: [this.registry],
    });
    this.bytesOut = new Counter({
      name: 'ossd_response_bytes_total',
      help: 'Response body bytes sent',
      labelNames: ['operation'],
      registers: [this.registry],
    });
    this.callbacks = new Counter({
      name: 'ossd_callbacks_total',
      help: 'Callback deliveries by outcome',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.queueAttempts = new Counter({
      name: 'ossd_delivery_queue_attempts_total',
      help: 'Queued deliveries attempted (callback retries, event notifications) by kind and outcome: ok, retry, failed',
      labelNames: ['kind', 'outcome'],
      registers: [this.registry],
    });
    this.diskFull = new Counter({
      name: 'ossd_disk_full_total',
      help: 'Writes refused with 507 InsufficientStorage because the data directory is out of space',
      labelNames: ['operation'],
      registers: [this.registry],
    });
    this.accessLogDropped = new Counter({
      name: 'ossd_access_log_dropped_total',
      help: 'Bucket access-log lines dropped (buffer full, or the target bucket was gone)',
      registers: [this.registry],
    });
    this.accessLogWritten = new Counter({
      name: 'ossd_access_log_objects_total',
      help: 'Bucket access-log objects written, by outcome (ok or failed)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.lifecycleActions = new Counter({
      name: 'ossd_lifecycle_actions_total',
      help: 'Lifecycle rule actions applied by this node: expire, transition, abort (multipart upload)',
      labelNames: ['action'],
      registers: [this.registry],
    });
  }
}
