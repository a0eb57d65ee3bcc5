import { readFileSync } from 'node:fs';
import { loadCallbackFailure, parseCallbackFailureMode, saveCallbackFailure } from '../api/object/callback-failure.js';
import { BUCKET_ACLS } from '../auth/acl.js';
import { ROOT_ACCOUNT_ID } from '../auth/root-account.js';
import { ensureRootCredentials, randomKeyId, randomSecret } from '../auth/root-credentials.js';
import { openStorage } from '../backends.js';
import type { Config } from '../config/config.js';
import { parseAddress } from '../config/config.js';
import { validateBucketName } from '../http/validate.js';
import { loadStyleDelimiters, saveStyleDelimiters } from '../image/style-delimiters.js';
import type { BucketAcl, MetadataStore } from '../storage/types.js';
import { notificationsCommand, retryPolicyCommand } from './notification-commands.js';
import { printDelivery, printDeliveryList } from './print-deliveries.js';
import { runStsCommand } from './sts-command.js';

type Flags = Record<string, string | boolean | undefined>;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** `ossd bucket style-delimiters NAME [CHARS|--clear]`: show, set or remove a bucket's style delimiters. */
export async function styleDelimitersCommand(
  meta: MetadataStore,
  bucket: string,
  chars: string | undefined,
  flags: Flags,
  print: (line: string) => void = out,
): Promise<number> {
  if (!(await meta.getBucket(bucket))) {
    print(`no such bucket ${bucket}`);
    return 1;
  }
  if (flags.clear && chars !== undefined) {
    print('give either CHARS or --clear');
    return 2;
  }
  if (flags.clear) {
    await saveStyleDelimiters(meta, bucket, undefined);
    print(`${bucket}: no style delimiters`);
    return 0;
  }
  if (chars !== undefined) {
    try {
      await saveStyleDelimiters(meta, bucket, chars);
    } catch (err) {
      print((err as Error).message);
      return 2;
    }
  }
  const set = await loadStyleDelimiters(meta, bucket);
  print(set ? `${bucket}: style delimiters ${[...set].join(' ')}` : `${bucket}: no style delimiters`);
  return 0;
}

/** `ossd bucket callback-failure NAME [keep|discard]`: show or set a bucket's veto mode. */
export async function callbackFailureCommand(
  meta: MetadataStore,
  bucket: string,
  mode: string | undefined,
  print: (line: string) => void = out,
): Promise<number> {
  if (!(await meta.getBucket(bucket))) {
    print(`no such bucket ${bucket}`);
    return 1;
  }
  if (mode !== undefined) {
    try {
      await saveCallbackFailure(meta, bucket, parseCallbackFailureMode(mode));
    } catch (err) {
      print((err as Error).message);
      return 2;
    }
  }
  const now = await loadCallbackFailure(meta, bucket);
  print(
    `${bucket}: callback-failure ${now}${now === 'discard' ? ' (an upload whose callback fails is not stored)' : ' (as OSS)'}`,
  );
  return 0;
}

/** keys / bucket / callbacks: work on the data directory directly. */
export async function runAdminCommand(command: string, args: string[], flags: Flags, config: Config): Promise<number> {
  const storage = await openStorage(config);
  try {
    await ensureRootCredentials(config, storage.meta);
    const account = typeof flags.account === 'string' ? flags.account : ROOT_ACCOUNT_ID;
    const [sub, arg] = args;
    if (command === 'keys') {
      if (sub === 'create') {
        await storage.meta.ensureAccount(account, account === ROOT_ACCOUNT_ID ? 'root' : account);
        const key = { id: randomKeyId(), secret: randomSecret(), accountId: account, createdAt: Date.now() };
        await storage.meta.putAccessKey(key);
        out(`AccessKeyId:     ${key.id}\nAccessKeySecret: ${key.secret}\nAccount:         ${account}`);
        return 0;
      }
      if (sub === 'list') {
        for (const k of await storage.meta.listAccessKeys()) {
          const kind = k.securityToken ? `temporary until ${new Date(k.expiresAt ?? 0).toISOString()}` : 'permanent';
          out(`${k.id}\taccount ${k.accountId}\t${kind}\tcreated ${new Date(k.createdAt).toISOString()}`);
        }
        return 0;
      }
      if (sub === 'delete' && arg) {
        const ok = await storage.meta.deleteAccessKey(arg);
        out(ok ? `deleted ${arg}` : `no such key ${arg}`);
        return ok ? 0 : 1;
      }
      out('usage: ossd keys create [--account ID] | list | delete ID');
      return 2;
    }
    if (command === 'bucket') {
      if (sub === 'create' && arg) {
        validateBucketName(arg, true);
        const acl = (typeof flags.acl === 'string' ? flags.acl : 'private') as BucketAcl;
        if (!BUCKET_ACLS.includes(acl)) throw new Error(`--acl must be one of ${BUCKET_ACLS.join(', ')}`);
        const r = await storage.meta.createBucket({
          name: arg,
          owner: account,
          acl,
          createdAt: Date.now(),
          region: config.region,
          storageClass: 'Standard',
          dataRedundancyType: 'LRS',
        });
        out(r === 'created' ? `created ${arg}` : `bucket ${arg} already exists`);
        return r === 'created' ? 0 : 1;
      }
      if (sub === 'list') {
        for (const b of await storage.meta.listBuckets()) {
          out(`${b.name}\towner ${b.owner}\t${b.acl}\tcreated ${new Date(b.createdAt).toISOString()}`);
        }
        return 0;
      }
      if (sub === 'delete' && arg) {
        const r = await storage.meta.deleteBucket(arg);
        out(
          r === 'deleted'
            ? `deleted ${arg}`
            : r === 'not-empty'
              ? `bucket ${arg} is not empty`
              : `no such bucket ${arg}`,
        );
        return r === 'deleted' ? 0 : 1;
      }
      if (sub === 'style-delimiters' && arg) return await styleDelimitersCommand(storage.meta, arg, args[2], flags);
      if (sub === 'callback-failure' && arg) return await callbackFailureCommand(storage.meta, arg, args[2]);
      out(
        'usage: ossd bucket create NAME [--acl ACL] | list | delete NAME | style-delimiters NAME [CHARS|--clear] | ' +
          'callback-failure NAME [keep|discard]',
      );
      return 2;
    }
    if (command === 'callbacks') {
      if (sub === 'list') {
        const limit = typeof flags.limit === 'string' ? Number(flags.limit) : 20;
        const list = await storage.deliveries.list({
          bucket: typeof flags.bucket === 'string' ? flags.bucket : undefined,
          key: typeof flags.key === 'string' ? flags.key : undefined,
          ok: flags.failed ? false : flags.ok ? true : undefined,
          kind: flags.notifications ? 'notification' : undefined,
          state: flags.pending ? 'pending' : undefined,
          limit,
        });
        printDeliveryList(list, out);
        return 0;
      }
      if (sub === 'show' && arg) {
        const d = await storage.deliveries.get(arg);
        if (!d) {
          out(`no such delivery ${arg}`);
          return 1;
        }
        if (flags.json) out(JSON.stringify(d, null, 2));
        else printDelivery(d, out);
        return 0;
      }
      if (sub === 'resend' && arg) {
        const { port } = parseAddress(config.address);
        const endpoint = config.publicEndpoint ?? `${config.tlsCert ? 'https' : 'http'}://localhost:${port}`;
        // Loaded only here: the callback sender pulls in the HTTP client and the server's wiring.
        const { buildCallbackService, loadCallbackKeys } = await import('../main.js');
        const { createLogger } = await import('../observability/logger.js');
        const logger = createLogger('silent');
        const { service } = buildCallbackService(
          config,
          storage,
          await loadCallbackKeys(config, storage),
          logger,
          () => endpoint,
        );
        const r = await service.resend(arg);
        const d = await storage.deliveries.get(r.id);
        if (d) printDelivery(d, out);
        return r.outcome.ok ? 0 : 1;
      }
      if (sub === 'policy' && arg) return await retryPolicyCommand(storage.meta, arg, flags, out);
      out(
        'usage: ossd callbacks list [--bucket B] [--key K] [--failed|--ok] [--pending] [--notifications] [--limit N] | show ID [--json] | resend ID | policy BUCKET [--retries N --base-delay MS --max-delay MS | --off]',
      );
      return 2;
    }
    if (command === 'notifications') {
      const service = async () => {
        const { port } = parseAddress(config.address);
        const endpoint = config.publicEndpoint ?? `${config.tlsCert ? 'https' : 'http'}://localhost:${port}`;
        const { buildCallbackService, loadCallbackKeys } = await import('../main.js');
        const { createLogger } = await import('../observability/logger.js');
        return buildCallbackService(
          config,
          storage,
          await loadCallbackKeys(config, storage),
          createLogger('silent'),
          () => endpoint,
        ).service;
      };
      return await notificationsCommand(storage.meta, sub, args.slice(1), flags, config.region, service, out);
    }
    if (command === 'sts') return await runStsCommand(sub, flags, config, storage.meta, account, out);
    if (command === 'encryption' && sub === 'reencrypt') {
      const { loadKeyring } = await import('../storage/encryption.js');
      const { reencrypt } = await import('./reencrypt.js');
      const { createLogger } = await import('../observability/logger.js');
      const logger = createLogger('silent');
      const keyring = await loadKeyring(config, storage.meta, (f) => readFileSync(f, 'utf8'), out);
      const names =
        typeof flags.bucket === 'string' ? [flags.bucket] : (await storage.meta.listBuckets()).map((b) => b.name);
      const s = { meta: storage.meta, blobs: storage.blobs, keyring, logger };
      const r = await reencrypt(s, names, out);
      out(
        `done: ${r.rewritten} objects (${r.bytes} bytes) re-encrypted under key ${keyring.primary}, ` +
          `${r.current} already current or not encrypted, ${r.changed} changed meanwhile (run again)`,
      );
      return r.changed ? 1 : 0;
    }
    if (command === 'encryption') {
      out('usage: ossd encryption reencrypt [--bucket B]');
      return 2;
    }
    out(`unknown command ${command}; see ossd help`);
    return 2;
  } finally {
    await storage.close();
  }
}
