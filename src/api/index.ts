import type { OperationName } from '../http/operations.js';
import { deleteBucket } from './bucket/delete-bucket.js';
import { listObjects } from './bucket/list-objects.js';
import { putBucket } from './bucket/put-bucket.js';
import type { Handler } from './handler.js';
import { deleteObject } from './object/delete-object.js';
import { getObject } from './object/get-object.js';
import { getObjectMeta } from './object/get-object-meta.js';
import { headObject } from './object/head-object.js';
import { putObject } from './object/put-object.js';
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
};
