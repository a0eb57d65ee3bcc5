import type { Readable } from 'node:stream';

export type BucketAcl = 'private' | 'public-read' | 'public-read-write';
export type ObjectAcl = BucketAcl | 'default';
export type ObjectType = 'Normal' | 'Multipart' | 'Appendable' | 'Symlink';

export interface Account {
  id: string;
  name: string;
  createdAt: number;
}

export interface AccessKey {
  id: string;
  secret: string;
  accountId: string;
  createdAt: number;
  /** STS-style temporary keys carry a token and expiry. */
  securityToken?: string;
  expiresAt?: number;
}

export interface BucketRecord {
  name: string;
  owner: string;
  acl: BucketAcl;
  createdAt: number;
  region: string;
  storageClass: string;
  dataRedundancyType: string;
  /** Raw CORS rules as JSON, when set. */
  cors?: string;
  /** Versioning status; undefined = never enabled (a bucket cannot go back to that state). */
  versioning?: VersioningStatus;
}

/** A bucket's versioning status (PutBucketVersioning). */
export type VersioningStatus = 'Enabled' | 'Suspended';

/**
 * Blob ids: a file blob is 32 hex digits; an inline blob (a small object's bytes kept in the metadata
 * store, committed in the same transaction as its record) is `i` + 32 hex digits.
 */
export function isInlineBlob(blob: string): boolean {
  return blob.length === 33 && blob.charCodeAt(0) === 105; // 'i'
}

/** The bytes of a new inline blob, handed to the metadata store with the record that references it. */
export interface InlineBlob {
  blob: string;
  data: Buffer;
}

/** One stored byte range of an object: a blob (or the whole of it). */
export interface Segment {
  blob: string;
  size: number;
  /** CRC64 of this segment, decimal. */
  crc64: string;
  /** Id of the keyring key the blob's bytes are encrypted with (AES-256-CTR, IV from the blob id); absent: plain. */
  sseKey?: string;
}

/** Content headers stored with the object and sent back on GET/HEAD. */
export interface ContentHeaders {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** Server-side encryption requested at upload (x-oss-server-side-encryption*), echoed on GET/HEAD. */
  serverSideEncryption?: ServerSideEncryption;
}

/** What `x-oss-server-side-encryption`, `…-key-id` and `x-oss-server-side-data-encryption` asked for. */
export interface ServerSideEncryption {
  /** AES256, KMS or SM4. */
  algorithm: string;
  /** The KMS key id (KMS only). */
  keyId?: string;
  /** SM4 (KMS only). */
  dataEncryption?: string;
}

export interface ObjectRecord extends ContentHeaders {
  bucket: string;
  key: string;
  type: ObjectType;
  size: number;
  /** ETag without quotes, upper-case. */
  etag: string;
  /** CRC-64/ECMA-182 of the whole object, decimal. */
  crc64: string;
  /** Base64 MD5 of the content, for Normal objects. */
  contentMd5?: string;
  lastModified: number;
  acl: ObjectAcl;
  storageClass: string;
  meta: Record<string, string>;
  tags: Record<string, string>;
  segments: Segment[];
  symlinkTarget?: string;
  /**
   * The version's id on a versioned bucket; undefined = the `null` version (written while versioning was
   * off or suspended). Set by the store on write: callers leave it unset.
   */
  versionId?: string;
}

/** One version of an object (ListObjectVersions, GET ?versionId=): an object or a delete marker. */
export interface ObjectVersion extends ObjectRecord {
  /** A delete marker (no data; size 0, no segments). */
  deleteMarker: boolean;
  /** The key's newest version (the current object, or the delete marker that hides it). */
  isLatest: boolean;
  /** When a noncurrent version stopped being current (ms); undefined for the latest. */
  noncurrentSince?: number;
}

export interface ListVersionsQuery {
  prefix: string;
  delimiter: string;
  /** Versions of keys after this one (or of this key older than `versionIdMarker`). */
  keyMarker: string;
  /** 'null' names the null version. */
  versionIdMarker: string;
  maxKeys: number;
}

export interface ListVersionsResult {
  /** By key, and newest first within a key. */
  versions: ObjectVersion[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  /** 'null' for the null version; '' after a common prefix. */
  nextVersionIdMarker?: string;
}

/** Where a lifecycle scan stopped (opaque: pass a result's `next` back as is). */
export interface VersionCursor {
  key: string;
  seq: number;
}

export interface ListObjectsQuery {
  prefix: string;
  delimiter: string;
  /** Exclusive lower bound. */
  after: string;
  maxKeys: number;
}

/** A page of a listing: `T` is a whole record (ListObjectsResult) or what a listing shows (ObjectSummary). */
export interface ListPage<T> {
  objects: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Last key or common prefix returned, when truncated. */
  nextMarker?: string;
}

export type ListObjectsResult = ListPage<ObjectRecord>;

/** What ListObjects / ListObjectsV2 show of an object: read without the JSON columns (meta, tags, segments). */
export type ObjectSummary = Pick<ObjectRecord, 'key' | 'type' | 'size' | 'etag' | 'lastModified' | 'storageClass'>;

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  /** Object attributes captured at Initiate. */
  template: Omit<ObjectRecord, 'size' | 'etag' | 'crc64' | 'lastModified' | 'segments' | 'type' | 'bucket' | 'key'> & {
    /** Keyring key id every part of this upload is encrypted with (chosen at Initiate); absent: plain parts. */
    sseKey?: string;
  };
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blob: string;
  size: number;
  etag: string;
  crc64: string;
  lastModified: number;
}

/** File blobs that a metadata change released; the caller deletes them after the commit. */
export interface Released {
  released: string[];
  /**
   * Set by object writes on a versioned bucket (as the bucket's status was inside the write's commit):
   * the version id written, or 'null'. Undefined on a bucket that was never versioned.
   */
  versionId?: string;
}

export interface ListUploadsQuery {
  prefix: string;
  delimiter: string;
  /** Uploads of keys after this one (or of this key after `uploadIdMarker`). */
  keyMarker: string;
  uploadIdMarker: string;
  maxUploads: number;
}

export interface ListUploadsResult {
  uploads: MultipartUpload[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last upload (or common prefix, with uploadId '') returned. */
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** Multipart uploads and appends (one transaction each; `guard`/`build` run inside it and may throw). */
export interface MultipartStore {
  createUpload(upload: MultipartUpload): Promise<void>;
  getUpload(uploadId: string): Promise<MultipartUpload | undefined>;
  /** Adds or replaces a part (the replaced part's blob is released); 'no-upload' once the upload is gone. */
  putPart(part: PartRecord): Promise<Released | 'no-upload'>;
  /** Parts in part-number order after `after`, at most `max`. */
  listParts(uploadId: string, after: number, max: number): Promise<{ parts: PartRecord[]; isTruncated: boolean }>;
  /**
   * Turns the upload into `object` whose segments are the blobs of `used` parts. 'parts-changed' when a
   * used part was replaced since it was read. Releases unused parts and the replaced object's blobs.
   */
  completeUpload(
    uploadId: string,
    object: ObjectRecord,
    used: PartRecord[],
    guard?: (existing: ObjectRecord | undefined) => void,
  ): Promise<Released | 'no-upload' | 'parts-changed'>;
  abortUpload(uploadId: string): Promise<Released | 'no-upload'>;
  listUploads(bucket: string, q: ListUploadsQuery): Promise<ListUploadsResult>;
  /** Aborts every upload initiated before `cutoff` (ms), releasing their parts. */
  abortUploadsBefore(cutoff: number): Promise<Released & { uploads: string[] }>;
  /** Writes the object `build` derives from the current one, inside the commit (AppendObject). */
  appendObject(
    bucket: string,
    key: string,
    build: (existing: ObjectRecord | undefined) => ObjectRecord,
  ): Promise<Released & { object: ObjectRecord }>;
}

/** A bucket's usage (GetBucketStat): objects per storage class and uploads in progress. */
export interface BucketUsage {
  /** Per storage class: object count and summed logical size in bytes. */
  byClass: { storageClass: string; objects: number; bytes: number }[];
  /** Newest object's last-modified time (ms since the epoch); 0 for an empty bucket. */
  lastModified: number;
  multipartUploads: number;
}

export interface MetadataStore {
  // accounts and keys
  ensureAccount(id: string, name: string): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  putAccessKey(key: AccessKey): Promise<void>;
  getAccessKey(id: string): Promise<AccessKey | undefined>;
  listAccessKeys(): Promise<AccessKey[]>;
  deleteAccessKey(id: string): Promise<boolean>;
  // buckets
  createBucket(bucket: BucketRecord): Promise<'created' | 'exists'>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(owner?: string): Promise<BucketRecord[]>;
  updateBucket(name: string, patch: Partial<Pick<BucketRecord, 'acl' | 'cors' | 'versioning'>>): Promise<void>;
  /** Deletes an empty bucket and its configuration; 'not-empty' when objects, versions or uploads remain. */
  deleteBucket(name: string): Promise<'deleted' | 'not-empty' | 'missing'>;
  /**
   * A bucket's configuration documents by name (e.g. `tagging`, `referer`, `policy`, `lifecycle`,
   * `style/<NAME>`): opaque text (XML or JSON) owned by the feature that stores it. Deleted with the bucket.
   */
  getBucketConfig(bucket: string, name: string): Promise<string | undefined>;
  /** Sets (or with undefined, removes) one configuration document. */
  putBucketConfig(bucket: string, name: string, value: string | undefined): Promise<void>;
  /** Configuration documents of a bucket whose names start with `prefix`, by name. */
  listBucketConfig(bucket: string, prefix: string): Promise<{ name: string; value: string }[]>;
  /** Usage of a bucket, counted now (one scan of its objects). */
  bucketUsage(bucket: string): Promise<BucketUsage>;
  // objects
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /**
   * The record and, when the object is one inline blob, its bytes — read together (one snapshot), so a
   * small GET needs no second read and cannot race an overwrite.
   */
  getObjectWithData(bucket: string, key: string): Promise<{ object: ObjectRecord; data?: Buffer } | undefined>;
  /**
   * Inserts or replaces; returns the file blobs of the replaced version (its inline blobs are deleted in
   * the same commit). `inline` is stored with the record, in the same commit.
   */
  putObject(
    obj: ObjectRecord,
    guard?: (existing: ObjectRecord | undefined) => void,
    inline?: InlineBlob,
  ): Promise<Released>;
  /** Bytes [start, end] (inclusive) of an inline blob; undefined once it is gone (released by an overwrite). */
  readInline(blob: string, start: number, end: number): Promise<Buffer | undefined>;
  /**
   * Deletes the current object. On a versioned bucket nothing is lost: the current version becomes
   * noncurrent and a delete marker becomes the latest (Enabled: a new version id; Suspended: the `null`
   * version, which replaces and releases any earlier `null` version); `versionId` is then the marker's.
   * With `guard`, only when it returns true for the current object inside the commit (else nothing
   * happens and `existed` is false): lifecycle expires the object it judged, not a newer overwrite.
   */
  deleteObject(
    bucket: string,
    key: string,
    guard?: (existing: ObjectRecord) => boolean,
  ): Promise<Released & { existed: boolean; deleteMarker?: boolean }>;
  /** `storageClass` is set by lifecycle transitions. */
  updateObject(
    bucket: string,
    key: string,
    patch: Partial<Pick<ObjectRecord, 'acl' | 'tags' | 'meta' | 'storageClass'>>,
    /** A specific version ('null' = the null version); undefined = the current object. */
    versionId?: string,
  ): Promise<boolean>;
  listObjects(bucket: string, q: ListObjectsQuery): Promise<ListObjectsResult>;
  /** As listObjects, reading only what a listing shows (the API's listings: ~2× faster on a large page). */
  listObjectSummaries(bucket: string, q: ListObjectsQuery): Promise<ListPage<ObjectSummary>>;
  // versions (current objects stay in listObjects/getObject; these also see noncurrent versions and delete markers)
  /**
   * One version ('null' = the null version), or with `versionId` undefined the key's latest version (the
   * current object, or the delete marker hiding it). Undefined when there is no such version.
   */
  getObjectVersion(bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined>;
  /**
   * Permanently deletes one version or delete marker, releasing its blobs. When it was the latest, the
   * next newest version becomes the current object (unless that is a delete marker). `found` false when
   * there is no such version; `deleteMarker` tells whether what was deleted was a delete marker.
   */
  deleteObjectVersion(
    bucket: string,
    key: string,
    versionId: string,
  ): Promise<Released & { found: boolean; deleteMarker: boolean }>;
  /**
   * Re-encryption: replaces the segments of one version ('null' = the null version; the current object
   * when it is that version) if they are still the blobs `expected`, keeping its id and everything else.
   * Undefined when the version is gone or its segments changed; else the blobs released.
   */
  replaceVersionSegments(
    bucket: string,
    key: string,
    versionId: string,
    expected: string[],
    segments: Segment[],
  ): Promise<Released | undefined>;
  /**
   * Migration: stores one version as it is (same id, fields, noncurrent-since time). The current object
   * (`isLatest`, not a delete marker) becomes the key's current object; any other version or delete marker
   * (`noncurrentSince` undefined = the latest delete marker) the key's newest stored version, so importing a
   * key's versions oldest first keeps their order. Its file blobs must already be written; `inline` holds
   * its inline bytes. False, and nothing written, when the key has a version with that id (or, for a
   * current object, a current object).
   */
  importObjectVersion(v: ObjectVersion, inline?: InlineBlob): Promise<boolean>;
  /** ListObjectVersions: every version and delete marker, by key then newest first. */
  listObjectVersions(bucket: string, q: ListVersionsQuery): Promise<ListVersionsResult>;
  /**
   * Noncurrent versions and noncurrent delete markers of a bucket whose key starts with `prefix`, in
   * (key, newest first) order after `after`, at most `limit` (lifecycle NoncurrentVersionExpiration).
   * `next` is set when more may follow.
   */
  listNoncurrentVersions(
    bucket: string,
    q: { prefix: string; after?: VersionCursor; limit: number },
  ): Promise<{ versions: ObjectVersion[]; next?: VersionCursor }>;
  /**
   * Delete markers that are their key's latest and only version ("expired object delete markers"), keys
   * starting with `prefix`, in key order after the key `after`, at most `limit`; `next` = the key to
   * continue after when more may follow.
   */
  listExpiredDeleteMarkers(
    bucket: string,
    q: { prefix: string; after?: string; limit: number },
  ): Promise<{ markers: ObjectVersion[]; next?: string }>;
  /**
   * Which of `blobs` (file blob ids, at most a few thousand per call) an object or part references: garbage
   * collection asks page by page, so no store ever loads every referenced id into memory.
   */
  referencedAmong(blobs: string[]): Promise<Set<string>>;
  /** Multipart uploads, parts and appends. */
  readonly multipart: MultipartStore;
  /** A deployment-wide setting (e.g. the callback signing key), shared by every node on this store. */
  getSetting(name: string): Promise<string | undefined>;
  /** Stores `value` unless the setting exists; returns the value that is stored now (the first writer wins). */
  putSettingIfAbsent(name: string, value: string): Promise<string>;
  /**
   * Runs `fn` only if no other node sharing this store is running work of the same `name` (background jobs:
   * multipart collection, lifecycle); resolves to undefined without running it when another node holds it.
   */
  runExclusive<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Checks that the store answers (health probe); throws when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface BlobWriteResult {
  blob: string;
  size: number;
  md5: Buffer;
  crc64: string;
  /** Set for an inline blob: the bytes, not yet stored (they go to the metadata store with the record). */
  data?: Buffer;
}

export interface BlobWriteOptions {
  /** Abort with EntityTooLarge past this many bytes. */
  maxBytes: number;
  /** Called with every chunk as it streams (e.g. the image sniffer). */
  onChunk?: (chunk: Buffer) => void;
  /** Store under this new id (32 random hex digits, e.g. because an encryption IV derives from it). */
  blob?: string;
  /**
   * The caller hashes what it needs itself (the plaintext of encrypted bytes): a store may skip MD5/CRC-64
   * of what it writes (the result's `md5`/`crc64` are then meaningless), unless it needs them for its own checks.
   */
  unhashed?: boolean;
}

export interface BlobStore {
  write(source: Readable, options: BlobWriteOptions): Promise<BlobWriteResult>;
  /** Reads [start, end] inclusive of one blob. */
  read(blob: string, start?: number, end?: number): Promise<Readable>;
  /** Reads [start, end] inclusive into memory (small ranges: cheaper than a stream). */
  readBuffer(blob: string, start: number, end: number): Promise<Buffer>;
  /** Fills `target` with the blob's bytes from `start` (a caller-owned, reused buffer: no allocation). */
  readInto?(blob: string, start: number, target: Buffer): Promise<void>;
  /** Deletes file blobs; ids that are not this store's (inline blobs) are ignored. */
  delete(blobs: string[]): Promise<void>;
  /** Every stored blob with the time it was written (ms), in any order. */
  list(): AsyncIterable<BlobListing>;
  /** Ids of blobs this process is currently writing (never collected). */
  inFlight(): Set<string>;
  /** Checks that the store answers (health probe); throws when it does not. */
  ping(): Promise<void>;
  close?(): Promise<void>;
}

export interface BlobListing {
  blob: string;
  /** When the blob was written (its file's mtime, or the object store's LastModified), ms since the epoch. */
  modifiedAt: number;
}

/** The content headers of a record, as every metadata store keeps them (one JSON document). */
export function storedHeaders(o: ContentHeaders): ContentHeaders {
  return {
    contentType: o.contentType,
    cacheControl: o.cacheControl,
    contentDisposition: o.contentDisposition,
    contentEncoding: o.contentEncoding,
    contentLanguage: o.contentLanguage,
    expires: o.expires,
    serverSideEncryption: o.serverSideEncryption,
  };
}
