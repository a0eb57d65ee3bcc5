import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, REPO, runToEnd, type Spawned, spawnIn, spawnOssd, waitForPort } from '../helpers/spawn-ossd.js';

const ID = 'newcomerKeyId0001';
const SECRET = 'newcomerSecret000000000000001';
const SHARED_SAMPLE = path.resolve(REPO, '../shared/conformance/seed-sample.mjs');

describe("a newcomer's path: npm start, the callback server, the seed's sample", () => {
  let ossd: Awaited<ReturnType<typeof spawnOssd>>;
  let app: Spawned;
  let appPort: number;
  before(async () => {
    ossd = await spawnOssd({ OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET });
    appPort = await freePort();
    app = spawnIn(process.execPath, ['--import', 'tsx', 'examples/callback-server/server.ts'], {
      PORT: String(appPort),
      OSSD_ENDPOINT: `http://localhost:${ossd.port}`,
    });
    await waitForPort(appPort, 30_000);
  });
  after(async () => {
    await app.stop();
    await ossd.stop();
  });

  it('prints the endpoint, the key id and a paste-ready client snippet, never the configured secret', () => {
    const out = ossd.output();
    assert.match(out, new RegExp(`serving http://localhost:${ossd.port}`));
    assert.match(out, new RegExp(`AccessKeyId: +${ID}`));
    assert.match(out, /new OSS\(\{/);
    assert.match(out, /sldEnable: true/);
    assert.doesNotMatch(out, new RegExp(SECRET));
    // examples/seed-sample.mjs uploads to examplebucket: the first start created it.
    assert.match(out, /Created bucket examplebucket/);
  });

  it('runs examples/round-trip.mjs against it', async () => {
    const r = await runToEnd(
      process.execPath,
      ['examples/round-trip.mjs'],
      {
        OSSD_ENDPOINT: `http://localhost:${ossd.port}`,
        OSSD_ACCESS_KEY_ID: ID,
        OSSD_ACCESS_KEY_SECRET: SECRET,
        OSSD_BUCKET: 'roundtrip',
      },
      30_000,
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /get +"hello from ali-oss\\n"/);
    assert.match(r.output, /delete +204/);
  });

  it('runs examples/seed-sample.mjs: the application verifies the callback and its JSON comes back', async () => {
    const r = await runToEnd(
      process.execPath,
      ['examples/seed-sample.mjs'],
      {
        OSSD_ENDPOINT: `http://localhost:${ossd.port}`,
        OSSD_ACCESS_KEY_ID: ID,
        OSSD_ACCESS_KEY_SECRET: SECRET,
        CALLBACK_URL: `http://127.0.0.1:${appPort}`,
      },
      30_000,
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /status: 200/);
    assert.match(r.output, /Status: 'OK'/);
    assert.match(r.output, /var1: 'value1'/);
    assert.match(app.output(), /bucket=examplebucket&object=exampleobject\.txt&var1=value1&var2=value2/);
  });

  it('passes ../shared/conformance/seed-sample.mjs when it is present', {
    skip: !existsSync(SHARED_SAMPLE),
  }, async () => {
    const r = await runToEnd(
      process.execPath,
      [SHARED_SAMPLE],
      {
        OSSD_ENDPOINT: `http://localhost:${ossd.port}`,
        OSSD_ACCESS_KEY_ID: ID,
        OSSD_ACCESS_KEY_SECRET: SECRET,
      },
      40_000,
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^7 passed, 0 failed$/m);
  });

  it('lists, shows and re-sends deliveries with `ossd callbacks`', async () => {
    const cli = (...args: string[]) =>
      runToEnd(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'callbacks',
          ...args,
          '--data',
          ossd.dataDir,
          '--address',
          `127.0.0.1:${ossd.port}`,
        ],
        {},
        30_000,
      );
    const list = await cli('list', '--bucket', 'examplebucket', '--ok');
    assert.equal(list.code, 0, list.output);
    // The delivery to our still-running callback server (the shared sample's own server is gone).
    const line = list.output.split('\n').find((l) => l.includes(`127.0.0.1:${appPort}`));
    const id = line && /^([0-9a-f]{16}) /.exec(line)?.[1];
    assert.ok(id, list.output);
    const show = await cli('show', id);
    assert.match(show.output, /body: +bucket=examplebucket&object=exampleobject\.txt/);
    assert.match(show.output, /outcome: +ok/);
    const before = app.output().split('bucket=examplebucket&object=exampleobject.txt').length;
    const resend = await cli('resend', id);
    assert.equal(resend.code, 0, resend.output);
    assert.match(resend.output, new RegExp(`re-send of ${id}`));
    assert.ok(
      app.output().split('bucket=examplebucket&object=exampleobject.txt').length > before,
      'the application got it again',
    );
  });
});
