/**
 * The RSA key pair ossd signs callbacks with: loaded from configuration, or generated on first start and
 * kept in the data directory as `callback-key.pem` (mode 0600).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const CALLBACK_KEY_FILE = 'callback-key.pem';

export interface CallbackKeys {
  privateKey: KeyObject;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as served at /callback_pub_key_v1.pem. */
  publicKeyPem: string;
}

function fromPrivatePem(pem: string): CallbackKeys {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('The callback signing key must be an RSA private key');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `data` to `path` atomically: temp file (0600) + fsync + rename + directory fsync. */
function writeAtomic(dir: string, path: string, data: string): void {
  const temp = join(dir, `.${CALLBACK_KEY_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic.
  }
}

/** Where a deployment that shares its metadata store between nodes keeps its key (see SharedKeyStore). */
export const CALLBACK_KEY_SETTING = 'callback-private-key';

/** The part of a metadata store that holds deployment-wide settings. */
export interface SharedKeyStore {
  getSetting(name: string): Promise<string | undefined>;
  putSettingIfAbsent(name: string, value: string): Promise<string>;
}

function generatePem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The callback signing keys of a deployment whose nodes share one metadata store (PostgreSQL): from
 * `privateKeyPem` if given, else the stored key, else a new one stored there — the first node to store
 * one wins, so every node signs with the same key and serves the same public key.
 */
export async function loadOrCreateSharedCallbackKeys(
  store: SharedKeyStore,
  opts: { privateKeyPem?: string } = {},
): Promise<CallbackKeys> {
  if (opts.privateKeyPem !== undefined) return fromPrivatePem(opts.privateKeyPem);
  const existing = await store.getSetting(CALLBACK_KEY_SETTING);
  if (existing !== undefined) return fromPrivatePem(existing);
  return fromPrivatePem(await store.putSettingIfAbsent(CALLBACK_KEY_SETTING, generatePem()));
}

/**
 * Puts `pem` in `dataDir` as the embedded store's key unless one is there; returns the key there now.
 * (`ossd migrate` into an embedded store.)
 */
export function keepCallbackKeyFile(dataDir: string, pem: string): string {
  const path = join(dataDir, CALLBACK_KEY_FILE);
  const existing = readIfExists(path);
  if (existing !== undefined) return existing;
  fromPrivatePem(pem);
  mkdirSync(dataDir, { recursive: true });
  writeAtomic(dataDir, path, pem);
  return readFileSync(path, 'utf8');
}

/**
 * Returns the callback signing keys: from `opts.privateKeyPem` if given, else from
 * `<dataDir>/callback-key.pem`, else a new RSA 2048 key written there with mode 0600.
 */
export function loadOrCreateCallbackKeys(dataDir: string, opts: { privateKeyPem?: string } = {}): CallbackKeys {
  if (opts.privateKeyPem !== undefined) return fromPrivatePem(opts.privateKeyPem);
  const path = join(dataDir, CALLBACK_KEY_FILE);
  const existing = readIfExists(path);
  if (existing !== undefined) return fromPrivatePem(existing);
  mkdirSync(dataDir, { recursive: true });
  writeAtomic(dataDir, path, generatePem());
  // Another process may have won the race; whatever is on disk now is the key.
  return fromPrivatePem(readFileSync(path, 'utf8'));
}
