/**
 * What a scale-out deployment's stores hold, read around ossd: the blob ids in the S3 bucket (listed with the
 * gateway's own client) and the blob ids the metadata references (a direct PostgreSQL query). Tests compare
 * the two: every referenced blob must exist, and after collection nothing unreferenced may remain.
 */
import pg from 'pg';
import type { Rgw } from './rgw.js';
import { rgwClient } from './rgw.js';

/** A file blob's id (inline blobs start with `i` and live in PostgreSQL). */
const FILE_BLOB = /^[0-9a-f]{32}$/;

/** Splits `s3://BUCKET/PREFIX` into its parts. */
export function s3Location(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1], prefix: m[2].replace(/\/$/, '') };
}

/** Every blob id stored under the prefix of `s3://BUCKET/PREFIX`. */
export async function storedBlobIds(rgw: Rgw, blobsUrl: string): Promise<Set<string>> {
  const { bucket, prefix } = s3Location(blobsUrl);
  const client = rgwClient(rgw);
  const out = new Set<string>();
  try {
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: prefix ? `${prefix}/` : '' };
      if (token) query['continuation-token'] = token;
      const doc = await client.sendXml({ method: 'GET', bucket, query });
      const page = (doc.ListBucketResult ?? {}) as {
        Contents?: { Key: string } | { Key: string }[];
        IsTruncated?: string;
        NextContinuationToken?: string;
      };
      const contents =
        page.Contents === undefined ? [] : Array.isArray(page.Contents) ? page.Contents : [page.Contents];
      for (const o of contents) out.add(o.Key.slice(o.Key.lastIndexOf('/') + 1));
      token = page.IsTruncated === 'true' ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    await client.close();
  }
  return out;
}

/** The file blobs objects (`blob_refs`) and open uploads' parts (`parts`) reference, read from PostgreSQL. */
export async function referencedBlobIds(metadataUrl: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: metadataUrl });
  await client.connect();
  try {
    const r = await client.query<{ blob: string }>('SELECT blob FROM blob_refs UNION SELECT blob FROM parts');
    return new Set(r.rows.map((x) => x.blob).filter((b) => FILE_BLOB.test(b)));
  } finally {
    await client.end();
  }
}

/** One query on the metadata database (for counts the tests check directly). */
export async function queryMetadata<T extends pg.QueryResultRow>(
  metadataUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: metadataUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Compares the stores: referenced blobs missing from the bucket, and stored blobs nothing references. */
export async function blobAccounting(
  rgw: Rgw,
  blobsUrl: string,
  metadataUrl: string,
): Promise<{ missing: string[]; unreferenced: string[]; stored: number; referenced: number }> {
  const referenced = await referencedBlobIds(metadataUrl);
  const stored = await storedBlobIds(rgw, blobsUrl);
  return {
    missing: [...referenced].filter((b) => !stored.has(b)),
    unreferenced: [...stored].filter((b) => !referenced.has(b)),
    stored: stored.size,
    referenced: referenced.size,
  };
}
