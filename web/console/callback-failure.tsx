import { useEffect, useState } from 'preact/hooks';
import { admin, type Credentials, errorText } from './session.js';

type Mode = 'keep' | 'discard';

/**
 * A bucket's veto mode (an ossd extension): keep an upload whose callback fails (OSS behaviour) or
 * discard it. GET/POST /-/admin/buckets/NAME/callback-failure.
 */
export function CallbackFailure({ creds, bucket }: { creds: Credentials; bucket: string }) {
  const [mode, setMode] = useState<Mode | undefined>();
  const [error, setError] = useState('');
  const path = `/-/admin/buckets/${encodeURIComponent(bucket)}/callback-failure`;
  useEffect(() => {
    setMode(undefined);
    admin<{ callbackFailure: Mode }>(creds, path).then(
      (r) => setMode(r.callbackFailure),
      (err: unknown) => setError(errorText(err)),
    );
  }, [creds, path]);
  const change = async (next: Mode) => {
    setError('');
    try {
      setMode((await admin<{ callbackFailure: Mode }>(creds, `${path}?mode=${next}`, {})).callbackFailure);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <p class="row muted" data-testid="callback-failure">
      <label>
        When an upload's callback fails:{' '}
        <select
          name="callbackFailure"
          value={mode ?? ''}
          disabled={mode === undefined}
          onChange={(e) => void change(e.currentTarget.value as Mode)}
        >
          <option value="keep">keep the object (as OSS)</option>
          <option value="discard">discard it (ossd veto mode)</option>
        </select>
      </label>
      {error && <span class="error">{error}</span>}
    </p>
  );
}
