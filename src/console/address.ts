import { type Config, parseAddress } from '../config/config.js';

export interface ConsoleAddress {
  host: string;
  port: number;
  /** False when derived from the main address (a busy port then only warns instead of failing). */
  explicit: boolean;
}

/**
 * Where the console listens: `consoleAddress` when set (`off` disables it), otherwise the main address's
 * host with port + 1 (127.0.0.1:18081 for the default 127.0.0.1:18080; an ephemeral port 0 stays 0).
 */
export function consoleAddressOf(config: Config): ConsoleAddress | undefined {
  const raw = config.consoleAddress?.trim();
  if (raw !== undefined && raw !== '') {
    if (/^(off|false|no|none|disabled?)$/i.test(raw)) return undefined;
    const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(raw);
    if (!m || Number(m[2]) > 65535) throw new Error(`--console-address must be HOST:PORT or off, got ${raw}`);
    return { ...parseAddress(raw), explicit: true };
  }
  const main = parseAddress(config.address);
  if (main.port === 0) return { host: main.host, port: 0, explicit: false };
  if (main.port >= 65535) return undefined;
  return { host: main.host, port: main.port + 1, explicit: false };
}
