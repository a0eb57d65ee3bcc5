import type OSS from 'ali-oss';

/** ali-oss's own request path (signing included), for bodies its helpers would refuse to build. */
interface RequestingClient {
  _bucketRequestParams(
    method: string,
    bucket: string,
    subres: string | Record<string, string>,
    options?: Record<string, unknown>,
  ): Record<string, unknown>;
  request(params: Record<string, unknown>): Promise<{ status: number; data: Buffer; res: OSS.NormalSuccessResponse }>;
}

/** A signed bucket-level request sent by ali-oss itself: `METHOD /bucket/?subres` with an XML body. */
export function rawBucketRequest(
  client: OSS,
  method: string,
  bucket: string,
  subres: string | Record<string, string>,
  body?: string,
): Promise<{ status: number; data: Buffer; res: OSS.NormalSuccessResponse }> {
  const c = client as unknown as RequestingClient;
  const params = c._bucketRequestParams(method, bucket, subres, {});
  if (body !== undefined) {
    params.content = body;
    params.mime = 'xml';
  }
  params.successStatuses = [200, 204];
  return c.request(params);
}
