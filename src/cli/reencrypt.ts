/**
 * `ossd encryption reencrypt [--bucket B]`: after a key rotation, rewrites every encrypted object whose bytes
 * are under another key than the keyring's primary one (same content, ETag, CRC-64, metadata and
 * modification time; new blobs under the primary key). The same as copying each such object onto itself,
 * without a client. Safe beside a running server: each object is committed only if it did not change
 * meanwhile (else it is left for the next run); the old blobs are deleted after the commit.
 */
import { type BlobAccess, segmentOf, writeBlob } from '../api/object/encrypted-blob.js';
import { openObjectRange } from '../api/object/read-object.js';
import type { ObjectRecord } from '../storage/types.js';

export interface ReencryptReport {
  rewritten: number;
  /** Already under the primary key, or not encrypted. */
  current: number;
  /** Changed while being rewritten (left for the next run). */
  changed: number;
  bytes: number;
}

class Changed extends Error {}

function needsRewrite(o: ObjectRecord, primary: string): boolean {
  return o.type !== 'Symlink' && o.segments.some((seg) => seg.sseKey !== undefined && seg.sseKey !== primary);
}

async function rewrite(s: BlobAccess, o: ObjectRecord): Promise<boolean> {
  const primary = s.keyring.primary;
  const stream = await openObjectRange(s, o, 0, o.size - 1);
  const written = await writeBlob(s, stream, { maxBytes: o.size }, primary);
  if (written.size !== o.size || written.crc64 !== o.crc64) {
    await s.blobs.delete([written.blob]);
    return false;
  }
  const same = (e: ObjectRecord | undefined) =>
    e !== undefined &&
    e.etag === o.etag &&
    e.lastModified === o.lastModified &&
    e.segments.length === o.segments.length &&
    e.segments.every((seg, i) => seg.blob === o.segments[i].blob);
  try {
    const { released } = await s.meta.putObject({ ...o, segments: [segmentOf(written, primary)] }, (e) => {
      if (!same(e)) throw new Changed();
    });
    await s.blobs.delete(released);
    return true;
  } catch (err) {
    await s.blobs.delete([written.blob]);
    if (err instanceof Changed) return false;
    throw err;
  }
}

/** Re-encrypts the objects of `buckets` under the primary key; `log` gets one line per bucket. */
export async function reencrypt(
  s: BlobAccess,
  buckets: string[],
  log: (line: string) => void,
): Promise<ReencryptReport> {
  const report: ReencryptReport = { rewritten: 0, current: 0, changed: 0, bytes: 0 };
  for (const bucket of buckets) {
    let after = '';
    for (let page = 0; page < 10_000_000; page++) {
      const r = await s.meta.listObjects(bucket, { prefix: '', delimiter: '', after, maxKeys: 1000 });
      for (const listed of r.objects) {
        if (!needsRewrite(listed, s.keyring.primary)) {
          report.current++;
          continue;
        }
        // The listing's record may be stale by now: read it again.
        const o = await s.meta.getObject(bucket, listed.key);
        if (!o || !needsRewrite(o, s.keyring.primary)) {
          report.current++;
          continue;
        }
        if (await rewrite(s, o)) {
          report.rewritten++;
          report.bytes += o.size;
        } else report.changed++;
      }
      if (!r.isTruncated || r.objects.length === 0) break;
      after = r.objects[r.objects.length - 1].key;
    }
    log(`${bucket}: ${report.rewritten} re-encrypted so far, ${report.current} already current or plain`);
  }
  return report;
}
