import type OSS from 'ali-oss';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { CallbackFailure } from './callback-failure.js';
import { formatBytes, formatTime } from './format.js';
import { ObjectInfo } from './object-info.js';
import { href, navigate } from './router.js';
import { type Credentials, errorText, ossClient, signedUrl } from './session.js';
import { Upload } from './upload.js';

const PAGE_SIZE = 50;

interface Page {
  objects: OSS.ObjectMeta[];
  prefixes: string[];
  next?: string;
}

/** One bucket: folders (delimiter '/') and objects under `prefix`, paged with continuation tokens. */
export function Objects({ creds, bucket, prefix }: { creds: Credentials; bucket: string; prefix: string }) {
  // tokens[i] is the continuation token that opens page i ('' for the first page).
  const [tokens, setTokens] = useState<string[]>(['']);
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const token = tokens[tokens.length - 1];
  const load = useCallback(async () => {
    setError('');
    try {
      const query: Record<string, string | number> = { prefix, delimiter: '/', 'max-keys': PAGE_SIZE };
      if (token) query['continuation-token'] = token;
      const r = await ossClient(creds, bucket).listV2(query as unknown as OSS.ListV2ObjectsQuery, {});
      const raw = r as unknown as { objects?: OSS.ObjectMeta[]; prefixes?: string[]; nextContinuationToken?: string };
      setPage({
        objects: raw.objects ?? [],
        prefixes: raw.prefixes ?? [],
        next: r.isTruncated ? raw.nextContinuationToken : undefined,
      });
    } catch (err) {
      setError(errorText(err));
    }
  }, [creds, bucket, prefix, token]);
  useEffect(() => {
    setTokens(['']);
    setSelected(undefined);
  }, [bucket, prefix]);
  useEffect(() => {
    void load();
  }, [load]);

  const remove = async (key: string) => {
    if (!confirm(`Delete ${key}?`)) return;
    try {
      await ossClient(creds, bucket).delete(key);
      if (selected === key) setSelected(undefined);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const download = (key: string) =>
    signedUrl(creds, bucket, key, {
      expires: 3600,
      response: { 'content-disposition': `attachment; filename="${encodeURIComponent(key.split('/').pop() ?? key)}"` },
    });
  const crumbs = prefix.split('/').filter(Boolean);
  return (
    <section>
      <h2 class="crumbs">
        <a href={href(['buckets'])}>Buckets</a> / <a href={href(['b', bucket])}>{bucket}</a>
        {crumbs.map((c, i) => (
          <span key={c + i}>
            {' / '}
            <a href={href(['b', bucket], { prefix: `${crumbs.slice(0, i + 1).join('/')}/` })}>{c}</a>
          </span>
        ))}
      </h2>
      {!prefix && <CallbackFailure creds={creds} bucket={bucket} />}
      <Upload creds={creds} bucket={bucket} prefix={prefix} onUploaded={load} />
      {error && <p class="error">{error}</p>}
      <div class="split">
        <div class="grow">
          <table data-testid="objects">
            <thead>
              <tr>
                <th>Key</th>
                <th>Size</th>
                <th>Last modified</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {page?.prefixes.map((p) => (
                <tr key={p} class="folder">
                  <td colSpan={4}>
                    <a href={href(['b', bucket], { prefix: p })}>
                      <span class="folder-icon" aria-hidden="true" />
                      {p.slice(prefix.length)}
                    </a>
                  </td>
                </tr>
              ))}
              {page?.objects.map((o) => (
                <tr key={o.name} data-key={o.name} class={selected === o.name ? 'selected' : ''}>
                  <td>
                    <button type="button" class="link" onClick={() => setSelected(o.name)}>
                      {o.name.slice(prefix.length)}
                    </button>
                  </td>
                  <td>{formatBytes(o.size)}</td>
                  <td>{formatTime(o.lastModified)}</td>
                  <td class="actions">
                    <a class="button" href={download(o.name)} data-action="download">
                      Download
                    </a>
                    <button type="button" class="danger" data-action="delete" onClick={() => void remove(o.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {page && page.objects.length === 0 && page.prefixes.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    Nothing here yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <div class="row pager">
            <button type="button" disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>
              ‹ Previous
            </button>
            <span class="muted">Page {tokens.length}</span>
            <button
              type="button"
              disabled={!page?.next}
              onClick={() => page?.next && setTokens([...tokens, page.next])}
            >
              Next ›
            </button>
            {prefix && (
              <button type="button" class="link" onClick={() => navigate(['b', bucket])}>
                Back to the bucket root
              </button>
            )}
          </div>
        </div>
        {selected && (
          <ObjectInfo creds={creds} bucket={bucket} objectKey={selected} onClose={() => setSelected(undefined)} />
        )}
      </div>
    </section>
  );
}
