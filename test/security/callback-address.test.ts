/** SSRF defences of the callback sender: address forms, DNS names, redirects, rebinding. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AddressPolicy, isAddressAllowed } from '../../src/callback/address-policy.js';
import { parseCallbackUrl } from '../../src/callback/parse.js';
import { deliverCallback, type SendOptions } from '../../src/callback/send.js';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callback-receiver.js';

const permissive: AddressPolicy = { denyPrivate: false, allowLinkLocal: false };
const strict: AddressPolicy = { denyPrivate: true, allowLinkLocal: false };
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });

function options(policy: AddressPolicy, extra: Partial<SendOptions> = {}): SendOptions {
  return {
    bodyType: 'application/x-www-form-urlencoded',
    additionalHeaders: {},
    sni: false,
    privateKey,
    publicKeyUrl: 'http://localhost/callback_pub_key_v1.pem',
    timeoutMs: 1000,
    maxResponseBytes: 1024 * 1024,
    policy,
    ...extra,
  };
}

describe('callback address policy', () => {
  let app: CallbackReceiver;
  before(async () => {
    app = await startCallbackReceiver({ kind: 'json' });
  });
  after(() => app.close());

  it('refuses link-local and metadata addresses in every spelling, whatever the policy', () => {
    for (const ip of [
      '169.254.169.254',
      '169.254.0.1',
      'fe80::1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '100.100.100.200',
      'fd00:ec2::254',
    ]) {
      assert.equal(isAddressAllowed(ip, permissive), false, ip);
      assert.equal(isAddressAllowed(ip, strict), false, ip);
    }
    assert.equal(isAddressAllowed('169.254.169.254', { denyPrivate: false, allowLinkLocal: true }), true);
  });

  it('refuses loopback and private ranges only when told to, like the real service', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '::1', '::ffff:127.0.0.1', 'fc00::1']) {
      assert.equal(isAddressAllowed(ip, permissive), true, ip);
      assert.equal(isAddressAllowed(ip, strict), false, ip);
    }
  });

  it('resolves decimal and octal IPv4 spellings through the resolver and checks the result', async () => {
    // 2852039166 = 169.254.169.254; 0177.0.0.1 = 127.0.0.1 (the system resolver accepts both forms).
    for (const [url, policy] of [
      ['http://2852039166/', permissive],
      ['http://2130706433:9/', strict],
      ['http://0177.0.0.1:9/', strict],
    ] as const) {
      const target = parseCallbackUrl(url);
      assert.ok(target, url);
      const out = await deliverCallback([target], 'a=b', options(policy));
      assert.equal(out.ok, false, url);
      assert.equal(out.message, 'Error status : -1. OSS can not connect to your callbackUrl, please check it.', url);
      assert.equal(out.attempts[0].cause, 'policy', url);
    }
  });

  it('refuses a DNS name that resolves to a refused address, if any of its addresses is refused', async () => {
    const target = parseCallbackUrl(`http://app.test:${app.port}/`)!;
    const before = app.requests.length;
    const out = await deliverCallback(
      [target],
      'a=b',
      options(permissive, {
        lookup: async () => [
          { address: '127.0.0.1', family: 4 },
          { address: '169.254.169.254', family: 4 },
        ],
      }),
    );
    assert.equal(out.ok, false);
    assert.equal(out.attempts[0].cause, 'policy');
    assert.equal(app.requests.length, before);
  });

  it('cannot be rebound: the name is resolved once and the checked address is the one connected to', async () => {
    const target = parseCallbackUrl(`http://rebind.test:${app.port}/hook`)!;
    let calls = 0;
    const lookup = async () => {
      calls++;
      // First answer passes the check; any later answer points at the metadata service.
      return calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }];
    };
    const before = app.requests.length;
    const out = await deliverCallback([target], 'a=b', options(permissive, { lookup }));
    assert.equal(out.ok, true, out.message);
    assert.equal(calls, 1, 'exactly one lookup per attempt');
    assert.equal(out.attempts[0].address, '127.0.0.1');
    assert.equal(app.requests.length, before + 1);
    assert.equal(app.requests[before].headers.host, `rebind.test:${app.port}`);
  });

  it('never follows a redirect, even to an allowed address', async () => {
    const hop = await startCallbackReceiver({ kind: 'json' });
    try {
      app.setBehaviour({ kind: 'redirect', location: `${hop.url}/next`, status: 307 });
      const out = await deliverCallback([parseCallbackUrl(app.url)!], 'a=b', options(permissive));
      assert.equal(out.ok, false);
      assert.equal(out.message, 'Error status : 307.');
      assert.equal(hop.requests.length, 0);
    } finally {
      app.setBehaviour({ kind: 'json' });
      await hop.close();
    }
  });
});
