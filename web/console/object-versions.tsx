import { useState } from 'preact/hooks';
import { many } from './bucket-config.js';
import { type SdkInternals, send } from './bucket-ops.js';
import { formatBytes, formatTime } from './format.js';
import { type Credentials, ossClient, signedUrl } from './session.js';
import { attempt, useLoad } from './settings-load.js';

const PAGE_SIZE = 100;

interface Version {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size?: number;
  lastModified?: string;
}

interface VersionPage {
  versions: Version[];
  next?: { keyMarker: string; versionIdMarker: string };
}

/** The version list the SDK's parser gives, as rows (Version and DeleteMarker entries, by key, newest first). */
function rows(xml: Record<string, unknown>): Version[] {
  const one = (v: Record<string, string>, deleteMarker: boolean): Version => ({
    key: v.Key,
    versionId: v.VersionId,
    isLatest: v.IsLatest === 'true',
    deleteMarker,
    size: deleteMarker ? undefined : Number(v.Size),
    lastModified: v.LastModified,
  });
  const all = [
    ...many<Record<string, string>>(xml.Version).map((v) => one(v, false)),
    ...many<Record<string, string>>(xml.DeleteMarker).map((v) => one(v, true)),
  ];
  // Keys in order; within a key, newest first (the server's order, kept by a stable sort on the key).
  return all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Every version and delete marker under `prefix` (ListObjectVersions, `GET /?versions`), with download,
 * delete (`DELETE ?versionId=`) and restore (CopyObject from `/bucket/key?versionId=` over the current one).
 */
export function ObjectVersions({ creds, bucket, prefix }: { creds: Credentials; bucket: string; prefix: string }) {
  const [markers, setMarkers] = useState<VersionPage['next'][]>([undefined]);
  const marker = markers[markers.length - 1];
  const [page, error, reload] = useLoad(async (): Promise<VersionPage> => {
    const client = ossClient(creds);
    const query: Record<string, string> = { prefix, 'max-keys': String(PAGE_SIZE) };
    if (marker) Object.assign(query, { 'key-marker': marker.keyMarker, 'version-id-marker': marker.versionIdMarker });
    const r = await send(client, { method: 'GET', bucket, subres: 'versions', query }, [200]);
    const xml = await (client as unknown as SdkInternals).parseXML(r.data);
    return {
      versions: rows(xml),
      next:
        xml.IsTruncated === 'true'
          ? { keyMarker: String(xml.NextKeyMarker ?? ''), versionIdMarker: String(xml.NextVersionIdMarker ?? '') }
          : undefined,
    };
  }, [creds, bucket, prefix, marker]);
  const client = () => ossClient(creds, bucket);
  const remove = async (v: Version) => {
    if (!confirm(`Delete version ${v.versionId} of ${v.key} for good?`)) return;
    if (
      await attempt(`Deleting version ${v.versionId} failed`, `Version ${v.versionId} of ${v.key} deleted`, () =>
        client().delete(v.key, { versionId: v.versionId } as never),
      )
    )
      await reload();
  };
  const restore = async (v: Version) => {
    if (
      await attempt(`Restoring ${v.key} failed`, `${v.key} restored from version ${v.versionId}`, () =>
        client().copy(v.key, v.key, { versionId: v.versionId } as never),
      )
    )
      await reload();
  };
  if (error) return <p class="error">{error}</p>;
  return (
    <div class="grow" data-testid="versions">
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Size</th>
              <th class="wide">Last modified</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {page?.versions.map((v) => (
              <tr
                key={`${v.key}\n${v.versionId}`}
                data-key={v.key}
                data-version={v.versionId}
                data-latest={v.isLatest ? 'true' : undefined}
                data-delete-marker={v.deleteMarker ? 'true' : undefined}
              >
                <td class="key">{v.key.slice(prefix.length)}</td>
                <td class="key">
                  <code>{v.versionId}</code>
                  {v.isLatest && <span class="muted"> (current)</span>}
                  {v.deleteMarker && <span class="muted"> delete marker</span>}
                </td>
                <td class="nowrap">{v.deleteMarker ? '' : formatBytes(v.size)}</td>
                <td class="wide">{formatTime(v.lastModified)}</td>
                <td class="actions">
                  {!v.deleteMarker && (
                    <a
                      class="button"
                      data-action="download-version"
                      href={signedUrl(creds, bucket, v.key, {
                        expires: 3600,
                        subResource: { versionId: v.versionId },
                      } as never)}
                    >
                      Download
                    </a>
                  )}
                  {!v.deleteMarker && !v.isLatest && (
                    <button type="button" data-action="restore" onClick={() => void restore(v)}>
                      Restore
                    </button>
                  )}
                  <button type="button" class="danger" data-action="delete-version" onClick={() => void remove(v)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {page && page.versions.length === 0 && (
              <tr>
                <td colSpan={5} class="empty" data-testid="empty">
                  No versions under “{prefix}”.
                </td>
              </tr>
            )}
            {!page && (
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
        <button type="button" disabled={markers.length <= 1} onClick={() => setMarkers(markers.slice(0, -1))}>
          ‹ Previous
        </button>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setMarkers([...markers, page.next])}>
          Next ›
        </button>
      </div>
    </div>
  );
}
