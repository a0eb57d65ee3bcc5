/**
 * `ossd migrate --to-metadata URL --to-blobs URL`: copies a deployment (by default the embedded one in
 * --data) into other stores — typically PostgreSQL + an S3 store — verifying every byte on the way.
 *
 * Resumable: everything is copied idempotently and an object already at the destination with the same ETag,
 * size, CRC-64 and modification time is skipped, so an interrupted run is simply started again. Each blob's
 * CRC-64 (and, for single-blob objects, MD5) is recomputed while it is written to the destination and must
 * equal what the source recorded; a mismatch stops the run before the object is committed there.
 *
 * On a versioned bucket the noncurrent versions and delete markers move too, with their version ids,
 * noncurrent-since times, tags, ACL and metadata, imported oldest first per key so their order stays the
 * same; one already at the destination (same id) is skipped.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openStorage, type Storage } from '../backends.js';
import { CALLBACK_KEY_FILE, CALLBACK_KEY_SETTING, keepCallbackKeyFile } from '../callback/keys.js';
import type { Config } from '../config/config.js';
import { Crc64, crc64 } from '../storage/crc64.js';
import { GENERATED_KEY_SETTING } from '../storage/encryption.js';
import {
  type InlineBlob,
  isInlineBlob,
  type ObjectRecord,
  type ObjectVersion,
  type PartRecord,
} from '../storage/types.js';

export interface MigrateReport {
  accounts: number;
  keys: number;
  buckets: number;
  objects: number;
  skipped: number;
  /** Noncurrent versions and delete markers copied, and those already at the destination. */
  versions: number;
  versionsSkipped: number;
  bytes: number;
  uploads: number;
  parts: number;
}

export class MigrationError extends Error {}

type Log = (line: string) => void;

function sameObject(a: ObjectRecord, b: ObjectRecord): boolean {
  return (
    a.etag === b.etag &&
    a.size === b.size &&
    a.crc64 === b.crc64 &&
    a.lastModified === b.lastModified &&
    a.type === b.type &&
    a.symlinkTarget === b.symlinkTarget
  );
}

/**
 * Copies an encrypted blob as it is stored (ciphertext; no key needed) under the same id, which its IV derives
 * from, checking that the destination received exactly the bytes read (their CRC-64 and size).
 */
async function copyEncryptedBlob(
  from: Storage,
  to: Storage,
  seg: { blob: string; size: number },
  what: string,
): Promise<{ blob: string; inline?: InlineBlob }> {
  if (isInlineBlob(seg.blob)) {
    const data = seg.size === 0 ? Buffer.alloc(0) : await from.meta.readInline(seg.blob, 0, seg.size - 1);
    if (!data || data.length !== seg.size) throw new MigrationError(`${what}: its inline bytes are missing`);
    return { blob: seg.blob, inline: { blob: seg.blob, data } };
  }
  const read = new Crc64();
  const source = seg.size === 0 ? Readable.from([]) : await from.blobs.read(seg.blob, 0, seg.size - 1);
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const c of source) {
      read.update(c as Buffer);
      yield c as Buffer;
    }
  }
  // A run that stopped after writing this blob but before committing it left it behind: write it again.
  await to.blobs.delete([seg.blob]);
  const written = await to.blobs.write(Readable.from(counted(), { objectMode: false }), {
    maxBytes: seg.size,
    blob: seg.blob,
  });
  if (written.size !== seg.size || written.crc64 !== read.digest()) {
    await to.blobs.delete([written.blob]);
    throw new MigrationError(`${what}: the copied (encrypted) bytes differ from the source`);
  }
  return { blob: written.blob };
}

/** Copies one blob, checking the CRC-64 (and the MD5 when `md5` is given) of what was written. */
async function copyBlob(
  from: Storage,
  to: Storage,
  seg: { blob: string; size: number; crc64: string; sseKey?: string },
  what: string,
  md5?: string,
): Promise<{ blob: string; inline?: InlineBlob }> {
  if (seg.sseKey) return copyEncryptedBlob(from, to, seg, what);
  if (isInlineBlob(seg.blob)) {
    const data = seg.size === 0 ? Buffer.alloc(0) : await from.meta.readInline(seg.blob, 0, seg.size - 1);
    if (!data || data.length !== seg.size) throw new MigrationError(`${what}: its inline bytes are missing`);
    if (crc64(data) !== seg.crc64) throw new MigrationError(`${what}: CRC-64 of the source bytes does not match`);
    if (md5 !== undefined && createHash('md5').update(data).digest('base64') !== md5) {
      throw new MigrationError(`${what}: MD5 of the source bytes does not match`);
    }
    return { blob: seg.blob, inline: { blob: seg.blob, data } };
  }
  const source = seg.size === 0 ? Readable.from([]) : await from.blobs.read(seg.blob, 0, seg.size - 1);
  const written = await to.blobs.write(source, { maxBytes: seg.size });
  const bad =
    written.size !== seg.size
      ? `size ${written.size} instead of ${seg.size}`
      : written.crc64 !== seg.crc64
        ? 'CRC-64 does not match'
        : md5 !== undefined && written.md5.toString('base64') !== md5
          ? 'MD5 does not match'
          : undefined;
  if (bad) {
    await to.blobs.delete([written.blob]);
    throw new MigrationError(`${what}: the copied bytes differ from the source (${bad})`);
  }
  return { blob: written.blob };
}

/** Copies (and verifies) the blobs of an object or version; all or none of them stay written. */
async function copySegments(
  from: Storage,
  to: Storage,
  o: ObjectRecord,
  what: string,
): Promise<{ segments: ObjectRecord['segments']; written: string[]; inline?: InlineBlob }> {
  const md5 = o.segments.length === 1 && o.type === 'Normal' ? o.contentMd5 : undefined;
  const copied: { blob: string; inline?: InlineBlob }[] = [];
  try {
    for (const seg of o.segments) copied.push(await copyBlob(from, to, seg, what, md5));
  } catch (err) {
    await to.blobs.delete(copied.filter((c) => !c.inline).map((c) => c.blob));
    throw err;
  }
  return {
    segments: o.segments.map((s, i) => ({ ...s, blob: copied[i].blob })),
    written: copied.filter((c) => !c.inline).map((c) => c.blob),
    inline: copied.find((c) => c.inline)?.inline,
  };
}

async function copyObject(from: Storage, to: Storage, o: ObjectRecord, report: MigrateReport): Promise<void> {
  const existing = await to.meta.getObject(o.bucket, o.key);
  if (existing && sameObject(existing, o)) {
    report.skipped++;
    return;
  }
  const { segments, inline } = await copySegments(from, to, o, `object ${o.bucket}/${o.key}`);
  const record: ObjectRecord = { ...o, segments };
  const { released } = await to.meta.putObject(record, undefined, inline);
  await to.blobs.delete(released);
  report.objects++;
  report.bytes += o.size;
}

/** Copies one version (current, noncurrent or delete marker) as it is, unless the destination has it. */
async function copyVersion(from: Storage, to: Storage, v: ObjectVersion, report: MigrateReport): Promise<void> {
  const id = v.versionId ?? 'null';
  const isCurrent = v.isLatest && !v.deleteMarker;
  const what = `version ${id} of ${v.bucket}/${v.key}`;
  const existing = await to.meta.getObjectVersion(v.bucket, v.key, id);
  if (existing) {
    if (existing.deleteMarker !== v.deleteMarker || existing.isLatest !== v.isLatest || !sameObject(existing, v)) {
      throw new MigrationError(`${what}: the destination has a different version with that id`);
    }
    if (isCurrent) report.skipped++;
    else report.versionsSkipped++;
    return;
  }
  const { segments, written, inline } = await copySegments(from, to, v, what);
  if (!(await to.meta.importObjectVersion({ ...v, segments }, inline))) {
    await to.blobs.delete(written);
    throw new MigrationError(`${what}: the destination has another version there`);
  }
  if (isCurrent) report.objects++;
  else report.versions++;
  report.bytes += v.size;
}

/**
 * Copies every version of a versioned bucket: current objects, noncurrent versions, delete markers. The
 * listing is newest first per key; each key's versions are imported oldest first, which keeps the order.
 */
async function copyVersions(from: Storage, to: Storage, bucket: string, report: MigrateReport): Promise<void> {
  let pending: ObjectVersion[] = [];
  const flush = async () => {
    for (const v of pending.reverse()) await copyVersion(from, to, v, report);
    pending = [];
  };
  let keyMarker = '';
  let versionIdMarker = '';
  for (;;) {
    const page = await from.meta.listObjectVersions(bucket, {
      prefix: '',
      delimiter: '',
      keyMarker,
      versionIdMarker,
      maxKeys: 1000,
    });
    for (const v of page.versions) {
      if (pending.length > 0 && pending[0].key !== v.key) await flush();
      pending.push(v);
    }
    if (!page.isTruncated || !page.nextKeyMarker) break;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker ?? '';
  }
  await flush();
}

async function copyUploads(from: Storage, to: Storage, bucket: string, report: MigrateReport): Promise<void> {
  let keyMarker = '';
  let uploadIdMarker = '';
  for (;;) {
    const page = await from.meta.multipart.listUploads(bucket, {
      prefix: '',
      delimiter: '',
      keyMarker,
      uploadIdMarker,
      maxUploads: 1000,
    });
    for (const u of page.uploads) {
      if (!(await to.meta.multipart.getUpload(u.uploadId))) await to.meta.multipart.createUpload(u);
      const have = new Map<number, PartRecord>();
      for (let after = 0; ; ) {
        const r = await to.meta.multipart.listParts(u.uploadId, after, 1000);
        for (const p of r.parts) have.set(p.partNumber, p);
        if (!r.isTruncated || r.parts.length === 0) break;
        after = r.parts[r.parts.length - 1].partNumber;
      }
      for (let after = 0; ; ) {
        const r = await from.meta.multipart.listParts(u.uploadId, after, 1000);
        for (const p of r.parts) {
          const done = have.get(p.partNumber);
          if (done && done.etag === p.etag && done.crc64 === p.crc64 && done.size === p.size) continue;
          const { blob } = await copyBlob(
            from,
            to,
            { ...p, sseKey: u.template.sseKey },
            `part ${p.partNumber} of upload ${u.uploadId}`,
          );
          const put = await to.meta.multipart.putPart({ ...p, blob });
          if (put !== 'no-upload') await to.blobs.delete(put.released);
          report.parts++;
          report.bytes += p.size;
        }
        if (!r.isTruncated || r.parts.length === 0) break;
        after = r.parts[r.parts.length - 1].partNumber;
      }
      report.uploads++;
    }
    if (!page.isTruncated || !page.nextKeyMarker) return;
    keyMarker = page.nextKeyMarker;
    uploadIdMarker = page.nextUploadIdMarker ?? '';
  }
}

/** Copies everything from `from` into `to`; prints progress through `log`. */
export async function migrate(from: Storage, to: Storage, log: Log): Promise<MigrateReport> {
  const report: MigrateReport = {
    accounts: 0,
    keys: 0,
    buckets: 0,
    objects: 0,
    skipped: 0,
    versions: 0,
    versionsSkipped: 0,
    bytes: 0,
    uploads: 0,
    parts: 0,
  };
  const keys = await from.meta.listAccessKeys();
  const buckets = await from.meta.listBuckets();
  const accountIds = new Set([...keys.map((k) => k.accountId), ...buckets.map((b) => b.owner)]);
  for (const id of accountIds) {
    const account = await from.meta.getAccount(id);
    await to.meta.ensureAccount(id, account?.name ?? id);
    report.accounts++;
  }
  for (const k of keys) {
    await to.meta.putAccessKey(k);
    report.keys++;
  }
  // The callback signing key: applications verify callbacks with it, so it moves too.
  const pem =
    (await from.meta.getSetting(CALLBACK_KEY_SETTING)) ??
    (from.dataDir !== undefined ? readKeyFile(from.dataDir) : undefined);
  if (pem !== undefined) {
    const kept =
      to.dataDir !== undefined
        ? keepCallbackKeyFile(to.dataDir, pem)
        : await to.meta.putSettingIfAbsent(CALLBACK_KEY_SETTING, pem);
    if (kept !== pem) log('warning: the destination already has a different callback signing key; it was kept');
  }
  // The key ossd generated for server-side encryption: the objects it encrypted need it.
  const generated = await from.meta.getSetting(GENERATED_KEY_SETTING);
  if (generated !== undefined && (await to.meta.putSettingIfAbsent(GENERATED_KEY_SETTING, generated)) !== generated) {
    throw new MigrationError('the destination already has a different generated encryption key');
  }
  for (const b of buckets) {
    if ((await to.meta.createBucket(b)) === 'exists') await to.meta.updateBucket(b.name, { acl: b.acl, cors: b.cors });
    // Bucket configuration documents (default encryption, image styles, …).
    for (const c of await from.meta.listBucketConfig(b.name, ''))
      await to.meta.putBucketConfig(b.name, c.name, c.value);
    report.buckets++;
    let after = '';
    // (A versioned bucket's current objects are copied with its other versions, below.)
    while (!b.versioning) {
      const page = await from.meta.listObjects(b.name, { prefix: '', delimiter: '', after, maxKeys: 1000 });
      for (const o of page.objects) await copyObject(from, to, o, report);
      log(`  ${b.name}: ${report.objects} copied, ${report.skipped} already there, ${report.bytes} bytes so far`);
      if (!page.isTruncated || page.objects.length === 0) break;
      after = page.objects[page.objects.length - 1].key;
    }
    await copyUploads(from, to, b.name, report);
    // A versioned bucket: every version as it is (ids, order); then the status, so new writes are versioned.
    if (b.versioning) {
      await copyVersions(from, to, b.name, report);
      log(
        `  ${b.name}: ${report.objects} objects and ${report.versions} older versions and delete markers copied, ` +
          `${report.skipped + report.versionsSkipped} already there, ${report.bytes} bytes so far`,
      );
      await to.meta.updateBucket(b.name, { versioning: b.versioning });
    }
  }
  return report;
}

function readKeyFile(dir: string): string | undefined {
  try {
    return readFileSync(path.join(dir, CALLBACK_KEY_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/** The command: source = the configured stores (--data, or --metadata/--blobs), destination from the flags. */
export async function runMigrate(config: Config, flags: Record<string, unknown>): Promise<number> {
  const toMetadata = flags['to-metadata'];
  const toBlobs = flags['to-blobs'];
  if (typeof toMetadata !== 'string' || typeof toBlobs !== 'string') {
    process.stderr.write('usage: ossd migrate --to-metadata URL --to-blobs URL [--data DIR]\n');
    return 2;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const from = await openStorage(config);
  try {
    const to = await openStorage({ ...config, metadata: toMetadata, blobs: toBlobs });
    try {
      log(
        `migrating ${from.describe.metadata} + ${from.describe.blobs} → ${to.describe.metadata} + ${to.describe.blobs}`,
      );
      const r = await migrate(from, to, log);
      log(
        `done: ${r.accounts} accounts, ${r.keys} keys, ${r.buckets} buckets, ${r.objects} objects copied ` +
          `(${r.skipped} already there), ${r.uploads} multipart uploads with ${r.parts} parts, ` +
          `${r.versions} noncurrent versions and delete markers copied (${r.versionsSkipped} already there), ` +
          `${r.bytes} bytes verified`,
      );
      return 0;
    } finally {
      await to.close();
    }
  } catch (err) {
    if (err instanceof MigrationError) {
      process.stderr.write(`ossd migrate: ${err.message}; nothing after it was copied (run again once fixed)\n`);
      return 1;
    }
    throw err;
  } finally {
    await from.close();
  }
}
