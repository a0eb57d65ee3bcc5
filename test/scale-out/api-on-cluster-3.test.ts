/** Shard 3 of 3 of the API tests run again on 3 nodes sharing PostgreSQL and an S3 store (test/helpers/cluster-run.ts). */
import { shard, testOnCluster } from '../helpers/cluster-run.js';

await testOnCluster('shard 3 of 3', shard(2, 3));
