import { useState } from 'preact/hooks';
import { deleteConfig, getConfig, putConfig, type Xml, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

interface Website {
  suffix: string;
  subDir: boolean;
  errorKey: string;
  errorStatus: string;
}

const text = (node: Xml, name: string) => {
  const v = node && typeof node === 'object' && !Array.isArray(node) ? node[name] : undefined;
  return typeof v === 'string' ? v : '';
};

/** Static website hosting (Get/Put/DeleteBucketWebsite): index document, sub-directory indexes, error document. */
export function SettingsWebsite({ creds, bucket }: SettingsProps) {
  const [form, setForm] = useState<Website | undefined>();
  const [busy, setBusy] = useState(false);
  const [configured, error, reload] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'website', 'NoSuchWebsiteConfiguration');
    setForm({
      suffix: text(xml?.IndexDocument, 'Suffix'),
      subDir: text(xml?.IndexDocument, 'SupportSubDir') === 'true',
      errorKey: text(xml?.ErrorDocument, 'Key'),
      errorStatus: text(xml?.ErrorDocument, 'HttpStatus') || '404',
    });
    return { on: xml !== undefined, routing: xml?.RoutingRules !== undefined };
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!form || !configured) return <p class="muted">Loading…</p>;
  const set = (patch: Partial<Website>) => setForm({ ...form, ...patch });
  const run = async (failed: string, done: string, call: () => Promise<void>) => {
    setBusy(true);
    if (await attempt(failed, done, call)) await reload();
    setBusy(false);
  };
  const save = (e: Event) => {
    e.preventDefault();
    const body = xmlDocument('WebsiteConfiguration', {
      IndexDocument: form.suffix.trim()
        ? { Suffix: form.suffix.trim(), SupportSubDir: form.subDir, Type: '0' }
        : undefined,
      ErrorDocument: form.errorKey.trim() ? { Key: form.errorKey.trim(), HttpStatus: form.errorStatus } : undefined,
    });
    void run('Saving the website settings failed', `Static website of ${bucket} saved`, () =>
      putConfig(ossClient(creds), bucket, 'website', body),
    );
  };
  const remove = () =>
    void run('Turning the website off failed', `Static website of ${bucket} turned off`, () =>
      deleteConfig(ossClient(creds), bucket, 'website'),
    );
  return (
    <form onSubmit={save} data-testid="website-form">
      {!configured.on && (
        <p class="empty" data-testid="empty">
          Not a website: requests for a folder or a missing key get the usual API answers.
        </p>
      )}
      {configured.routing && <p class="muted">This bucket also has routing rules (kept, not edited here).</p>}
      <div class="cols">
        <label>
          Index document
          <input
            name="suffix"
            placeholder="index.html"
            value={form.suffix}
            onInput={(e) => set({ suffix: e.currentTarget.value })}
          />
        </label>
        <label>
          Error document
          <input
            name="errorKey"
            placeholder="error.html"
            value={form.errorKey}
            onInput={(e) => set({ errorKey: e.currentTarget.value })}
          />
        </label>
      </div>
      <div class="row">
        <label class="inline">
          <input
            type="checkbox"
            name="subDir"
            checked={form.subDir}
            onChange={(e) => set({ subDir: e.currentTarget.checked })}
          />
          &nbsp;Index documents in sub-folders
        </label>
        <label class="inline">
          Error status&nbsp;
          <select
            name="errorStatus"
            value={form.errorStatus}
            onChange={(e) => set({ errorStatus: e.currentTarget.value })}
          >
            <option>404</option>
            <option>200</option>
          </select>
        </label>
      </div>
      <div class="row">
        <button type="submit" disabled={busy || !(form.suffix.trim() || form.errorKey.trim())}>
          Save website
        </button>
        <button type="button" class="danger" disabled={busy || !configured.on} onClick={remove}>
          Turn off
        </button>
      </div>
    </form>
  );
}
