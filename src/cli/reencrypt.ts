/**
 * `ossd encryption reencrypt [--bucket B]`: after a key rotation, rewrites every encrypted object — and every
 * noncurrent version of versioned buckets — whose bytes are under another key than the keyring's primary
 * one (same content, ETag, CRC-64, metadata, modification time and version id; new blobs under the
 * primary key), swapping the version's segments in place (no new version is made). Safe beside a running
 * server: each version is committed only if its blobs did not change meanwhile (else it is left for the
 * next run); the old blobs are deleted after the commit.
 */
import { type BlobAccess, segmentOf, writeBlob } from '../api/object/encrypted-blob.js';
import { openObjectRange } from '../api/object/read-object.js';
import type { ObjectRecord, Released, VersionCursor } from '../storage/types.js';

export interface ReencryptReport {
  rewritten: number;
  /** Already under the primary key, or not encrypted. */
  current: number;
  /** Changed while being rewritten (left for the next run). */
  changed: number;
  bytes: number;
}

function needsRewrite(o: ObjectRecord, primary: string): boolean {
  return o.type !== 'Symlink' && o.segments.some((seg) => seg.sseKey !== undefined && seg.sseKey !== primary);
}

/**
 * Rewrites one version's bytes under the primary key and swaps its segments in place (same version id,
 * no new version on a versioned bucket); false when it changed meanwhile.
 */
async function rewrite(s: BlobAccess, o: ObjectRecord): Promise<boolean> {
  const primary = s.keyring.primary;
  const stream = await openObjectRange(s, o, 0, o.size - 1);
  const written = await writeBlob(s, stream, { maxBytes: o.size }, primary);
  if (written.size !== o.size || written.crc64 !== o.crc64) {
    await s.blobs.delete([written.blob]);
    return false;
  }
  let r: Released | undefined;
  try {
    r = await s.meta.replaceVersionSegments(
      o.bucket,
      o.key,
      o.versionId ?? 'null',
      o.segments.map((seg) => seg.blob),
      [segmentOf(written, primary)],
    );
  } catch (err) {
    await s.blobs.delete([written.blob]);
    throw err;
  }
  if (!r) {
    await s.blobs.delete([written.blob]);
    return false;
  }
  await s.blobs.delete(r.released);
  return true;
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
    // Noncurrent versions (versioned buckets) hold bytes under old keys too.
    let cursor: VersionCursor | undefined;
    for (let page = 0; page < 10_000_000; page++) {
      const r = await s.meta.listNoncurrentVersions(bucket, { prefix: '', after: cursor, limit: 1000 });
      for (const v of r.versions) {
        if (v.deleteMarker || !needsRewrite(v, s.keyring.primary)) {
          if (!v.deleteMarker) report.current++;
          continue;
        }
        if (await rewrite(s, v)) {
          report.rewritten++;
          report.bytes += v.size;
        } else report.changed++;
      }
      if (!r.next) break;
      cursor = r.next;
    }
    log(`${bucket}: ${report.rewritten} re-encrypted so far, ${report.current} already current or plain`);
  }
  return report;
}
