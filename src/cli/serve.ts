import { metadataLocation } from '../backends.js';
import { effectiveCallbackPolicy } from '../config/callback-policy.js';
import type { Config } from '../config/config.js';
import { startServer } from '../main.js';
import type { Keyring } from '../storage/encryption.js';
import { lockDataDir } from '../storage/local/data-dir.js';
import { EXAMPLE_BUCKET, ensureExampleBucket } from './example-bucket.js';

/** `ossd serve`: start, print how to connect, shut down gracefully on SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<number> {
  // Only the server locks an embedded metadata directory (admin commands share it with a running server);
  // metadata in PostgreSQL is shared by many nodes by design.
  const metadataAt = metadataLocation(config);
  if (metadataAt.kind === 'sqlite') lockDataDir(metadataAt.dir);
  const running = await startServer(config);
  const { root, endpoint } = running;
  const secretLine = root.generated
    ? `  AccessKeySecret: ${root.accessKeySecret}   (generated now; shown only this once)`
    : '  AccessKeySecret: (as configured, or the one printed at first start)';
  const snippetSecret = root.generated ? root.accessKeySecret : '<your secret>';
  const example = await ensureExampleBucket(running.services.meta, config.region);
  const bucketLine = {
    created: `Created bucket ${EXAMPLE_BUCKET} (private, owned by the root account) for the snippet below.`,
    exists: `Bucket ${EXAMPLE_BUCKET} exists; the snippet below uses it.`,
    missing: `The snippet below uses bucket ${EXAMPLE_BUCKET}; create it first:\n  ossd bucket create ${EXAMPLE_BUCKET} ${config.metadata ? '--metadata …' : `--data ${config.data}`}`,
  }[example];
  process.stdout.write(
    `ossd is serving ${endpoint}  (${storageSummary(running.services.backends)})
  AccessKeyId:     ${root.accessKeyId}
${secretLine}

${bucketLine}
Paste into your code (ali-oss):
  const OSS = require('ali-oss');
  const client = new OSS({
    endpoint: '${endpoint}',
    sldEnable: true,
    accessKeyId: '${root.accessKeyId}',
    accessKeySecret: '${snippetSecret}',
    bucket: '${EXAMPLE_BUCKET}',
  });
  // callbacks are signed with ossd's key: ${endpoint}/callback_pub_key_v1.pem

${effectiveCallbackPolicy(config).summary}
${encryptionSummary(running.services.keyring)}

${running.consoleUrl ? `Console: ${running.consoleUrl}  (sign in with the access key above)` : 'Console: off'}
`,
  );
  const stop = async (signal: string) => {
    running.services.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return -1;
}

/** `data: DIR` for the embedded default, else where metadata and bytes live. */
function storageSummary(b: { metadata: string; blobs: string }): string {
  const dir = b.metadata.startsWith('sqlite:') ? b.metadata.slice('sqlite:'.length) : undefined;
  if (dir !== undefined && b.blobs === `file:${dir}`) return `data: ${dir}`;
  return `metadata: ${b.metadata}, blobs: ${b.blobs}`;
}

/** One line on encryption at rest: whose key encrypts new AES256/KMS/SM4 objects. */
function encryptionSummary(k: Keyring): string {
  if (k.origin === 'generated') {
    return 'Encryption at rest: a key ossd generated and keeps in the metadata store (set --encryption-key-file)';
  }
  return `Encryption at rest: keyring of ${k.ids().length} key(s), new objects under '${k.primary}'`;
}
