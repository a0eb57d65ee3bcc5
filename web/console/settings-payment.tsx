import { useState } from 'preact/hooks';
import { getConfig, putConfig, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

const PAYERS = [
  { value: 'BucketOwner', help: 'The bucket owner pays for requests and traffic (the default).' },
  {
    value: 'Requester',
    help: 'Callers must send x-oss-request-payer: requester; anonymous access is refused.',
  },
];

/** Pay-by-requester (GetBucketRequestPayment / PutBucketRequestPayment). */
export function SettingsPayment({ creds, bucket }: SettingsProps) {
  const [payer, setPayer] = useState('BucketOwner');
  const [busy, setBusy] = useState(false);
  const [saved, error, reload] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'requestPayment');
    const p = typeof xml?.Payer === 'string' ? xml.Payer : 'BucketOwner';
    setPayer(p);
    return { payer: p };
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!saved) return <p class="muted">Loading…</p>;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body = xmlDocument('RequestPaymentConfiguration', { Payer: payer });
    if (
      await attempt('Saving the request payment failed', `Requests to ${bucket} paid by ${payer}`, () =>
        putConfig(ossClient(creds), bucket, 'requestPayment', body),
      )
    )
      await reload();
    setBusy(false);
  };
  return (
    <form onSubmit={save} data-testid="payment-form">
      {PAYERS.map((p) => (
        <label key={p.value} class="choice">
          <input
            type="radio"
            name="payer"
            value={p.value}
            checked={payer === p.value}
            onChange={() => setPayer(p.value)}
          />
          <span>
            <strong>{p.value}</strong>
            <br />
            <span class="muted">{p.help}</span>
          </span>
        </label>
      ))}
      <button type="submit" disabled={busy || payer === saved.payer}>
        Save request payment
      </button>
    </form>
  );
}
