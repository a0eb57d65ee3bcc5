import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatBytes } from './format.js';
import { href } from './router.js';
import { type Credentials, errorText, ossClient, signedUrl } from './session.js';
import { ShareLink } from './share-link.js';

interface Head {
  headers: Record<string, string>;
  meta: Record<string, string>;
}

/** HeadObject of one object: content type, size, ETag, CRC64, user metadata and all headers. */
export function ObjectInfo(props: { creds: Credentials; bucket: string; objectKey: string; onClose: () => void }) {
  const { creds, bucket, objectKey } = props;
  const [head, setHead] = useState<Head | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setHead(undefined);
    setError('');
    ossClient(creds, bucket)
      .head(objectKey)
      .then((r) => {
        const res = r.res as unknown as { headers: Record<string, string> };
        setHead({ headers: res.headers, meta: (r.meta ?? {}) as Record<string, string> });
      })
      .catch((err) => setError(errorText(err)));
  }, [creds, bucket, objectKey]);
  const h = head?.headers ?? {};
  const field = (label: string, value: string | undefined, id: string) => (
    <>
      <dt>{label}</dt>
      <dd data-field={id}>{value ?? ''}</dd>
    </>
  );
  return (
    <aside class="card info" data-testid="object-info">
      <div class="row spread">
        <h3>{objectKey}</h3>
        <button type="button" class="link" onClick={props.onClose}>
          Close
        </button>
      </div>
      {error && <p class="error">{error}</p>}
      {head && (
        <>
          <dl>
            {field('Content-Type', h['content-type'], 'content-type')}
            {field('Size', `${formatBytes(Number(h['content-length']))} (${h['content-length']} bytes)`, 'size')}
            {field('ETag', h.etag, 'etag')}
            {field('CRC64', h['x-oss-hash-crc64ecma'], 'crc64')}
            {field('Content-MD5', h['content-md5'], 'content-md5')}
            {field('Object type', h['x-oss-object-type'], 'object-type')}
            {field('Last-Modified', h['last-modified'], 'last-modified')}
          </dl>
          {/^image\/(png|jpeg|gif|webp|bmp)$/.test(h['content-type'] ?? '') && (
            <img
              class="preview"
              data-testid="preview"
              alt={`Preview of ${objectKey}`}
              src={signedUrl(creds, bucket, objectKey, { expires: 600 })}
            />
          )}
          <ShareLink creds={creds} bucket={bucket} objectKey={objectKey} />
          <h4>User metadata</h4>
          {Object.keys(head.meta).length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <dl>
              {Object.entries(head.meta).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>x-oss-meta-{k}</dt>
                  <dd>{v}</dd>
                </Fragment>
              ))}
            </dl>
          )}
          <p>
            <a href={href(['tester'], { bucket, key: objectKey })}>Test a callback with this object…</a>
          </p>
        </>
      )}
    </aside>
  );
}
