import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CALLBACK_KEY_FILE, loadOrCreateCallbackKeys } from '../../src/callback/keys.js';
import { callbackStringToSign, percentDecodePath, signCallback } from '../../src/callback/sign.js';

const REAL_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`;

describe('callbackStringToSign', () => {
  it('matches the real service vector (verifies with its public key)', () => {
    const data = callbackStringToSign('/index.php?id=1&index=2', Buffer.from('bucket=yonghu-test'));
    assert.equal(data.toString(), '/index.php?id=1&index=2\nbucket=yonghu-test');
    const signature = Buffer.from(
      'kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==',
      'base64',
    );
    assert.equal(verify('md5', data, createPublicKey(REAL_PUBLIC_KEY), signature), true);
    const tampered = callbackStringToSign('/index.php?id=1&index=3', Buffer.from('bucket=yonghu-test'));
    assert.equal(verify('md5', tampered, createPublicKey(REAL_PUBLIC_KEY), signature), false);
  });
  it('decodes the path but leaves the query raw', () => {
    const data = callbackStringToSign('/a%20b/%E4%B8%AD+c?x=%2F&y=a+b', Buffer.from('body'));
    assert.equal(data.toString(), '/a b/中+c?x=%2F&y=a+b\nbody');
    assert.equal(callbackStringToSign('/cb?', Buffer.from('b')).toString(), '/cb?\nb');
    assert.equal(callbackStringToSign('/', Buffer.alloc(0)).toString(), '/\n');
  });
  it('decodes non-UTF-8 escapes byte for byte and keeps stray %', () => {
    assert.deepEqual(percentDecodePath('/%ff%zz%4'), Buffer.from([0x2f, 0xff, 0x25, 0x7a, 0x7a, 0x25, 0x34]));
  });
});

describe('signCallback', () => {
  it('produces a base64 RSA-MD5 signature verifiable with the public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const body = Buffer.from('bucket=examplebucket&object=exampleobject.txt');
    const sig = signCallback(privateKey, '/cb%20x?a=1', body);
    assert.equal(Buffer.from(sig, 'base64').length, 256);
    assert.equal(
      verify(
        'md5',
        Buffer.from('/cb x?a=1\nbucket=examplebucket&object=exampleobject.txt'),
        publicKey,
        Buffer.from(sig, 'base64'),
      ),
      true,
    );
    assert.equal(
      verify(
        'md5',
        Buffer.from('/cb x?a=1\nbucket=examplebucket&object=exampleobject.txt\n'),
        publicKey,
        Buffer.from(sig, 'base64'),
      ),
      false,
    );
  });
});

describe('loadOrCreateCallbackKeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ossd-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates an RSA 2048 key once, 0600, and reloads it', () => {
    const dataDir = join(dir, 'data');
    const first = loadOrCreateCallbackKeys(dataDir);
    const path = join(dataDir, CALLBACK_KEY_FILE);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(first.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(first.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
    const second = loadOrCreateCallbackKeys(dataDir);
    assert.equal(second.publicKeyPem, first.publicKeyPem);
    assert.deepEqual(readdirSync(dataDir), [CALLBACK_KEY_FILE]);
    const sig = signCallback(second.privateKey, '/x', Buffer.from('y'));
    assert.equal(
      verify('md5', Buffer.from('/x\ny'), createPublicKey(first.publicKeyPem), Buffer.from(sig, 'base64')),
      true,
    );
  });

  it('prefers a configured PEM and rejects non-RSA keys', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const keys = loadOrCreateCallbackKeys(join(dir, 'unused'), { privateKeyPem: pem });
    assert.equal(keys.privateKey.asymmetricKeyDetails?.modulusLength, 1024);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    assert.throws(() => loadOrCreateCallbackKeys(dir, { privateKeyPem: ec }), /RSA/);
    writeFileSync(join(dir, CALLBACK_KEY_FILE), ec);
    assert.throws(() => loadOrCreateCallbackKeys(dir), /RSA/);
  });
});
