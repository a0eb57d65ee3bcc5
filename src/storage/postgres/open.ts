/** Opens the PostgreSQL metadata store (and the delivery log beside it) named by a `postgres://` URL. */
import { StorageError } from '../errors.js';
import { PostgresDeliveryStore } from './delivery-store.js';
import { PostgresMetadataStore } from './metadata-store.js';
import { PgPool, type PoolOptions } from './pool.js';
import { migrate } from './schema.js';
import { parsePostgresUrl } from './url.js';

export type PostgresOptions = PoolOptions;

/**
 * Connects, checks the database can hold UTF-8 keys, applies pending schema migrations (safe when several
 * nodes start at once) and returns the stores, which share one connection pool; `meta.close()` closes it.
 * Throws StorageError('unavailable') when PostgreSQL cannot be reached within the connection timeout.
 */
export async function openPostgresMetadata(
  url: string,
  options: PostgresOptions = {},
): Promise<{ meta: PostgresMetadataStore; deliveries: PostgresDeliveryStore }> {
  const pool = new PgPool(parsePostgresUrl(url), options);
  try {
    const [enc] = await pool.query<{ server_encoding: string }>('SHOW server_encoding');
    if (enc.server_encoding !== 'UTF8') {
      throw new StorageError(
        'io',
        `the PostgreSQL database must use UTF8 encoding (it uses ${enc.server_encoding}): CREATE DATABASE … ENCODING 'UTF8'`,
      );
    }
    await migrate(pool);
  } catch (err) {
    await pool.close();
    throw err;
  }
  return { meta: new PostgresMetadataStore(pool), deliveries: new PostgresDeliveryStore(pool) };
}

export { PostgresDeliveryStore } from './delivery-store.js';
export { PostgresMetadataStore } from './metadata-store.js';
export { parsePostgresUrl, redactPostgresUrl } from './url.js';
