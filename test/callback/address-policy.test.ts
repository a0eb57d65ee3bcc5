import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AddressPolicy,
  CallbackAddressError,
  isAddressAllowed,
  resolveChecked,
} from '../../src/callback/address-policy.js';

const open: AddressPolicy = { denyPrivate: false, allowLinkLocal: false };
const strict: AddressPolicy = { denyPrivate: true, allowLinkLocal: false };
const linkLocal: AddressPolicy = { denyPrivate: false, allowLinkLocal: true };

describe('isAddressAllowed', () => {
  it('allows public addresses under every policy', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '[2001:4860:4860::8888]']) {
      assert.equal(isAddressAllowed(ip, strict), true, ip);
      assert.equal(isAddressAllowed(ip, open), true, ip);
    }
  });
  it('refuses link-local and metadata addresses unless allowed', () => {
    for (const ip of [
      '169.254.169.254',
      '169.254.0.1',
      'fe80::1',
      'fe80::1%eth0',
      '100.100.100.200',
      'fd00:ec2::254',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
    ]) {
      assert.equal(isAddressAllowed(ip, open), false, ip);
      assert.equal(isAddressAllowed(ip, strict), false, ip);
      assert.equal(isAddressAllowed(ip, linkLocal), true, ip);
    }
  });
  it('allows loopback and private by default, refuses them with denyPrivate', () => {
    for (const ip of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      assert.equal(isAddressAllowed(ip, open), true, ip);
      assert.equal(isAddressAllowed(ip, strict), false, ip);
    }
    assert.equal(isAddressAllowed('172.32.0.1', strict), true);
    assert.equal(isAddressAllowed('100.128.0.1', strict), true);
  });
  it('refuses multicast, broadcast and non-IPs', () => {
    for (const ip of ['224.0.0.1', '255.255.255.255', 'ff02::1', 'example.com', '', '1.2.3']) {
      assert.equal(isAddressAllowed(ip, linkLocal), false, ip);
    }
  });
});

describe('resolveChecked', () => {
  it('returns literal addresses after checking them', async () => {
    assert.deepEqual(await resolveChecked('127.0.0.1', open), { address: '127.0.0.1', family: 4 });
    assert.deepEqual(await resolveChecked('[::1]', open), { address: '::1', family: 6 });
    await assert.rejects(
      resolveChecked('169.254.169.254', open),
      (e: unknown) => e instanceof CallbackAddressError && e.kind === 'policy',
    );
  });
  it('resolves names once and refuses if any address is refused', async () => {
    const r = await resolveChecked('localhost', open);
    assert.ok(r.address === '127.0.0.1' || r.address === '::1', r.address);
    await assert.rejects(
      resolveChecked('localhost', strict),
      (e: unknown) => e instanceof CallbackAddressError && e.kind === 'policy',
    );
  });
  it('reports DNS failures as dns', async () => {
    await assert.rejects(
      resolveChecked('does-not-exist.invalid', open),
      (e: unknown) => e instanceof CallbackAddressError && e.kind === 'dns',
    );
  });
});
