import { useState } from 'preact/hooks';
import { admin, type Credentials } from './session.js';
import { showError } from './toast.js';

interface StsCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}

const split = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** POST /-/admin/sts: temporary credentials narrowed to buckets, key prefixes and actions. */
export function Sts({ creds }: { creds: Credentials }) {
  const [duration, setDuration] = useState('3600');
  const [buckets, setBuckets] = useState('');
  const [prefixes, setPrefixes] = useState('');
  const [actions, setActions] = useState('');
  const [policy, setPolicy] = useState('');
  const [issued, setIssued] = useState<StsCredentials | undefined>();
  const [busy, setBusy] = useState(false);
  const issue = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const simple = {
        ...(split(buckets).length ? { buckets: split(buckets) } : {}),
        ...(split(prefixes).length ? { prefixes: split(prefixes) } : {}),
        ...(split(actions).length ? { actions: split(actions) } : {}),
      };
      const body = {
        durationSeconds: Number(duration),
        ...(policy.trim() ? { policy: policy.trim() } : Object.keys(simple).length ? { policy: simple } : {}),
      };
      setIssued((await admin<{ Credentials: StsCredentials }>(creds, '/-/admin/sts', body)).Credentials);
    } catch (err) {
      showError('Issuing credentials failed', err);
    } finally {
      setBusy(false);
    }
  };
  const snippet =
    issued &&
    `const client = new OSS({
  endpoint: '${location.origin}',
  sldEnable: true,
  accessKeyId: '${issued.AccessKeyId}',
  accessKeySecret: '${issued.AccessKeySecret}',
  stsToken: '${issued.SecurityToken}',
});`;
  return (
    <section>
      <h2>Temporary credentials (STS)</h2>
      <p class="muted">
        Keys of this account that expire, optionally limited to buckets, key prefixes and actions. A policy only narrows
        what the account may do.
      </p>
      <form class="card" onSubmit={issue} data-testid="sts-form">
        <div class="cols">
          <label>
            Lifetime (seconds, 900–43200)
            <input
              name="duration"
              type="number"
              min={900}
              max={43200}
              value={duration}
              onInput={(e) => setDuration(e.currentTarget.value)}
            />
          </label>
          <label>
            Buckets (comma-separated, * wildcards)
            <input
              name="buckets"
              placeholder="photos"
              value={buckets}
              onInput={(e) => setBuckets(e.currentTarget.value)}
            />
          </label>
          <label>
            Key prefixes
            <input
              name="prefixes"
              placeholder="uploads/"
              value={prefixes}
              onInput={(e) => setPrefixes(e.currentTarget.value)}
            />
          </label>
          <label>
            Actions
            <input
              name="actions"
              placeholder="PutObject, GetObject"
              value={actions}
              onInput={(e) => setActions(e.currentTarget.value)}
            />
          </label>
        </div>
        <label>
          Or a RAM policy document (JSON; replaces the three fields above)
          <textarea name="policy" rows={3} value={policy} onInput={(e) => setPolicy(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Issue credentials
        </button>
      </form>
      {issued && (
        <div class="card notice" data-testid="sts-result">
          <dl>
            <dt>AccessKeyId</dt>
            <dd data-field="id">{issued.AccessKeyId}</dd>
            <dt>AccessKeySecret</dt>
            <dd data-field="secret">{issued.AccessKeySecret}</dd>
            <dt>SecurityToken</dt>
            <dd data-field="token">{issued.SecurityToken}</dd>
            <dt>Expiration</dt>
            <dd data-field="expiration">{issued.Expiration}</dd>
          </dl>
          <h4>ali-oss</h4>
          <pre>{snippet}</pre>
        </div>
      )}
    </section>
  );
}
