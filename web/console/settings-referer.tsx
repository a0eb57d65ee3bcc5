import { useState } from 'preact/hooks';
import { getConfig, many, putConfig, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

interface Referer {
  allowEmpty: boolean;
  truncateQuery: boolean;
  allow: string;
  block: string;
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

/** Hotlink protection (GetBucketReferer / PutBucketReferer): allow-empty, allow and block lists. */
export function SettingsReferer({ creds, bucket }: SettingsProps) {
  const [form, setForm] = useState<Referer | undefined>();
  const [busy, setBusy] = useState(false);
  const [, error] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'referer');
    const list = (node: unknown) =>
      many<string>((node as { Referer?: unknown } | undefined)?.Referer ?? undefined).join('\n');
    const loaded = {
      allowEmpty: xml?.AllowEmptyReferer !== 'false',
      truncateQuery: xml?.AllowTruncateQueryString !== 'false',
      allow: list(xml?.RefererList),
      block: list(xml?.RefererBlacklist),
    };
    setForm(loaded);
    return loaded;
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!form) return <p class="muted">Loading…</p>;
  const set = (patch: Partial<Referer>) => setForm({ ...form, ...patch });
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body = xmlDocument('RefererConfiguration', {
      AllowEmptyReferer: form.allowEmpty,
      AllowTruncateQueryString: form.truncateQuery,
      RefererList: { Referer: lines(form.allow) },
      RefererBlacklist: { Referer: lines(form.block) },
    });
    await attempt('Saving the Referer settings failed', `Referer settings of ${bucket} saved`, () =>
      putConfig(ossClient(creds), bucket, 'referer', body),
    );
    setBusy(false);
  };
  const open = form.allowEmpty && !lines(form.allow).length && !lines(form.block).length;
  return (
    <form onSubmit={save} data-testid="referer-form">
      {open && (
        <p class="empty" data-testid="empty">
          No hotlink protection: any Referer (or none) may fetch public objects.
        </p>
      )}
      <label class="choice">
        <input
          type="checkbox"
          name="allowEmpty"
          checked={form.allowEmpty}
          onChange={(e) => set({ allowEmpty: e.currentTarget.checked })}
        />
        <span>Allow requests without a Referer (typed URLs, apps, curl)</span>
      </label>
      <label class="choice">
        <input
          type="checkbox"
          name="truncateQuery"
          checked={form.truncateQuery}
          onChange={(e) => set({ truncateQuery: e.currentTarget.checked })}
        />
        <span>Ignore the Referer's query string when matching</span>
      </label>
      <div class="cols">
        <label>
          Allow list (one a line, * and ? wildcards; empty: any)
          <textarea
            name="allow"
            rows={4}
            value={form.allow}
            placeholder="https://*.example.com"
            onInput={(e) => set({ allow: e.currentTarget.value })}
          />
        </label>
        <label>
          Block list (checked first)
          <textarea
            name="block"
            rows={4}
            value={form.block}
            placeholder="https://bad.example"
            onInput={(e) => set({ block: e.currentTarget.value })}
          />
        </label>
      </div>
      <button type="submit" disabled={busy}>
        Save Referer settings
      </button>
    </form>
  );
}
