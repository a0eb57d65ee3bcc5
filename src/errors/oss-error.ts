import { ERRORS, type OssErrorCode } from './catalogue.js';

export interface OssErrorOptions {
  message?: string;
  ec?: string;
  /** Extra elements rendered inside <Error>, in order (e.g. ArgumentName, StringToSign). */
  extra?: Record<string, string>;
  /** Extra response headers (e.g. x-oss-next-append-position on PositionNotEqualToLength). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error that renders itself as an OSS XML error response. Handlers throw it; nobody picks status codes by hand. */
export class OssError extends Error {
  readonly code: OssErrorCode;
  readonly status: number;
  readonly ec: string;
  readonly extra: Record<string, string>;
  readonly headers: Record<string, string>;

  constructor(code: OssErrorCode, options: OssErrorOptions = {}) {
    const spec = ERRORS[code];
    super(options.message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OssError';
    this.code = code;
    this.status = spec.status;
    this.ec = options.ec ?? ('ec' in spec ? String(spec.ec) : '0000-00000000');
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export function invalidArgument(name: string, value: string, message?: string, ec?: string): OssError {
  return new OssError('InvalidArgument', { message, ec, extra: { ArgumentName: name, ArgumentValue: value } });
}
