import { useState } from 'preact/hooks';
import { deleteConfig, getConfig, putConfig, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

const MODES = [
  { value: 'None', help: 'Objects are stored as sent unless a request asks for encryption.' },
  { value: 'AES256', help: 'Server-side encryption with keys the server manages.' },
  { value: 'KMS', help: 'Server-side encryption with a KMS key (the default key unless an id is given).' },
];

/** Default server-side encryption (Get/Put/DeleteBucketEncryption). */
export function SettingsEncryption({ creds, bucket }: SettingsProps) {
  const [mode, setMode] = useState('None');
  const [keyId, setKeyId] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, error, reload] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'encryption', 'NoSuchServerSideEncryptionRule');
    const d = xml?.ApplyServerSideEncryptionByDefault as Record<string, string> | undefined;
    const m = typeof d?.SSEAlgorithm === 'string' ? d.SSEAlgorithm : 'None';
    setMode(m);
    setKeyId(typeof d?.KMSMasterKeyID === 'string' ? d.KMSMasterKeyID : '');
    return { mode: m };
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!saved) return <p class="muted">Loading…</p>;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body = xmlDocument('ServerSideEncryptionRule', {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: mode,
        KMSMasterKeyID: mode === 'KMS' && keyId.trim() ? keyId.trim() : undefined,
      },
    });
    if (
      await attempt('Saving the encryption failed', `Default encryption of ${bucket}: ${mode}`, () =>
        mode === 'None'
          ? deleteConfig(ossClient(creds), bucket, 'encryption')
          : putConfig(ossClient(creds), bucket, 'encryption', body),
      )
    )
      await reload();
    setBusy(false);
  };
  return (
    <form onSubmit={save} data-testid="encryption-form">
      {!MODES.some((m) => m.value === saved.mode) && (
        <p class="muted">
          Currently <code>{saved.mode}</code>.
        </p>
      )}
      {MODES.map((m) => (
        <label key={m.value} class="choice">
          <input type="radio" name="sse" value={m.value} checked={mode === m.value} onChange={() => setMode(m.value)} />
          <span>
            <strong>{m.value}</strong>
            <br />
            <span class="muted">{m.help}</span>
          </span>
        </label>
      ))}
      {mode === 'KMS' && (
        <label>
          KMS key id (optional)
          <input name="kmsKeyId" value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} />
        </label>
      )}
      <button type="submit" disabled={busy}>
        Save encryption
      </button>
    </form>
  );
}
