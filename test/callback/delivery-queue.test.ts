import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteDeliveryStore } from '../../src/storage/local/delivery-store.js';
import { SqliteMetadataStore } from '../../src/storage/local/metadata-store.js';
import { deliveryQueueConformance } from '../storage/delivery-queue-conformance.js';

// One process serves an embedded data directory (the serve lock): both handles are its one store.
deliveryQueueConformance('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossd-queue-'));
  const meta = new SqliteMetadataStore(path.join(dir, 'meta.sqlite'), { fsync: false });
  const store = SqliteDeliveryStore.relaxed(meta.db, 'NORMAL');
  return {
    a: store,
    b: store,
    close: async () => {
      meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
