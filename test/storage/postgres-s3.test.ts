/**
 * The storage conformance suite on the scale-out stores together: PostgreSQL metadata and an S3 store
 * (Ceph RGW) for bytes — the same tests the embedded SQLite + files backend passes.
 */
import { it } from 'node:test';
import { openStorage } from '../../src/backends.js';
import { defaultConfig } from '../../src/config/config.js';
import { sharedStores, useSharedStores } from '../helpers/cluster.js';
import { storageConformance } from './conformance.js';

const probe = await sharedStores().catch((err: Error) => err.message);
if (typeof probe === 'string') {
  it('storage conformance: PostgreSQL + S3 (Ceph RGW)', { skip: probe }, () => {});
} else {
  await probe.drop();
  storageConformance('PostgreSQL + S3 (Ceph RGW)', async () => {
    const stores = await sharedStores();
    if (typeof stores === 'string') throw new Error(stores);
    const config = defaultConfig();
    useSharedStores(config, stores);
    const storage = await openStorage(config);
    return {
      meta: storage.meta,
      blobs: storage.blobs,
      close: async () => {
        await storage.close();
        await stores.drop();
      },
    };
  });
}
