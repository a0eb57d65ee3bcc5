import { useState } from 'preact/hooks';
import type { Attempt } from './deliveries-api.js';
import { AttemptView } from './delivery-detail.js';
import { useRoute } from './router.js';
import { admin, type Credentials } from './session.js';

/** The answer of POST /-/admin/callbacks/test (src/http/admin-callback-test.ts). */
interface TestResult {
  valid: boolean;
  error?: { code: string; ec: string; message: string; argumentName?: string };
  spec?: { urls: string[]; bodyType: string };
  variables?: Record<string, unknown>;
  renderedBody?: string;
  delivery?: {
    ok: boolean;
    uploadStatus: number;
    reply?: string;
    code?: string;
    ec?: string;
    message?: string;
    latencyMs: number;
    attempts: Attempt[];
  };
}

const EXAMPLE_CALLBACK = JSON.stringify(
  {
    callbackUrl: 'http://127.0.0.1:3000/oss-callback',
    callbackBody:
      '{"bucket":${bucket},"object":${object},"size":${size},"etag":${etag},"mimeType":${mimeType},"crc64":${crc64},"uid":${x:uid}}',
    callbackBodyType: 'application/json',
  },
  null,
  2,
);
const EXAMPLE_VARIABLES = JSON.stringify(
  {
    bucket: 'examplebucket',
    object: 'photo.jpg',
    size: 1024,
    etag: 'D41D8CD98F00B204E9800998ECF8427E',
    mimeType: 'image/jpeg',
  },
  null,
  2,
);

/**
 * Paste a callback (JSON or base64) and custom variables, take the system variables from an uploaded
 * object or type them, see the rendered body or the error an upload would get; send it and see the reply.
 */
export function Tester({ creds }: { creds: Credentials }) {
  const { query } = useRoute();
  const [callback, setCallback] = useState(EXAMPLE_CALLBACK);
  const [callbackVar, setCallbackVar] = useState('{"x:uid": "42"}');
  const [source, setSource] = useState<'object' | 'typed'>(query.get('key') ? 'object' : 'typed');
  const [bucket, setBucket] = useState(query.get('bucket') ?? '');
  const [key, setKey] = useState(query.get('key') ?? '');
  const [variables, setVariables] = useState(EXAMPLE_VARIABLES);
  const [result, setResult] = useState<TestResult | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (send: boolean) => {
    setBusy(true);
    setError('');
    try {
      const body: Record<string, unknown> = { callback, callbackVar, send };
      if (source === 'object') Object.assign(body, { bucket, key });
      else body.variables = JSON.parse(variables || '{}');
      setResult(await admin<TestResult>(creds, '/-/admin/callbacks/test', body));
    } catch (err) {
      setResult(undefined);
      setError(err instanceof SyntaxError ? `Variables: ${err.message}` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const d = result?.delivery;
  return (
    <section>
      <h2>Callback tester</h2>
      <p class="muted">
        Validated and rendered exactly as an upload's callback; sent with ossd's key and settings. Test sends are not
        recorded in the delivery log.
      </p>
      <div class="cols">
        <div class="card">
          <label>
            Callback (x-oss-callback): JSON or base64
            <textarea name="callback" rows={9} value={callback} onInput={(e) => setCallback(e.currentTarget.value)} />
          </label>
          <label>
            Custom variables (x-oss-callback-var): JSON or base64
            <textarea
              name="callbackVar"
              rows={3}
              value={callbackVar}
              onInput={(e) => setCallbackVar(e.currentTarget.value)}
            />
          </label>
          <fieldset>
            <legend>System variables</legend>
            <label class="inline">
              <input type="radio" name="source" checked={source === 'object'} onChange={() => setSource('object')} />
              from an uploaded object
            </label>
            <label class="inline">
              <input type="radio" name="source" checked={source === 'typed'} onChange={() => setSource('typed')} />
              typed
            </label>
            {source === 'object' ? (
              <div class="row">
                <input
                  name="bucket"
                  placeholder="bucket"
                  value={bucket}
                  onInput={(e) => setBucket(e.currentTarget.value)}
                />
                <input name="key" placeholder="object key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
              </div>
            ) : (
              <textarea
                name="variables"
                rows={6}
                value={variables}
                onInput={(e) => setVariables(e.currentTarget.value)}
              />
            )}
          </fieldset>
          <div class="row">
            <button type="button" disabled={busy} onClick={() => void run(false)} data-testid="render">
              Validate &amp; render
            </button>
            <button type="button" disabled={busy} onClick={() => void run(true)} data-testid="send">
              {busy ? 'Working…' : 'Send'}
            </button>
          </div>
          {error && <p class="error">{error}</p>}
        </div>
        <div>
          {result?.error && (
            <div class="card error-card" data-testid="tester-error">
              <h4>
                400 {result.error.code} · EC {result.error.ec}
              </h4>
              <p>
                <code>{result.error.message}</code>
              </p>
              <p class="muted">An upload with this callback would be refused before anything is stored.</p>
            </div>
          )}
          {result?.valid && (
            <div class="card">
              <h4>Rendered body ({result.spec?.bodyType})</h4>
              <pre data-testid="tester-rendered">{result.renderedBody}</pre>
              <p class="muted">to {result.spec?.urls.join(' then ')}</p>
            </div>
          )}
          {d && (
            <div class="card" data-testid="tester-delivery">
              <h4 data-testid="tester-outcome" class={d.ok ? 'ok' : 'error'}>
                {d.ok
                  ? `The upload would return 200 with the application's JSON (${d.latencyMs} ms)`
                  : `The upload would return 203 CallbackFailed: ${d.message}`}
              </h4>
              {d.attempts.map((a, i) => (
                <AttemptView key={`${a.url}-${i}`} a={a} body={result?.renderedBody ?? ''} />
              ))}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
