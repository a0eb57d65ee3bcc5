import { preflight } from '../http/cors.js';
import type { OperationName } from '../http/operations.js';
import { deleteBucket } from './bucket/delete-bucket.js';
import { deleteBucketCors } from './bucket/delete-bucket-cors.js';
import { deleteBucketEncryption } from './bucket/delete-bucket-encryption.js';
import { deleteMultipleObjects } from './bucket/delete-multiple-objects.js';
import { deleteStyle } from './bucket/delete-style.js';
import { getBucketAcl } from './bucket/get-bucket-acl.js';
import { getBucketCors } from './bucket/get-bucket-cors.js';
import { getBucketEncryption } from './bucket/get-bucket-encryption.js';
import { getBucketInfo } from './bucket/get-bucket-info.js';
import { getBucketLocation } from './bucket/get-bucket-location.js';
import { getBucketStat } from './bucket/get-bucket-stat.js';
import { getStyle } from './bucket/get-style.js';
import { listObjects } from './bucket/list-objects.js';
import { listObjectsV2 } from './bucket/list-objects-v2.js';
import { listStyle } from './bucket/list-style.js';
import { postObject } from './bucket/post-object.js';
import { putBucket } from './bucket/put-bucket.js';
import { putBucketAcl } from './bucket/put-bucket-acl.js';
import { putBucketCors } from './bucket/put-bucket-cors.js';
import { putBucketEncryption } from './bucket/put-bucket-encryption.js';
import { putStyle } from './bucket/put-style.js';
import type { Handler } from './handler.js';
import { abortMultipartUpload } from './multipart/abort-multipart-upload.js';
import { completeMultipartUpload } from './multipart/complete-multipart-upload.js';
import { initiateMultipartUpload } from './multipart/initiate-multipart-upload.js';
import { listMultipartUploads } from './multipart/list-multipart-uploads.js';
import { listParts } from './multipart/list-parts.js';
import { uploadPart } from './multipart/upload-part.js';
import { uploadPartCopy } from './multipart/upload-part-copy.js';
import { appendObject } from './object/append-object.js';
import { copyObject } from './object/copy-object.js';
import { deleteObject } from './object/delete-object.js';
import { deleteObjectTagging } from './object/delete-object-tagging.js';
import { getObject } from './object/get-object.js';
import { getObjectAcl } from './object/get-object-acl.js';
import { getObjectMeta } from './object/get-object-meta.js';
import { getObjectTagging } from './object/get-object-tagging.js';
import { getSymlink } from './object/get-symlink.js';
import { headObject } from './object/head-object.js';
import { processObjectSave } from './object/process-object-save.js';
import { putObject } from './object/put-object.js';
import { putObjectAcl } from './object/put-object-acl.js';
import { putObjectTagging } from './object/put-object-tagging.js';
import { putSymlink } from './object/put-symlink.js';
import { restoreObject } from './object/restore-object.js';
import { listBuckets } from './service/list-buckets.js';

/** Operation → handler. An operation missing here answers NotImplemented. */
export const HANDLERS: Partial<Record<OperationName, Handler>> = {
  ListBuckets: listBuckets,
  PutBucket: putBucket,
  DeleteBucket: deleteBucket,
  ListObjects: listObjects,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  GetObjectMeta: getObjectMeta,
  DeleteObject: deleteObject,
  GetBucketInfo: getBucketInfo,
  GetBucketLocation: getBucketLocation,
  GetBucketStat: getBucketStat,
  PutBucketAcl: putBucketAcl,
  GetBucketAcl: getBucketAcl,
  PutObjectAcl: putObjectAcl,
  GetObjectAcl: getObjectAcl,
  ListObjectsV2: listObjectsV2,
  DeleteMultipleObjects: deleteMultipleObjects,
  CopyObject: copyObject,
  PutObjectTagging: putObjectTagging,
  GetObjectTagging: getObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
  PutSymlink: putSymlink,
  GetSymlink: getSymlink,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  RestoreObject: restoreObject,
  ListMultipartUploads: listMultipartUploads,
  AppendObject: appendObject,
  PostObject: postObject,
  PutBucketCors: putBucketCors,
  GetBucketCors: getBucketCors,
  PutBucketEncryption: putBucketEncryption,
  GetBucketEncryption: getBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
  DeleteBucketCors: deleteBucketCors,
  PutStyle: putStyle,
  GetStyle: getStyle,
  ListStyle: listStyle,
  DeleteStyle: deleteStyle,
  ProcessObjectSave: processObjectSave,
  Options: preflight,
};
