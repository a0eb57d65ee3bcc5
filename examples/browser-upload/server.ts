/**
 * Runs the browser-upload application server:
 *   OSSD_ENDPOINT=http://localhost:18080 OSSD_ACCESS_KEY_ID=… OSSD_ACCESS_KEY_SECRET=… npm run browser-upload
 * (OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET work too)
 * then open the printed URL, pick a file and upload.
 */
import { startBrowserUploadApp } from './app.js';

const accessKeyId = process.env.OSSD_ACCESS_KEY_ID ?? process.env.OSS_ACCESS_KEY_ID;
const accessKeySecret = process.env.OSSD_ACCESS_KEY_SECRET ?? process.env.OSS_ACCESS_KEY_SECRET;
if (!accessKeyId || !accessKeySecret) {
  console.error('Set OSSD_ACCESS_KEY_ID and OSSD_ACCESS_KEY_SECRET to the access key ossd printed at start.');
  process.exit(2);
}
const app = await startBrowserUploadApp({
  endpoint: process.env.OSSD_ENDPOINT ?? 'http://localhost:18080',
  accessKeyId,
  accessKeySecret,
  bucket: process.env.BUCKET ?? 'examplebucket',
  port: Number(process.env.PORT ?? 9091),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`browser-upload app: open ${app.url}/ and upload a file`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void app.close().then(() => process.exit(0)));
