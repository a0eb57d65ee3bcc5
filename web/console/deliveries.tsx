import { useEffect, useState } from 'preact/hooks';
import type { Delivery } from './deliveries-api.js';
import { formatTime } from './format.js';
import { href } from './router.js';
import { admin, type Credentials } from './session.js';

const POLL_MS = 2000;

/** The delivery log, newest first, refreshed every 2 s, filtered by bucket, key and outcome. */
export function Deliveries({ creds }: { creds: Credentials }) {
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [ok, setOk] = useState('');
  const [kind, setKind] = useState('');
  const [list, setList] = useState<Delivery[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const q = new URLSearchParams({ limit: '100' });
    if (bucket) q.set('bucket', bucket);
    if (key) q.set('key', key);
    if (ok === 'pending') q.set('state', 'pending');
    else if (ok) q.set('ok', ok);
    if (kind) q.set('kind', kind);
    const poll = async () => {
      try {
        const r = await admin<{ deliveries: Delivery[] }>(creds, `/-/admin/callbacks?${q}`);
        if (!stopped) {
          setList(r.deliveries);
          setError('');
        }
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [creds, bucket, key, ok, kind]);
  return (
    <section>
      <h2>Callback and notification deliveries</h2>
      <div class="row filters">
        <input name="bucket" placeholder="bucket" value={bucket} onInput={(e) => setBucket(e.currentTarget.value)} />
        <input name="key" placeholder="exact key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <select name="ok" value={ok} onChange={(e) => setOk(e.currentTarget.value)}>
          <option value="">all outcomes</option>
          <option value="true">succeeded</option>
          <option value="false">failed</option>
          <option value="pending">retrying</option>
        </select>
        <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="">callbacks and notifications</option>
          <option value="callback">callbacks</option>
          <option value="notification">notifications</option>
        </select>
        <span class="muted live">● live</span>
      </div>
      {error && <p class="error">{error}</p>}
      {list && list.length === 0 && (
        <p class="card empty" data-testid="empty">
          {bucket || key || ok
            ? 'No deliveries match these filters.'
            : 'No callback deliveries yet: uploads with an x-oss-callback header appear here.'}
        </p>
      )}
      {list && list.length > 0 && (
        <table data-testid="deliveries">
          <thead>
            <tr>
              <th>Time</th>
              <th>Kind</th>
              <th>Outcome</th>
              <th>Bucket / key</th>
              <th>Operation</th>
              <th>URL</th>
              <th>Status</th>
              <th>Latency</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => {
              const last = d.attempts[d.attempts.length - 1];
              return (
                <tr key={d.id} data-id={d.id} data-key={d.key}>
                  <td>
                    <a href={href(['deliveries', d.id])}>{formatTime(d.createdAt)}</a>
                  </td>
                  <td>{d.kind === 'notification' ? 'notification' : 'callback'}</td>
                  <td>
                    <span class={d.ok ? 'badge ok' : 'badge fail'}>
                      {d.ok ? 'OK' : d.attempt === 0 ? 'queued' : (d.cause ?? 'failed')}
                    </span>
                    {d.state === 'pending' && <span class="badge">retrying (#{(d.attempt ?? 0) + 1} next)</span>}
                    {(d.attempt ?? 1) > 1 && <span class="badge">{d.attempt} attempts</span>}
                    {d.resendOf && <span class="badge">re-send</span>}
                  </td>
                  <td>
                    {d.bucket}/{d.key}
                  </td>
                  <td>{d.operation}</td>
                  <td class="url">{last?.url ?? d.spec.targets[0]?.url}</td>
                  <td>{last?.status ?? '—'}</td>
                  <td>{d.latencyMs} ms</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
