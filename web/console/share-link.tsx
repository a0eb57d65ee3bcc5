import { useState } from 'preact/hooks';
import { type Credentials, signedUrl } from './session.js';

const EXPIRIES = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
];

/** A presigned GET URL of the object for someone without a key, valid for the chosen time. */
export function ShareLink({ creds, bucket, objectKey }: { creds: Credentials; bucket: string; objectKey: string }) {
  const [expires, setExpires] = useState(EXPIRIES[0].seconds);
  const [url, setUrl] = useState('');
  return (
    <div class="share" data-testid="share">
      <div class="row">
        <select name="expires" value={expires} onChange={(e) => setExpires(Number(e.currentTarget.value))}>
          {EXPIRIES.map((x) => (
            <option key={x.seconds} value={x.seconds}>
              valid {x.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="secondary"
          onClick={() => setUrl(signedUrl(creds, bucket, objectKey, { expires }))}
        >
          Share link
        </button>
      </div>
      {url && (
        <input
          name="shareUrl"
          class="share-url"
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          aria-label="Presigned URL"
        />
      )}
    </div>
  );
}
