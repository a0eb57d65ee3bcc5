import { effectiveCallbackPolicy } from '../config/callback-policy.js';
import type { Config } from '../config/config.js';
import { startServer } from '../main.js';
import { lockDataDir } from '../storage/local/data-dir.js';

/** `ossd serve`: start, print how to connect, shut down gracefully on SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<number> {
  // Only the server locks the data directory; admin commands share it with a running server.
  lockDataDir(config.data);
  const running = await startServer(config);
  const { root, endpoint } = running;
  const secretLine = root.generated
    ? `  AccessKeySecret: ${root.accessKeySecret}   (generated now; shown only this once)`
    : '  AccessKeySecret: (as configured, or the one printed at first start)';
  const snippetSecret = root.generated ? root.accessKeySecret : '<your secret>';
  process.stdout.write(
    `ossd is serving ${endpoint}  (data: ${config.data})
  AccessKeyId:     ${root.accessKeyId}
${secretLine}

Paste into your code (ali-oss):
  const OSS = require('ali-oss');
  const client = new OSS({
    endpoint: '${endpoint}',
    sldEnable: true,
    accessKeyId: '${root.accessKeyId}',
    accessKeySecret: '${snippetSecret}',
    bucket: 'examplebucket',
  });
  // callbacks are signed with ossd's key: ${endpoint}/callback_pub_key_v1.pem

${effectiveCallbackPolicy(config).summary}

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
