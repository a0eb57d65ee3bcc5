/** RelayHub on its own: which hosts are relay addresses, account binding, queueing, replies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayHub, RelayUnavailableError } from '../../src/callback/relay-hub.js';

const owners: Record<string, string> = { mine: 'acct-a', theirs: 'acct-b' };
const hub = () => new RelayHub('relay.ossd.local', async (b) => owners[b]);
const req = (bucket = 'mine') => ({
  path: '/cb?x=1',
  headers: { a: 'b' },
  body: Buffer.from('body'),
  bucket,
  key: 'k',
});

describe('RelayHub', () => {
  it('matches NAME.<domain> only, case-insensitively; an empty domain turns relays off', () => {
    const h = hub();
    assert.equal(h.match('dev1.relay.ossd.local'), 'dev1');
    assert.equal(h.match('DEV-1.Relay.OSSD.local.'), 'dev-1');
    for (const host of [
      'relay.ossd.local',
      'a.b.relay.ossd.local',
      '-x.relay.ossd.local',
      'dev1.relay.ossd.localx',
      'x.ossd.local',
      '127.0.0.1',
    ]) {
      assert.equal(h.match(host), undefined, host);
    }
    assert.equal(new RelayHub('', async () => undefined).match('dev1.relay.ossd.local'), undefined);
  });

  it('queues a callback for a relay between polls and hands it to the next poll; the reply resolves it', async () => {
    const h = hub();
    const never = new AbortController().signal;
    assert.deepEqual(await h.poll('dev', 'acct-a', 0, never), []);
    const pending = h.forward('dev', req(), never);
    const [d] = (await h.poll('dev', 'acct-a', 1000, never)) as { id: string; path: string; body: string }[];
    assert.equal(d.path, '/cb?x=1');
    assert.equal(Buffer.from(d.body, 'base64').toString(), 'body');
    assert.equal(h.reply('dev', 'acct-b', d.id, { status: 200, headers: {}, body: Buffer.from('{}') }), false);
    assert.equal(h.reply('dev', 'acct-a', d.id, { status: 200, headers: {}, body: Buffer.from('{"ok":1}') }), true);
    assert.equal((await pending).body.toString(), '{"ok":1}');
    assert.equal(h.reply('dev', 'acct-a', d.id, { status: 200, headers: {}, body: Buffer.from('{}') }), false);
  });

  it("refuses another account's bucket, unknown names and names held by another account", async () => {
    const h = hub();
    const never = new AbortController().signal;
    await h.poll('dev', 'acct-a', 0, never);
    await assert.rejects(h.forward('dev', req('theirs'), never), RelayUnavailableError);
    await assert.rejects(h.forward('nobody', req(), never), RelayUnavailableError);
    assert.equal(await h.poll('dev', 'acct-b', 0, never), 'taken');
    assert.deepEqual(h.connected(), [{ name: 'dev', accountId: 'acct-a' }]);
  });

  it('a closed poll connection, a timeout and shutdown each end a pending callback', async () => {
    const h = hub();
    const gone = new AbortController();
    const poll = h.poll('dev', 'acct-a', 10_000, gone.signal);
    const timeout = new AbortController();
    const a = h.forward('dev', req(), timeout.signal);
    await poll; // handed out
    timeout.abort(new Error('callback timeout'));
    await assert.rejects(a, /callback timeout/);
    const open = h.poll('dev', 'acct-a', 10_000, gone.signal);
    gone.abort();
    assert.deepEqual(await open, []);
    await assert.rejects(h.forward('dev', req(), new AbortController().signal), RelayUnavailableError);
    const never = new AbortController().signal;
    await h.poll('dev2', 'acct-a', 0, never);
    const b = h.forward('dev2', req(), never);
    h.close();
    await assert.rejects(b, RelayUnavailableError);
    assert.equal(await h.poll('dev2', 'acct-a', 0, never), 'closing');
  });
});
