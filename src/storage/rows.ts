/** Row shapes of the metadata tables (the same columns in SQLite and PostgreSQL) and their conversion to the storage records. */
import {
  type AccessKey,
  type BucketRecord,
  type MultipartUpload,
  type ObjectRecord,
  type ObjectSummary,
  type ObjectVersion,
  type PartRecord,
  storedHeaders,
} from './types.js';

export interface ObjectRow {
  bucket: string;
  key: string;
  type: string;
  size: number;
  etag: string;
  crc64: string;
  content_md5: string | null;
  last_modified: number;
  acl: string;
  storage_class: string;
  headers: string;
  meta: string;
  tags: string;
  segments: string;
  symlink_target: string | null;
  /** NULL = the null version ('null' in object_versions, whose version_id is never NULL). */
  version_id: string | null;
}

/** A row of object_versions: a noncurrent version or a delete marker. */
export interface VersionRow extends ObjectRow {
  seq: number;
  is_delete_marker: number | boolean;
  noncurrent_since: number | null;
}

export interface BucketRow {
  name: string;
  owner: string;
  acl: string;
  created_at: number;
  region: string;
  storage_class: string;
  data_redundancy_type: string;
  cors: string | null;
  versioning?: string | null;
}

export interface KeyRow {
  id: string;
  secret: string;
  account_id: string;
  created_at: number;
  security_token: string | null;
  expires_at: number | null;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  template: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob: string;
  size: number;
  etag: string;
  crc64: string;
  last_modified: number;
}

export const OBJECT_COLUMNS =
  'bucket, key, type, size, etag, crc64, content_md5, last_modified, acl, storage_class, headers, meta, tags, segments, symlink_target, version_id';

/** The columns ObjectSummary needs (toSummary). */
export const SUMMARY_COLUMNS = 'key, type, size, etag, last_modified, storage_class';

export function toSummary(
  r: Pick<ObjectRow, 'key' | 'type' | 'size' | 'etag' | 'last_modified' | 'storage_class'>,
): ObjectSummary {
  return {
    key: r.key,
    type: r.type as ObjectRecord['type'],
    size: r.size,
    etag: r.etag,
    lastModified: r.last_modified,
    storageClass: r.storage_class,
  };
}

export function toObject(r: ObjectRow): ObjectRecord {
  return {
    bucket: r.bucket,
    key: r.key,
    type: r.type as ObjectRecord['type'],
    size: r.size,
    etag: r.etag,
    crc64: r.crc64,
    contentMd5: r.content_md5 ?? undefined,
    lastModified: r.last_modified,
    acl: r.acl as ObjectRecord['acl'],
    storageClass: r.storage_class,
    ...(JSON.parse(r.headers) as Pick<ObjectRecord, 'contentType'>),
    meta: JSON.parse(r.meta),
    tags: JSON.parse(r.tags),
    segments: JSON.parse(r.segments),
    symlinkTarget: r.symlink_target ?? undefined,
    versionId: r.version_id === null || r.version_id === 'null' ? undefined : r.version_id,
  };
}

/** A version row as an ObjectVersion (`isLatest` is decided by the caller, who knows the key's order). */
export function toVersion(r: VersionRow, isLatest: boolean): ObjectVersion {
  const o = toObject(r);
  const deleteMarker = r.is_delete_marker === true || r.is_delete_marker === 1;
  return {
    ...o,
    deleteMarker,
    isLatest,
    noncurrentSince: r.noncurrent_since === null ? undefined : Number(r.noncurrent_since),
  };
}

/** The parameters of an objects row, in OBJECT_COLUMNS order. */
export function objectParams(o: ObjectRecord): unknown[] {
  const headers = storedHeaders(o);
  return [
    o.bucket,
    o.key,
    o.type,
    o.size,
    o.etag,
    o.crc64,
    o.contentMd5 ?? null,
    o.lastModified,
    o.acl,
    o.storageClass,
    JSON.stringify(headers),
    JSON.stringify(o.meta),
    JSON.stringify(o.tags),
    JSON.stringify(o.segments),
    o.symlinkTarget ?? null,
    o.versionId ?? null,
  ];
}

export function toBucket(r: BucketRow): BucketRecord {
  return {
    name: r.name,
    owner: r.owner,
    acl: r.acl as BucketRecord['acl'],
    createdAt: r.created_at,
    region: r.region,
    storageClass: r.storage_class,
    dataRedundancyType: r.data_redundancy_type,
    cors: r.cors ?? undefined,
    ...(r.versioning === 'Enabled' || r.versioning === 'Suspended' ? { versioning: r.versioning } : {}),
  };
}

export function toKey(r: KeyRow): AccessKey {
  return {
    id: r.id,
    secret: r.secret,
    accountId: r.account_id,
    createdAt: r.created_at,
    securityToken: r.security_token ?? undefined,
    expiresAt: r.expires_at ?? undefined,
  };
}

export function toUpload(r: UploadRow): MultipartUpload {
  return {
    uploadId: r.upload_id,
    bucket: r.bucket,
    key: r.key,
    initiated: r.initiated,
    template: JSON.parse(r.template),
  };
}

export function toPart(r: PartRow): PartRecord {
  return {
    uploadId: r.upload_id,
    partNumber: r.part_number,
    blob: r.blob,
    size: r.size,
    etag: r.etag,
    crc64: r.crc64,
    lastModified: r.last_modified,
  };
}
