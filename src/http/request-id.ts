import { randomBytes } from 'node:crypto';

let counter = randomBytes(4).readUInt32BE(0);
const prefix = randomBytes(4).toString('hex').toUpperCase();

/** A 24-character upper-case hex request id, like OSS's x-oss-request-id. */
export function newRequestId(): string {
  const time = Math.floor(Date.now() / 1000)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0')
    .slice(-8);
  counter = (counter + 1) >>> 0;
  return time + prefix + counter.toString(16).toUpperCase().padStart(8, '0');
}
