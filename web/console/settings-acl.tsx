import { useEffect, useState } from 'preact/hooks';
import { errorText, ossClient } from './session.js';
import type { SettingsProps } from './settings-section.js';
import { showError, showToast } from './toast.js';

const ACLS = [
  { value: 'private', label: 'Private', help: 'Only this account can read and write.' },
  { value: 'public-read', label: 'Public read', help: 'Anyone can read objects; only this account writes.' },
  { value: 'public-read-write', label: 'Public read/write', help: 'Anyone can read and write. Rarely wise.' },
] as const;

/** The bucket ACL (GetBucketAcl / PutBucketAcl). */
export function SettingsAcl({ creds, bucket }: SettingsProps) {
  const [saved, setSaved] = useState<string | undefined>();
  const [acl, setAcl] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ossClient(creds)
      .getBucketACL(bucket)
      .then(
        (r) => {
          setSaved(r.acl);
          setAcl(r.acl);
        },
        (err) => setError(errorText(err)),
      );
  }, [creds, bucket]);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await ossClient(creds).putBucketACL(bucket, acl as 'private');
      setSaved(acl);
      showToast(`ACL of ${bucket} set to ${acl}`);
    } catch (err) {
      showError('Saving the ACL failed', err);
    } finally {
      setBusy(false);
    }
  };
  if (error) return <p class="error">{error}</p>;
  if (saved === undefined) return <p class="muted">Loading…</p>;
  return (
    <form onSubmit={save} data-testid="acl-form">
      {ACLS.map((a) => (
        <label key={a.value} class="choice">
          <input type="radio" name="acl" value={a.value} checked={acl === a.value} onChange={() => setAcl(a.value)} />
          <span>
            <strong>{a.label}</strong> <code>{a.value}</code>
            <br />
            <span class="muted">{a.help}</span>
          </span>
        </label>
      ))}
      <button type="submit" disabled={busy || acl === saved}>
        Save ACL
      </button>
    </form>
  );
}
