/** The location of an S3 blob store: `s3://BUCKET[/PREFIX]`. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slashes ('' for the bucket's root). */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error(`blob store URL must look like s3://BUCKET[/PREFIX], got ${JSON.stringify(url)}`);
  const bucket = m[1];
  if (!BUCKET.test(bucket)) throw new Error(`invalid S3 bucket name ${JSON.stringify(bucket)}`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '' || p === '.' || p === '..') && prefix !== '') {
    throw new Error(`invalid S3 key prefix ${JSON.stringify(prefix)}`);
  }
  return { bucket, prefix };
}

/** The object key of a blob: PREFIX/xx/<id>, xx being the id's first two hex digits. */
export function blobKey(prefix: string, blob: string): string {
  const tail = `${blob.slice(0, 2)}/${blob}`;
  return prefix ? `${prefix}/${tail}` : tail;
}
