import { useCallback, useEffect, useState } from 'preact/hooks';
import { formatTime } from './format.js';
import { admin, type Credentials, errorText } from './session.js';
import { showError, showToast } from './toast.js';

/** GET /-/admin/keys (src/http/admin-keys.ts). */
interface KeySummary {
  accessKeyId: string;
  accountId: string;
  createdAt: number;
  temporary: boolean;
  expiresAt?: number;
  current: boolean;
}

interface NewKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The account's access keys: create (the secret is shown once), revoke; temporary (STS) keys too. */
export function Keys({ creds }: { creds: Credentials }) {
  const [keys, setKeys] = useState<KeySummary[] | undefined>();
  const [error, setError] = useState('');
  const [created, setCreated] = useState<NewKey | undefined>();
  const load = useCallback(async () => {
    try {
      setKeys((await admin<{ keys: KeySummary[] }>(creds, '/-/admin/keys')).keys);
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }, [creds]);
  useEffect(() => {
    void load();
  }, [load]);
  const create = async () => {
    try {
      setCreated(await admin<NewKey>(creds, '/-/admin/keys', {}));
      await load();
    } catch (err) {
      showError('Creating a key failed', err);
    }
  };
  const revoke = async (id: string) => {
    if (!confirm(`Revoke ${id}? Requests signed with it fail from now on.`)) return;
    try {
      await admin(creds, `/-/admin/keys/${encodeURIComponent(id)}`, undefined, 'DELETE');
      showToast(`Revoked ${id}`);
      if (created?.accessKeyId === id) setCreated(undefined);
      await load();
    } catch (err) {
      showError(`Revoking ${id} failed`, err);
    }
  };
  const now = Date.now();
  return (
    <section>
      <h2>Access keys</h2>
      <div class="row">
        <button type="button" onClick={() => void create()}>
          Create access key
        </button>
        <a href="#/sts">Issue temporary (STS) credentials…</a>
      </div>
      {created && (
        <div class="card notice" data-testid="new-key">
          <p>
            <strong>New access key.</strong> Copy the secret now: it is not shown again.
          </p>
          <dl>
            <dt>AccessKeyId</dt>
            <dd data-field="id">{created.accessKeyId}</dd>
            <dt>AccessKeySecret</dt>
            <dd data-field="secret">{created.accessKeySecret}</dd>
          </dl>
          <button type="button" class="link" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      {error && <p class="error">{error}</p>}
      {keys && keys.length === 0 && <p class="empty">No keys.</p>}
      {keys && keys.length > 0 && (
        <div class="table-wrap">
          <table data-testid="keys">
            <thead>
              <tr>
                <th>AccessKeyId</th>
                <th>Kind</th>
                <th class="wide">Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.accessKeyId} data-key-id={k.accessKeyId}>
                  <td class="key">
                    <code>{k.accessKeyId}</code>
                    {k.current && <span class="badge">this session</span>}
                  </td>
                  <td>
                    {k.temporary ? (
                      <span class={(k.expiresAt ?? 0) < now ? 'badge fail' : 'badge'}>
                        {(k.expiresAt ?? 0) < now ? 'expired' : 'temporary'} · {formatTime(k.expiresAt)}
                      </span>
                    ) : (
                      <span class="badge ok">permanent</span>
                    )}
                  </td>
                  <td class="wide">{formatTime(k.createdAt)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      class="danger"
                      data-action="revoke"
                      disabled={k.current}
                      title={k.current ? 'You are signed in with this key' : ''}
                      onClick={() => void revoke(k.accessKeyId)}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
