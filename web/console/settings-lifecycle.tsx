import { useState } from 'preact/hooks';
import { deleteConfig, getConfig, many, putConfig, type Xml, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

type Rule = Record<string, Xml>;
const CLASSES = ['IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];

const field = (node: Xml, name: string): string => {
  const v = node && typeof node === 'object' && !Array.isArray(node) ? node[name] : undefined;
  return typeof v === 'string' ? v : '';
};

/** One line saying what a rule does, from its XML as GetBucketLifecycle returns it. */
function summary(r: Rule): string {
  const when = (n: Xml) => (field(n, 'Days') ? `${field(n, 'Days')} d` : field(n, 'CreatedBeforeDate').slice(0, 10));
  const parts: string[] = [];
  for (const t of many<Xml>(r.Transition)) parts.push(`to ${field(t, 'StorageClass')} after ${when(t)}`);
  if (r.Expiration) {
    parts.push(
      field(r.Expiration, 'ExpiredObjectDeleteMarker') === 'true'
        ? 'remove lone delete markers'
        : `expire after ${when(r.Expiration)}`,
    );
  }
  if (r.AbortMultipartUpload) parts.push(`abort uploads after ${when(r.AbortMultipartUpload)}`);
  for (const t of many<Xml>(r.NoncurrentVersionTransition))
    parts.push(`old versions to ${field(t, 'StorageClass')} after ${field(t, 'NoncurrentDays')} d`);
  if (r.NoncurrentVersionExpiration)
    parts.push(`old versions expire after ${field(r.NoncurrentVersionExpiration, 'NoncurrentDays')} d`);
  return parts.join(' · ');
}

const blank = { id: '', prefix: '', enabled: true, expire: '', abort: '', transition: '', transitionClass: 'IA' };

/** Lifecycle rules (GetBucketLifecycle / PutBucketLifecycle / DeleteBucketLifecycle): list, add, delete. */
export function SettingsLifecycle({ creds, bucket }: SettingsProps) {
  const [form, setForm] = useState(blank);
  const [busy, setBusy] = useState(false);
  const [rules, error, reload] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'lifecycle', 'NoSuchLifecycle');
    return many<Rule>(xml?.Rule);
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!rules) return <p class="muted">Loading…</p>;
  /** Replaces the whole configuration (PutBucketLifecycle), or deletes it when no rule is left. */
  const store = async (next: Rule[], failed: string, done: string) => {
    setBusy(true);
    const ok = await attempt(failed, done, () =>
      next.length
        ? putConfig(ossClient(creds), bucket, 'lifecycle', xmlDocument('LifecycleConfiguration', { Rule: next }))
        : deleteConfig(ossClient(creds), bucket, 'lifecycle'),
    );
    if (ok) await reload();
    setBusy(false);
    return ok;
  };
  const add = async (e: Event) => {
    e.preventDefault();
    const rule: Rule = {
      ID: form.id.trim() || undefined,
      Prefix: form.prefix,
      Status: form.enabled ? 'Enabled' : 'Disabled',
      Expiration: form.expire ? { Days: form.expire } : undefined,
      AbortMultipartUpload: form.abort ? { Days: form.abort } : undefined,
      Transition: form.transition ? { Days: form.transition, StorageClass: form.transitionClass } : undefined,
    };
    if (await store([...rules, rule], 'Adding the lifecycle rule failed', `Lifecycle rule added to ${bucket}`))
      setForm(blank);
  };
  const remove = (i: number) =>
    void store(
      rules.filter((_, j) => j !== i),
      'Deleting the lifecycle rule failed',
      `Lifecycle rule ${field(rules[i], 'ID')} deleted`,
    );
  const set = (patch: Partial<typeof blank>) => setForm({ ...form, ...patch });
  const num = (name: 'expire' | 'abort' | 'transition', label: string) => (
    <label>
      {label}
      <input
        name={name}
        type="number"
        min={1}
        value={form[name]}
        onInput={(e) => set({ [name]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <div data-testid="lifecycle">
      {rules.length === 0 ? (
        <p class="empty" data-testid="empty">
          No lifecycle rules: objects stay until deleted.
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>ID</th>
                <th>Prefix</th>
                <th>Status</th>
                <th>Actions</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rules.map((r, i) => (
                <tr key={field(r, 'ID') || i} data-rule-id={field(r, 'ID')}>
                  <td class="key">{field(r, 'ID')}</td>
                  <td class="key">
                    <code>{field(r, 'Prefix') || field(r.Filter, 'Prefix') || '(all)'}</code>
                  </td>
                  <td>{field(r, 'Status')}</td>
                  <td>{summary(r)}</td>
                  <td class="actions">
                    <button type="button" class="danger" disabled={busy} onClick={() => remove(i)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={add} data-testid="lifecycle-form">
        <h3>Add a rule</h3>
        <div class="cols">
          <label>
            ID
            <input
              name="ruleId"
              placeholder="generated when empty"
              value={form.id}
              onInput={(e) => set({ id: e.currentTarget.value })}
            />
          </label>
          <label>
            Prefix
            <input
              name="rulePrefix"
              placeholder="logs/ (empty: whole bucket)"
              value={form.prefix}
              onInput={(e) => set({ prefix: e.currentTarget.value })}
            />
          </label>
          {num('expire', 'Expire objects after (days)')}
          {num('abort', 'Abort multipart uploads after (days)')}
          {num('transition', 'Transition after (days)')}
          <label>
            to storage class
            <select
              name="transitionClass"
              value={form.transitionClass}
              onChange={(e) => set({ transitionClass: e.currentTarget.value })}
            >
              {CLASSES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        </div>
        <div class="row">
          <label class="inline">
            <input
              type="checkbox"
              name="ruleEnabled"
              checked={form.enabled}
              onChange={(e) => set({ enabled: e.currentTarget.checked })}
            />
            &nbsp;Enabled
          </label>
          <button type="submit" disabled={busy || !(form.expire || form.abort || form.transition)}>
            Add rule
          </button>
        </div>
      </form>
    </div>
  );
}
