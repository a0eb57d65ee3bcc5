import pino from 'pino';

export type Logger = pino.Logger;

/** Paths redacted from every log line: secrets, signatures, tokens, private keys. */
export const REDACT_PATHS = [
  'secret',
  '*.secret',
  'accessKeySecret',
  '*.accessKeySecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'signature',
  '*.signature',
  'securityToken',
  '*.securityToken',
  'privateKey',
  '*.privateKey',
  'headers["x-oss-security-token"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
