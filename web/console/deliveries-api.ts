/** The delivery records of GET /-/admin/callbacks (see src/callback/delivery-store.ts). */
export interface Attempt {
  url: string;
  address?: string;
  requestHeaders: Record<string, string>;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: unknown;
  latencyMs: number;
  ok: boolean;
  cause?: string;
  message?: string;
  stringToSign?: string;
  /** Which texts were cut to the record cap (they end with a "…[truncated by ossd: …]" marker). */
  truncated?: string[];
}

export interface Delivery {
  id: string;
  requestId: string;
  bucket: string;
  key: string;
  /** The object version the upload created (versioned buckets). */
  versionId?: string;
  operation: string;
  spec: { targets: { url: string }[]; host?: string; bodyType: string; additionalHeaders: Record<string, string> };
  renderedBody: string;
  stringToSign: string;
  /** renderedBody and/or stringToSign when cut to the record cap; such a delivery cannot be re-sent. */
  truncated?: string[];
  attempts: Attempt[];
  ok: boolean;
  cause?: string;
  message?: string;
  latencyMs: number;
  resendOf?: string;
  createdAt: number;
  /** ossd extensions: upload callback or event notification; retry queue state and attempts made. */
  kind?: 'callback' | 'notification';
  state?: 'pending' | 'done';
  attempt?: number;
  nextAttemptAt?: number;
  retry?: { retries: number; baseDelayMs: number; maxDelayMs: number };
}
