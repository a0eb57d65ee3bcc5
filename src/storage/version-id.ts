import { randomInto } from './random-id.js';

let lastMs = 0;
let counter = 0;

/**
 * A new version id, shaped like OSS's (`CAEQ…`, base64url, opaque): the write time in ms and a
 * per-process counter (so ids from one node sort by time), then 16 random bytes (unique across nodes).
 */
export function newVersionId(): string {
  const now = Date.now();
  if (now === lastMs) counter = (counter + 1) & 0xffff;
  else {
    lastMs = now;
    counter = 0;
  }
  const b = Buffer.allocUnsafe(24);
  b.writeUIntBE(now, 0, 6);
  b.writeUInt16BE(counter, 6);
  randomInto(b, 8, 16);
  return `CAEQ${b.toString('base64url')}`;
}
