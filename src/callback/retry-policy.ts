/**
 * Per-bucket retry policy of upload callbacks (an ossd extension; OSS delivers a callback once). Kept as
 * the bucket configuration document `ossd-callback-retry`; absent means no retries (OSS behaviour).
 */
import type { RetryPolicy } from './delivery-store.js';

export const RETRY_POLICY_CONFIG = 'ossd-callback-retry';

/** Limits a policy must stay within. */
export const RETRY_LIMITS = { maxRetries: 50, maxDelayMs: 24 * 3_600_000 } as const;

/** What event notifications use on a bucket without a retry policy: about 2.5 hours of retries. */
export const DEFAULT_NOTIFICATION_RETRY: RetryPolicy = { retries: 20, baseDelayMs: 1000, maxDelayMs: 600_000 };

export class InvalidRetryPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRetryPolicyError';
  }
}

/** Validates a policy given as JSON fields or CLI values; throws InvalidRetryPolicyError. */
export function parseRetryPolicy(input: {
  retries?: unknown;
  baseDelayMs?: unknown;
  maxDelayMs?: unknown;
}): RetryPolicy {
  const int = (v: unknown, name: string, dflt: number, max: number): number => {
    if (v === undefined || v === null || v === '') return dflt;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new InvalidRetryPolicyError(`${name} must be an integer from 0 to ${max}, got ${String(v)}`);
    return n;
  };
  const retries = int(input.retries, 'retries', 5, RETRY_LIMITS.maxRetries);
  const baseDelayMs = int(input.baseDelayMs, 'baseDelayMs', 1000, RETRY_LIMITS.maxDelayMs);
  const maxDelayMs = int(input.maxDelayMs, 'maxDelayMs', Math.max(baseDelayMs, 300_000), RETRY_LIMITS.maxDelayMs);
  if (baseDelayMs < 1) throw new InvalidRetryPolicyError('baseDelayMs must be at least 1');
  if (maxDelayMs < baseDelayMs) throw new InvalidRetryPolicyError('maxDelayMs must be at least baseDelayMs');
  return { retries, baseDelayMs, maxDelayMs };
}

/** The wait after attempt `attempt` (1-based) failed: exponential, capped, with up to 10% jitter. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = policy.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40);
  const capped = Math.min(policy.maxDelayMs, exp);
  return Math.round(capped * (1 + 0.1 * random()));
}

interface BucketConfigStore {
  getBucketConfig(bucket: string, name: string): Promise<string | undefined>;
  putBucketConfig(bucket: string, name: string, value: string | undefined): Promise<void>;
}

export async function loadRetryPolicy(meta: BucketConfigStore, bucket: string): Promise<RetryPolicy | undefined> {
  const raw = await meta.getBucketConfig(bucket, RETRY_POLICY_CONFIG);
  if (raw === undefined) return undefined;
  try {
    return parseRetryPolicy(JSON.parse(raw) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** Saves (or with `undefined` removes) a bucket's policy. */
export async function saveRetryPolicy(
  meta: BucketConfigStore,
  bucket: string,
  policy: RetryPolicy | undefined,
): Promise<void> {
  await meta.putBucketConfig(bucket, RETRY_POLICY_CONFIG, policy && JSON.stringify(policy));
}
