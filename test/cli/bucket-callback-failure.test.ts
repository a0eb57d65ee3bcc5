/** `ossd bucket callback-failure NAME [keep|discard]` on a data directory (the real command). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runToEnd } from '../helpers/spawn-ossd.js';

describe('ossd bucket callback-failure', () => {
  const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-cf-'));
  after(() => rmSync(data, { recursive: true, force: true }));
  const run = (args: string[]) =>
    runToEnd(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data', data], {}, 60_000);

  it('shows keep by default, sets discard and back, refuses bad modes and unknown buckets', {
    timeout: 120_000,
  }, async () => {
    assert.equal((await run(['bucket', 'create', 'vetoed'])).code, 0);
    const shown = await run(['bucket', 'callback-failure', 'vetoed']);
    assert.equal(shown.code, 0, shown.output);
    assert.match(shown.output, /vetoed: callback-failure keep \(as OSS\)/);
    const set = await run(['bucket', 'callback-failure', 'vetoed', 'discard']);
    assert.equal(set.code, 0, set.output);
    assert.match(set.output, /vetoed: callback-failure discard \(an upload whose callback fails is not stored\)/);
    assert.match((await run(['bucket', 'callback-failure', 'vetoed'])).output, /callback-failure discard/);
    const [bad, missing] = await Promise.all([
      run(['bucket', 'callback-failure', 'vetoed', 'drop']),
      run(['bucket', 'callback-failure', 'nosuch', 'discard']),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.output, /callback-failure must be keep or discard/);
    assert.equal(missing.code, 1);
    assert.match(missing.output, /no such bucket nosuch/);
    assert.match((await run(['bucket', 'callback-failure', 'vetoed', 'keep'])).output, /callback-failure keep/);
  });
});
