import type OSS from 'ali-oss';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { Breadcrumb } from './breadcrumb.js';
import { CallbackFailure } from './callback-failure.js';
import { formatBytes, formatTime } from './format.js';
import { NewFolder } from './new-folder.js';
import { ObjectInfo } from './object-info.js';
import { ObjectVersions } from './object-versions.js';
import { href, navigate } from './router.js';
import { type Credentials, errorText, ossClient, signedUrl } from './session.js';
import { showError, showToast } from './toast.js';
import { Upload } from './upload.js';
import { useUploadDone } from './uploads.js';

const PAGE_SIZE = 50;
/** DeleteMultipleObjects takes at most 1000 keys a request. */
const DELETE_BATCH = 1000;
const SEARCH_DELAY_MS = 250;

interface Page {
  objects: OSS.ObjectMeta[];
  prefixes: string[];
  next?: string;
}

/**
 * One bucket: folders (delimiter '/') and objects under `prefix`, narrowed by a prefix search inside
 * that folder, paged with continuation tokens.
 */
export function Objects({ creds, bucket, prefix }: { creds: Credentials; bucket: string; prefix: string }) {
  // tokens[i] is the continuation token that opens page i ('' for the first page).
  const [tokens, setTokens] = useState<string[]>(['']);
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  /** Search every level under the folder (no delimiter) instead of this level only. */
  const [deep, setDeep] = useState(false);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  /** List every version (ListObjectVersions) instead of the current objects. */
  const [versions, setVersions] = useState(false);
  const token = tokens[tokens.length - 1];
  const listPrefix = prefix + search;
  const load = useCallback(async () => {
    try {
      const query: Record<string, string | number> = { prefix: listPrefix, 'max-keys': PAGE_SIZE };
      if (!deep) query.delimiter = '/';
      if (token) query['continuation-token'] = token;
      const r = await ossClient(creds, bucket).listV2(query as unknown as OSS.ListV2ObjectsQuery, {});
      const raw = r as unknown as { objects?: OSS.ObjectMeta[]; prefixes?: string[]; nextContinuationToken?: string };
      setChecked(new Set());
      setPage({
        // The folder's own marker object (PREFIX/, made by "New folder") is the folder, not an entry in it.
        objects: (raw.objects ?? []).filter((o) => o.name !== prefix || prefix === ''),
        prefixes: raw.prefixes ?? [],
        next: r.isTruncated ? raw.nextContinuationToken : undefined,
      });
      setError('');
    } catch (err) {
      setError(errorText(err));
      showError(`Listing ${bucket} failed`, err);
    }
  }, [creds, bucket, listPrefix, token, deep]);
  useEffect(() => {
    setTokens(['']);
    setSelected(undefined);
    setTyped('');
    setSearch('');
  }, [bucket, prefix]);
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(typed);
      setTokens(['']);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [typed]);
  useEffect(() => {
    void load();
  }, [load]);
  useUploadDone(
    useCallback(
      (b: string, key: string) => {
        if (b === bucket && key.startsWith(prefix)) void load();
      },
      [bucket, prefix, load],
    ),
  );

  const remove = async (key: string) => {
    if (!confirm(`Delete ${key}?`)) return;
    try {
      await ossClient(creds, bucket).delete(key);
      if (selected === key) setSelected(undefined);
      showToast(`Deleted ${key}`);
      await load();
    } catch (err) {
      showError(`Deleting ${key} failed`, err);
    }
  };
  const removeChecked = async () => {
    const keys = [...checked];
    if (!keys.length || !confirm(`Delete ${keys.length} object${keys.length === 1 ? '' : 's'}?`)) return;
    try {
      const client = ossClient(creds, bucket);
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        await client.deleteMulti(keys.slice(i, i + DELETE_BATCH), { quiet: true });
      }
      showToast(`Deleted ${keys.length} object${keys.length === 1 ? '' : 's'}`);
      if (selected && checked.has(selected)) setSelected(undefined);
      await load();
    } catch (err) {
      showError('Deleting the selected objects failed', err);
    }
  };
  const toggle = (key: string, on: boolean) => {
    const next = new Set(checked);
    if (on) next.add(key);
    else next.delete(key);
    setChecked(next);
  };
  const allChecked = !!page && page.objects.length > 0 && page.objects.every((o) => checked.has(o.name));
  const download = (key: string) =>
    signedUrl(creds, bucket, key, {
      expires: 3600,
      response: { 'content-disposition': `attachment; filename="${encodeURIComponent(key.split('/').pop() ?? key)}"` },
    });
  const empty = page && page.objects.length === 0 && page.prefixes.length === 0;
  return (
    <section>
      <div class="row spread wrap">
        <Breadcrumb bucket={bucket} prefix={prefix} />
        <a class="button" href={href(['b', bucket, 'settings'])} data-testid="settings-link">
          Bucket settings
        </a>
      </div>
      {!prefix && <CallbackFailure creds={creds} bucket={bucket} />}
      <Upload creds={creds} bucket={bucket} prefix={prefix} />
      <div class="row">
        <NewFolder
          creds={creds}
          bucket={bucket}
          prefix={prefix}
          onCreated={(p) => navigate(['b', bucket], { prefix: p })}
        />
        <button
          type="button"
          class="danger"
          data-action="delete-selected"
          disabled={checked.size === 0}
          onClick={() => void removeChecked()}
        >
          Delete selected{checked.size ? ` (${checked.size})` : ''}
        </button>
      </div>
      <div class="row">
        <input
          type="search"
          name="search"
          class="grow"
          placeholder={`Search by prefix in ${prefix || 'the bucket root'}`}
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
        <label class="inline">
          <input
            type="checkbox"
            name="deep"
            checked={deep}
            onChange={(e) => {
              setDeep(e.currentTarget.checked);
              setTokens(['']);
            }}
          />
          &nbsp;in subfolders too
        </label>
        <label class="inline">
          <input
            type="checkbox"
            name="versions"
            checked={versions}
            onChange={(e) => setVersions(e.currentTarget.checked)}
          />
          &nbsp;Show versions
        </label>
      </div>
      {error && <p class="error">{error}</p>}
      {versions && <ObjectVersions key={`${bucket}/${listPrefix}`} creds={creds} bucket={bucket} prefix={listPrefix} />}
      <div class="split" style={versions ? { display: 'none' } : undefined}>
        <div class="grow">
          <div class="table-wrap">
            <table data-testid="objects">
              <thead>
                <tr>
                  <th class="check">
                    <input
                      type="checkbox"
                      aria-label="Select all on this page"
                      data-select-all
                      checked={allChecked}
                      onChange={(e) =>
                        setChecked(e.currentTarget.checked ? new Set(page?.objects.map((o) => o.name)) : new Set())
                      }
                    />
                  </th>
                  <th>Name</th>
                  <th>Size</th>
                  <th class="wide">Last modified</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page?.prefixes.map((p) => (
                  <tr key={p} class="folder" data-prefix={p}>
                    <td class="check" />
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
                    <td class="check">
                      <input
                        type="checkbox"
                        aria-label={`Select ${o.name}`}
                        data-select={o.name}
                        checked={checked.has(o.name)}
                        onChange={(e) => toggle(o.name, e.currentTarget.checked)}
                      />
                    </td>
                    <td class="key">
                      <button type="button" class="link" onClick={() => setSelected(o.name)}>
                        {o.name.slice(prefix.length)}
                      </button>
                    </td>
                    <td class="nowrap">{formatBytes(o.size)}</td>
                    <td class="wide">{formatTime(o.lastModified)}</td>
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
                {empty && (
                  <tr>
                    <td colSpan={5} class="empty" data-testid="empty">
                      {search
                        ? `Nothing starts with “${prefix}${search}”.`
                        : prefix
                          ? 'This folder is empty.'
                          : 'This bucket is empty. Drop files or folders above to upload them.'}
                    </td>
                  </tr>
                )}
                {!page && !error && (
                  <tr>
                    <td colSpan={5} class="muted">
                      Loading…
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <div class="row pager">
            <button type="button" disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>
              ‹ Previous
            </button>
            <span class="muted" data-testid="page-number">
              Page {tokens.length}
            </span>
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
