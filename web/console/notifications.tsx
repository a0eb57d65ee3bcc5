import { useEffect, useState } from 'preact/hooks';
import { navigate } from './router.js';
import { admin, type Credentials } from './session.js';

/** ossd extensions per bucket (see docs/callbacks.md): callback retry policy and event notification rules. */
interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

interface Rule {
  id: string;
  events: string[];
  prefix?: string;
  suffix?: string;
  targets: string[];
}

export function Notifications({ creds, bucket }: { creds: Credentials; bucket: string }) {
  const [name, setName] = useState(bucket);
  const [policy, setPolicy] = useState<RetryPolicy | null | undefined>();
  const [rules, setRules] = useState<Rule[]>([]);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [form, setForm] = useState({ retries: '5', baseDelayMs: '1000', maxDelayMs: '300000' });
  const [rule, setRule] = useState({ events: 'ObjectCreated:*', prefix: '', suffix: '', targets: '' });
  const base = `/-/admin`;
  const run = async (what: () => Promise<void>) => {
    try {
      setError('');
      await what();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const load = () =>
    run(async () => {
      if (!bucket) return;
      const p = await admin<{ policy: RetryPolicy | null }>(
        creds,
        `${base}/callbacks/policy/${encodeURIComponent(bucket)}`,
      );
      setPolicy(p.policy);
      if (p.policy)
        setForm({
          retries: String(p.policy.retries),
          baseDelayMs: String(p.policy.baseDelayMs),
          maxDelayMs: String(p.policy.maxDelayMs),
        });
      const r = await admin<{ rules: Rule[] }>(creds, `${base}/notifications/${encodeURIComponent(bucket)}`);
      setRules(r.rules);
    });
  useEffect(() => {
    setName(bucket);
    void load();
  }, [creds, bucket]);
  const b = encodeURIComponent(bucket);
  return (
    <section>
      <h2>Retries and notifications</h2>
      <form
        class="row filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(['notifications'], { bucket: name });
        }}
      >
        <input name="bucket" placeholder="bucket" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit">Open</button>
      </form>
      {error && <p class="error">{error}</p>}
      {note && <p class="muted">{note}</p>}
      {bucket && policy !== undefined && (
        <>
          <h3>Callback retries</h3>
          <p class="muted" data-testid="policy">
            {policy
              ? `Failed upload callbacks are retried up to ${policy.retries} times (backoff ${policy.baseDelayMs} ms, doubling, at most ${policy.maxDelayMs} ms). Notifications follow the same policy.`
              : 'Failed upload callbacks are not retried, as in OSS. Notifications use the default policy (20 retries, 1 s doubling to 10 min).'}
          </p>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void run(async () => {
                await admin(
                  creds,
                  `${base}/callbacks/policy/${b}`,
                  {
                    retries: Number(form.retries),
                    baseDelayMs: Number(form.baseDelayMs),
                    maxDelayMs: Number(form.maxDelayMs),
                  },
                  'PUT',
                );
                setNote('Retry policy saved.');
                await load();
              });
            }}
          >
            <label>
              retries{' '}
              <input
                name="retries"
                size={4}
                value={form.retries}
                onInput={(e) => setForm({ ...form, retries: e.currentTarget.value })}
              />
            </label>
            <label>
              base delay (ms){' '}
              <input
                name="baseDelayMs"
                size={8}
                value={form.baseDelayMs}
                onInput={(e) => setForm({ ...form, baseDelayMs: e.currentTarget.value })}
              />
            </label>
            <label>
              max delay (ms){' '}
              <input
                name="maxDelayMs"
                size={8}
                value={form.maxDelayMs}
                onInput={(e) => setForm({ ...form, maxDelayMs: e.currentTarget.value })}
              />
            </label>
            <button type="submit">Save</button>
            <button
              type="button"
              onClick={() =>
                void run(async () => {
                  await admin(creds, `${base}/callbacks/policy/${b}`, undefined, 'DELETE');
                  setNote('Retries off.');
                  await load();
                })
              }
            >
              Off
            </button>
          </form>
          <h3>Event notification rules</h3>
          {rules.length === 0 && <p class="muted">No rules.</p>}
          {rules.length > 0 && (
            <table data-testid="rules">
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>Events</th>
                  <th>Keys</th>
                  <th>Targets</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rules.map((r) => (
                  <tr key={r.id} data-id={r.id}>
                    <td>{r.id}</td>
                    <td>{r.events.join(', ')}</td>
                    <td>
                      {[r.prefix !== undefined && `prefix ${r.prefix}`, r.suffix !== undefined && `suffix ${r.suffix}`]
                        .filter(Boolean)
                        .join(', ') || 'all'}
                    </td>
                    <td class="url">{r.targets.join(' ')}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() =>
                          void run(async () => {
                            const t = await admin<{
                              results: { url: string; ok: boolean; status?: number; message?: string }[];
                            }>(creds, `${base}/notifications/${b}/${r.id}/test`, {});
                            setNote(
                              t.results
                                .map((x) => `${x.url}: ${x.ok ? 'OK' : 'failed'} ${x.status ?? ''} ${x.message ?? ''}`)
                                .join('; '),
                            );
                          })
                        }
                      >
                        Test
                      </button>{' '}
                      <button
                        type="button"
                        onClick={() =>
                          void run(async () => {
                            await admin(creds, `${base}/notifications/${b}/${r.id}`, undefined, 'DELETE');
                            await load();
                          })
                        }
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void run(async () => {
                await admin(creds, `${base}/notifications/${b}`, {
                  events: rule.events.split(',').map((x) => x.trim()),
                  prefix: rule.prefix,
                  suffix: rule.suffix,
                  targets: rule.targets.split(/\s+/).filter(Boolean),
                });
                setRule({ ...rule, targets: '' });
                await load();
              });
            }}
          >
            <input
              name="events"
              placeholder="events (ObjectCreated:*, ObjectRemoved:*)"
              value={rule.events}
              onInput={(e) => setRule({ ...rule, events: e.currentTarget.value })}
            />
            <input
              name="prefix"
              placeholder="prefix"
              value={rule.prefix}
              onInput={(e) => setRule({ ...rule, prefix: e.currentTarget.value })}
            />
            <input
              name="suffix"
              placeholder="suffix"
              value={rule.suffix}
              onInput={(e) => setRule({ ...rule, suffix: e.currentTarget.value })}
            />
            <input
              name="targets"
              placeholder="target URLs (space separated)"
              value={rule.targets}
              onInput={(e) => setRule({ ...rule, targets: e.currentTarget.value })}
            />
            <button type="submit">Add rule</button>
          </form>
        </>
      )}
    </section>
  );
}
