/** Parses the PostgreSQL connection URL of `--metadata` into node-postgres connection settings. */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export interface PostgresConnection {
  /** Host name, IP address, or a directory holding the server's Unix socket. */
  host: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  /** false = plain TCP; otherwise TLS options for node's tls.connect. */
  ssl: false | ConnectionOptions;
  applicationName?: string;
  /** From `connect_timeout` (seconds), when given. */
  connectionTimeoutMillis?: number;
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * `postgres://USER:PASS@HOST:PORT/DB?sslmode=…` (or `postgresql://`). Query parameters:
 * - `sslmode`: `disable` (default; also `allow`/`prefer`, which never try TLS here), `require` (TLS without
 *   checking the certificate), `verify-ca` (certificate chain only), `verify-full` (chain and host name);
 * - `sslrootcert`: a PEM file of CA certificates to trust for `verify-ca`/`verify-full`;
 * - `host`: a socket directory, instead of the URL's host: `postgres:///DB?host=/var/run/postgresql&user=U`
 *   (a URL cannot have a user without a host); a percent-encoded host (`postgres://U@%2Fvar%2Frun%2Fpostgresql/DB`)
 *   works too;
 * - `user`, `port`, `application_name`, `connect_timeout` (seconds).
 * Anything else is refused, so a misspelt parameter is not silently ignored. Errors never quote the password.
 */
export function parsePostgresUrl(url: string): PostgresConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('invalid PostgreSQL URL (expected postgres://USER:PASS@HOST:PORT/DB)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`invalid PostgreSQL URL: scheme must be postgres:// or postgresql://, not ${u.protocol}//`);
  }
  const decode = (s: string) => (s === '' ? undefined : decodeURIComponent(s));
  const conn: PostgresConnection = {
    host: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : decodeURIComponent(u.hostname) || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    user: decode(u.username),
    password: decode(u.password),
    database: decode(u.pathname.replace(/^\//, '')),
    ssl: false,
  };
  let sslmode: (typeof SSL_MODES)[number] = 'disable';
  let rootCert: string | undefined;
  for (const [name, value] of u.searchParams) {
    switch (name) {
      case 'sslmode':
        if (!(SSL_MODES as readonly string[]).includes(value)) {
          throw new Error(`invalid PostgreSQL URL: sslmode must be one of ${SSL_MODES.join(', ')}`);
        }
        sslmode = value as (typeof SSL_MODES)[number];
        break;
      case 'sslrootcert':
        rootCert = value;
        break;
      case 'host':
        conn.host = value;
        break;
      case 'user':
        conn.user = value;
        break;
      case 'port':
        conn.port = Number(value);
        break;
      case 'application_name':
        conn.applicationName = value;
        break;
      case 'connect_timeout': {
        const s = Number(value);
        if (!Number.isFinite(s) || s <= 0) throw new Error('invalid PostgreSQL URL: connect_timeout is seconds > 0');
        conn.connectionTimeoutMillis = s * 1000;
        break;
      }
      default:
        throw new Error(`invalid PostgreSQL URL: unsupported parameter ${name}`);
    }
  }
  if (!Number.isInteger(conn.port) || conn.port < 1 || conn.port > 65535) {
    throw new Error('invalid PostgreSQL URL: bad port');
  }
  const ca = rootCert === undefined ? undefined : readFileSync(rootCert, 'utf8');
  if (sslmode === 'require') conn.ssl = { rejectUnauthorized: false };
  else if (sslmode === 'verify-ca') conn.ssl = { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  else if (sslmode === 'verify-full') conn.ssl = { rejectUnauthorized: true, ca };
  return conn;
}

/** The URL without its password, for logs and error messages. */
export function redactPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}
