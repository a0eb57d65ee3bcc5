import { useEffect, useState } from 'preact/hooks';
import type { Attempt, Delivery } from './deliveries-api.js';
import { bodyText, formatTime, headerLines, prettyJson } from './format.js';
import { href, navigate } from './router.js';
import { admin, type Credentials } from './session.js';
import { showError } from './toast.js';

export function AttemptView({ a, body }: { a: Attempt; body: string }) {
  return (
    <div class="attempt" data-testid="attempt">
      <h4>
        POST {a.url} {a.address ? <span class="muted">({a.address})</span> : null}
      </h4>
      <div class="cols">
        <div>
          <h5>Request headers</h5>
          <pre data-testid="request-headers">{headerLines(a.requestHeaders)}</pre>
          <h5>Body</h5>
          <pre data-testid="rendered-body">{body}</pre>
          <h5>String to sign</h5>
          <pre data-testid="string-to-sign">{a.stringToSign ?? ''}</pre>
        </div>
        <div>
          <h5>
            Response{' '}
            <span class={a.ok ? 'badge ok' : 'badge fail'} data-testid="response-status">
              {a.status ?? 'no response'}
            </span>{' '}
            <span class="muted">{a.latencyMs} ms</span>
          </h5>
          {a.message && <p class="error">{a.message}</p>}
          <h5>Response headers</h5>
          <pre>{headerLines(a.responseHeaders)}</pre>
          <h5>Response body</h5>
          <pre data-testid="response-body">{prettyJson(bodyText(a.responseBody))}</pre>
        </div>
      </div>
    </div>
  );
}

/** One delivery: what was sent (per URL tried), what came back, latency; and a re-send button. */
export function DeliveryDetail({ creds, id }: { creds: Credentials; id: string }) {
  const [d, setD] = useState<Delivery | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setD(undefined);
    admin<Delivery>(creds, `/-/admin/callbacks/${id}`)
      .then(setD)
      .catch((err: Error) => setError(err.message));
  }, [creds, id]);
  const resend = async () => {
    setBusy(true);
    setError('');
    try {
      const r = await admin<Delivery>(creds, `/-/admin/callbacks/${id}/resend`, {});
      navigate(['deliveries', r.id]);
    } catch (err) {
      setError((err as Error).message);
      showError('Re-send failed', err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section data-testid="delivery-detail">
      <h2 class="crumbs">
        <a href={href(['deliveries'])}>Callback deliveries</a> / {id}
      </h2>
      {error && <p class="error">{error}</p>}
      {d && (
        <>
          <div class="card">
            <div class="row spread">
              <div>
                <span class={d.ok ? 'badge ok' : 'badge fail'} data-testid="outcome">
                  {d.ok ? 'delivered' : `failed: ${d.cause ?? ''}`}
                </span>{' '}
                {d.operation} of{' '}
                <code>
                  {d.bucket}/{d.key}
                </code>{' '}
                {d.versionId && <span data-testid="version-id">(version {d.versionId}) </span>}·{' '}
                {formatTime(d.createdAt)} · {d.latencyMs} ms · request {d.requestId}
                {d.resendOf && (
                  <>
                    {' '}
                    · re-send of <a href={href(['deliveries', d.resendOf])}>{d.resendOf}</a>
                  </>
                )}
              </div>
              <button type="button" onClick={resend} disabled={busy} data-testid="resend">
                {busy ? 'Sending…' : 'Re-send'}
              </button>
            </div>
            {!d.ok && d.message && (
              <p class="error">
                The upload got 203 CallbackFailed: <code>{d.message}</code>
              </p>
            )}
          </div>
          {(d.truncated?.length || d.attempts.some((a) => a.truncated?.length)) && (
            <p class="error" data-testid="truncated">
              Truncated:{' '}
              {[
                ...(d.truncated ?? []),
                ...d.attempts.flatMap((a, i) => (a.truncated ?? []).map((w) => `attempt ${i + 1} ${w}`)),
              ].join(', ')}{' '}
              — ossd keeps each body up to 64 KiB in the delivery log; the cut text ends with a marker.
            </p>
          )}
          {d.attempts.length === 0 && (
            <div class="card">
              <h5>Body</h5>
              <pre data-testid="rendered-body">{d.renderedBody}</pre>
            </div>
          )}
          {d.attempts.map((a, i) => (
            <AttemptView key={`${a.url}-${i}`} a={a} body={d.renderedBody} />
          ))}
        </>
      )}
    </section>
  );
}
