import type { IncomingMessage } from 'node:http';
import { issueCredentials, StsRequestError } from '../auth/sts.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';

const MAX_BODY = 16 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new OssError('InvalidArgument', { message: `The body exceeds ${MAX_BODY} bytes.` });
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OssError('InvalidArgument', { message: 'The body is not valid JSON.' });
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new OssError('InvalidArgument', { message: 'The body must be a JSON object.' });
  }
  return body as Record<string, unknown>;
}

/**
 * `POST /-/admin/sts` with `{ durationSeconds?, policy? }` (AssumeRole's `DurationSeconds` / `Policy`
 * spellings also accepted) → `{ Credentials }`. The credentials belong to the caller's
 * account (a permanent key, checked by adminPrincipal) and the policy can only narrow that account.
 */
export async function handleStsAdmin(
  req: IncomingMessage,
  key: AccessKey,
  s: Services,
): Promise<{ status: number; body: unknown }> {
  if ((req.method ?? 'GET') !== 'POST') {
    throw new OssError('MethodNotAllowed', { message: 'Use POST /-/admin/sts to issue temporary credentials.' });
  }
  const body = await readJson(req);
  try {
    const credentials = await issueCredentials(s.meta, key.accountId, {
      durationSeconds: (body.durationSeconds ?? body.DurationSeconds) as number | undefined,
      policy: body.policy ?? body.Policy,
    });
    s.logger.info(
      { accessKeyId: credentials.AccessKeyId, issuer: key.id, expiration: credentials.Expiration },
      'issued temporary credentials',
    );
    return { status: 200, body: { Credentials: credentials } };
  } catch (err) {
    if (err instanceof StsRequestError) throw new OssError('InvalidArgument', { message: err.message });
    throw err;
  }
}
