import { useState } from 'preact/hooks';
import { getConfig, putConfig, xmlDocument } from './bucket-config.js';
import { href } from './router.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

/** Versioning (GetBucketVersioning / PutBucketVersioning): Off until first enabled, then Enabled or Suspended. */
export function SettingsVersioning({ creds, bucket }: SettingsProps) {
  const [busy, setBusy] = useState(false);
  const [status, error, reload] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'versioning');
    return typeof xml?.Status === 'string' && xml.Status ? xml.Status : 'Off';
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (status === undefined) return <p class="muted">Loading…</p>;
  const set = async (next: 'Enabled' | 'Suspended') => {
    setBusy(true);
    const body = xmlDocument('VersioningConfiguration', { Status: next });
    if (
      await attempt('Changing versioning failed', `Versioning of ${bucket}: ${next}`, () =>
        putConfig(ossClient(creds), bucket, 'versioning', body),
      )
    )
      await reload();
    setBusy(false);
  };
  return (
    <div data-testid="versioning">
      <p>
        Status: <strong data-field="versioning">{status}</strong>
      </p>
      <p class="muted">
        {status === 'Off'
          ? 'Objects are overwritten and deleted for good. Once enabled, versioning can be suspended but not turned off.'
          : status === 'Enabled'
            ? 'Every overwrite and delete keeps the previous version.'
            : 'New writes replace the "null" version; versions already kept stay.'}
      </p>
      <div class="row">
        <button type="button" disabled={busy || status === 'Enabled'} onClick={() => void set('Enabled')}>
          Enable versioning
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy || status !== 'Enabled'}
          onClick={() => void set('Suspended')}
        >
          Suspend versioning
        </button>
      </div>
      {status !== 'Off' && (
        <p>
          Older versions are listed on the <a href={href(['b', bucket])}>objects page</a> with <em>Show versions</em>:
          download, delete or restore one there.
        </p>
      )}
    </div>
  );
}
