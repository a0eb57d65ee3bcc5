import { preflight } from '../http/cors.js';
import type { OperationName } from '../http/operations.js';
import { deleteBucket } from './bucket/delete-bucket.js';
import { deleteBucketCors } from './bucket/delete-bucket-cors.js';
import { deleteBucketEncryption } from './bucket/delete-bucket-encryption.js';
import { deleteBucketLifecycle } from './bucket/delete-bucket-lifecycle.js';
import { deleteBucketLogging } from './bucket/delete-bucket-logging.js';
import { deleteBucketPolicy } from './bucket/delete-bucket-policy.js';
import { deleteBucketTags } from './bucket/delete-bucket-tags.js';
import { deleteBucketWebsite } from './bucket/delete-bucket-website.js';
import { deleteMultipleObjects } from './bucket/delete-multiple-objects.js';
import { deleteStyle } from './bucket/delete-style.js';
import { getBucketAcl } from './bucket/get-bucket-acl.js';
import { getBucketCors } from './bucket/get-bucket-cors.js';
import { getBucketEncryption } from './bucket/get-bucket-encryption.js';
import { getBucketInfo } from './bucket/get-bucket-info.js';
import { getBucketLifecycle } from './bucket/get-bucket-lifecycle.js';
import { getBucketLocation } from './bucket/get-bucket-location.js';
import { getBucketLogging } from './bucket/get-bucket-logging.js';
import { getBucketPolicy } from './bucket/get-bucket-policy.js';
import { getBucketPolicyStatus } from './bucket/get-bucket-policy-status.js';
import { getBucketReferer } from './bucket/get-bucket-referer.js';
import { getBucketRequestPayment } from './bucket/get-bucket-request-payment.js';
import { getBucketStat } from './bucket/get-bucket-stat.js';
import { getBucketTags } from './bucket/get-bucket-tags.js';
import { getBucketVersioning } from './bucket/get-bucket-versioning.js';
import { getBucketWebsite } from './bucket/get-bucket-website.js';
import { getStyle } from './bucket/get-style.js';
import { listObjectVersions } from './bucket/list-object-versions.js';
import { listObjects } from './bucket/list-objects.js';
import { listObjectsV2 } from './bucket/list-objects-v2.js';
import { listStyle } from './bucket/list-style.js';
import { postObject } from './bucket/post-object.js';
import { putBucket } from './bucket/put-bucket.js';
import { putBucketAcl } from './bucket/put-bucket-acl.js';
import { putBucketCors } from './bucket/put-bucket-cors.js';
import { putBucketEncryption } from './bucket/put-bucket-encryption.js';
import { putBucketLifecycle } from './bucket/put-bucket-lifecycle.js';
import { putBucketLogging } from './bucket/put-bucket-logging.js';
import { putBucketPolicy } from './bucket/put-bucket-policy.js';
import { putBucketReferer } from './bucket/put-bucket-referer.js';
import { putBucketRequestPayment } from './bucket/put-bucket-request-payment.js';
import { putBucketTags } from './bucket/put-bucket-tags.js';
import { putBucketVersioning } from './bucket/put-bucket-versioning.js';
import { putBucketWebsite } from './bucket/put-bucket-website.js';
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
  PutBucketTags: putBucketTags,
  GetBucketTags: getBucketTags,
  DeleteBucketTags: deleteBucketTags,
  PutBucketWebsite: putBucketWebsite,
  GetBucketWebsite: getBucketWebsite,
  DeleteBucketWebsite: deleteBucketWebsite,
  PutBucketLogging: putBucketLogging,
  GetBucketLogging: getBucketLogging,
  DeleteBucketLogging: deleteBucketLogging,
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
  PutBucketLifecycle: putBucketLifecycle,
  GetBucketLifecycle: getBucketLifecycle,
  DeleteBucketLifecycle: deleteBucketLifecycle,
  PutStyle: putStyle,
  GetStyle: getStyle,
  ListStyle: listStyle,
  DeleteStyle: deleteStyle,
  PutBucketVersioning: putBucketVersioning,
  GetBucketVersioning: getBucketVersioning,
  ListObjectVersions: listObjectVersions,
  ProcessObjectSave: processObjectSave,
  Options: preflight,
  PutBucketPolicy: putBucketPolicy,
  GetBucketPolicy: getBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  GetBucketPolicyStatus: getBucketPolicyStatus,
  PutBucketReferer: putBucketReferer,
  GetBucketReferer: getBucketReferer,
  PutBucketRequestPayment: putBucketRequestPayment,
  GetBucketRequestPayment: getBucketRequestPayment,
};
