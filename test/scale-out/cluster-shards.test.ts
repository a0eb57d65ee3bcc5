/** The cluster shards together run every API test file exactly once. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clusterFiles, shard } from '../helpers/cluster-run.js';

it('the three cluster shards cover every file once', () => {
  const all = clusterFiles();
  const shards = [0, 1, 2].map((i) => shard(i, 3));
  assert.deepEqual(shards.flat().sort(), all);
  assert.ok(all.length > 30, `only ${all.length} files`);
  for (const s of shards) assert.ok(s.length >= Math.floor(all.length / 3));
});
