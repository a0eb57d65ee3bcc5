import { useState } from 'preact/hooks';
import { listBuckets } from './bucket-ops.js';
import { type Credentials, errorText, ossClient, saveCredentials } from './session.js';

/** Access key id + secret, checked with a ListBuckets before being kept in sessionStorage. */
export function SignIn({ onSignedIn }: { onSignedIn: (c: Credentials) => void }) {
  const [id, setId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const creds = { accessKeyId: id.trim(), accessKeySecret: secret.trim() };
    try {
      await listBuckets(ossClient(creds));
      saveCredentials(creds);
      onSignedIn(creds);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card sign-in" onSubmit={submit}>
      <h1>ossd console</h1>
      <p class="muted">Sign in with an access key (printed by `ossd serve` at first start, or `ossd keys create`).</p>
      <label>
        AccessKeyId
        <input name="accessKeyId" value={id} onInput={(e) => setId(e.currentTarget.value)} autoComplete="username" />
      </label>
      <label>
        AccessKeySecret
        <input
          name="accessKeySecret"
          type="password"
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
          autoComplete="current-password"
        />
      </label>
      {error && <p class="error">{error}</p>}
      <button type="submit" disabled={busy || !id || !secret}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
