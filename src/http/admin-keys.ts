import type { IncomingMessage } from 'node:http';
import { randomKeyId, randomSecret } from '../auth/root-credentials.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';

/** A key as the admin API shows it: never its secret or security token. */
export interface KeySummary {
  accessKeyId: string;
  accountId: string;
  createdAt: number;
  temporary: boolean;
  expiresAt?: number;
  /** The key these Basic credentials are. */
  current: boolean;
}

/**
 * Access keys of the caller's account (JSON):
 *   GET    /-/admin/keys       → { keys: KeySummary[] } (permanent and temporary, newest first)
 *   POST   /-/admin/keys       → { accessKeyId, accessKeySecret, accountId, createdAt } (the secret only here)
 *   DELETE /-/admin/keys/ID    → { deleted: ID } (not the key making the call; 404 for another account's)
 */
export async function handleKeysAdmin(
  req: IncomingMessage,
  path: string,
  caller: AccessKey,
  s: Services,
): Promise<{ status: number; body: unknown }> {
  const method = req.method ?? 'GET';
  if (path === '/keys' && method === 'GET') {
    const keys = (await s.meta.listAccessKeys())
      .filter((k) => k.accountId === caller.accountId)
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id))
      .map(
        (k): KeySummary => ({
          accessKeyId: k.id,
          accountId: k.accountId,
          createdAt: k.createdAt,
          temporary: k.securityToken !== undefined,
          ...(k.expiresAt === undefined ? {} : { expiresAt: k.expiresAt }),
          current: k.id === caller.id,
        }),
      );
    return { status: 200, body: { keys } };
  }
  if (path === '/keys' && method === 'POST') {
    const key: AccessKey = {
      id: randomKeyId(),
      secret: randomSecret(),
      accountId: caller.accountId,
      createdAt: Date.now(),
    };
    await s.meta.putAccessKey(key);
    s.logger.info({ accessKeyId: key.id, issuer: caller.id }, 'access key created');
    const body = {
      accessKeyId: key.id,
      accessKeySecret: key.secret,
      accountId: key.accountId,
      createdAt: key.createdAt,
    };
    return { status: 200, body };
  }
  const m = /^\/keys\/([^/]+)$/.exec(path);
  if (m && method === 'DELETE') {
    let id = m[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // left as sent: no key has such an id
    }
    if (id === caller.id) {
      return {
        status: 409,
        body: { code: 'KeyInUse', message: 'A key cannot revoke itself; sign in with another key of the account.' },
      };
    }
    const key = await s.meta.getAccessKey(id);
    if (!key || key.accountId !== caller.accountId || !(await s.meta.deleteAccessKey(id))) {
      return { status: 404, body: { code: 'NoSuchAccessKey', message: `No access key ${id} in this account.` } };
    }
    s.logger.info({ accessKeyId: id, issuer: caller.id }, 'access key revoked');
    return { status: 200, body: { deleted: id } };
  }
  throw new OssError('MethodNotAllowed', { message: `No admin operation ${method} /-/admin${path}` });
}
