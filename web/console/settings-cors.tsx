import { useEffect, useState } from 'preact/hooks';
import { errorText, ossClient } from './session.js';
import type { SettingsProps } from './settings-section.js';
import { showError, showToast } from './toast.js';

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const MAX_RULES = 10;

interface Rule {
  origins: string;
  methods: string[];
  headers: string;
  expose: string;
  maxAge: string;
}

const blank = (): Rule => ({ origins: '', methods: ['GET'], headers: '', expose: '', maxAge: '' });
const list = (v: unknown): string[] => (v === undefined || v === null ? [] : [v].flat().map(String));
const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
/** The SDK writes the values into its XML as they are. */
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** CORS rules (GetBucketCors / PutBucketCors / DeleteBucketCors): one card per rule. */
export function SettingsCors({ creds, bucket }: SettingsProps) {
  const [rules, setRules] = useState<Rule[] | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ossClient(creds)
      .getBucketCORS(bucket)
      .then(
        (r) =>
          setRules(
            (r.rules as unknown as Record<string, unknown>[]).map((x) => ({
              origins: list(x.allowedOrigin).join('\n'),
              methods: list(x.allowedMethod),
              headers: list(x.allowedHeader).join('\n'),
              expose: list(x.exposeHeader).join('\n'),
              maxAge: x.maxAgeSeconds === undefined ? '' : String(x.maxAgeSeconds),
            })),
          ),
        (err: { code?: string }) => (err.code === 'NoSuchCORSConfiguration' ? setRules([]) : setError(errorText(err))),
      );
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!rules) return <p class="muted">Loading…</p>;
  const edit = (i: number, patch: Partial<Rule>) => setRules(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      if (rules.length === 0) {
        await ossClient(creds).deleteBucketCORS(bucket);
        showToast(`CORS rules of ${bucket} removed`);
      } else {
        const body = rules.map((r) => ({
          allowedOrigin: lines(r.origins).map(xmlText),
          allowedMethod: r.methods,
          allowedHeader: lines(r.headers).map(xmlText),
          exposeHeader: lines(r.expose).map(xmlText),
          ...(r.maxAge ? { maxAgeSeconds: r.maxAge } : {}),
        }));
        await ossClient(creds).putBucketCORS(bucket, body as never);
        showToast(`CORS rules of ${bucket} saved`);
      }
    } catch (err) {
      showError('Saving the CORS rules failed', err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save} data-testid="cors-form">
      {rules.length === 0 && (
        <p class="empty" data-testid="empty">
          No CORS rules: browsers on other origins cannot call this bucket. (The console needs none.)
        </p>
      )}
      {rules.map((r, i) => (
        <fieldset key={i} class="card rule" data-rule={i}>
          <legend>Rule {i + 1}</legend>
          <label>
            Allowed origins (one a line, * allowed)
            <textarea
              name="origins"
              rows={2}
              value={r.origins}
              onInput={(e) => edit(i, { origins: e.currentTarget.value })}
            />
          </label>
          <div class="row">
            {METHODS.map((m) => (
              <label key={m} class="inline">
                <input
                  type="checkbox"
                  name={`method-${m}`}
                  checked={r.methods.includes(m)}
                  onChange={(e) =>
                    edit(i, { methods: e.currentTarget.checked ? [...r.methods, m] : r.methods.filter((x) => x !== m) })
                  }
                />
                {m}
              </label>
            ))}
          </div>
          <div class="cols">
            <label>
              Allowed headers
              <textarea
                name="headers"
                rows={2}
                value={r.headers}
                onInput={(e) => edit(i, { headers: e.currentTarget.value })}
              />
            </label>
            <label>
              Exposed headers
              <textarea
                name="expose"
                rows={2}
                value={r.expose}
                onInput={(e) => edit(i, { expose: e.currentTarget.value })}
              />
            </label>
          </div>
          <div class="row spread">
            <label class="inline">
              Max age (s)&nbsp;
              <input
                name="maxAge"
                type="number"
                min={0}
                value={r.maxAge}
                onInput={(e) => edit(i, { maxAge: e.currentTarget.value })}
              />
            </label>
            <button type="button" class="danger" onClick={() => setRules(rules.filter((_, j) => j !== i))}>
              Remove rule
            </button>
          </div>
        </fieldset>
      ))}
      <div class="row">
        <button
          type="button"
          class="secondary"
          disabled={rules.length >= MAX_RULES}
          onClick={() => setRules([...rules, blank()])}
        >
          Add rule
        </button>
        <button type="submit" disabled={busy || rules.some((r) => !lines(r.origins).length || !r.methods.length)}>
          Save CORS rules
        </button>
      </div>
    </form>
  );
}
