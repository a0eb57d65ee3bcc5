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
}

export interface Delivery {
  id: string;
  requestId: string;
  bucket: string;
  key: string;
  operation: string;
  spec: { targets: { url: string }[]; host?: string; bodyType: string; additionalHeaders: Record<string, string> };
  renderedBody: string;
  stringToSign: string;
  attempts: Attempt[];
  ok: boolean;
  cause?: string;
  message?: string;
  latencyMs: number;
  resendOf?: string;
  createdAt: number;
}
