import { useCallback, useEffect, useState } from 'preact/hooks';
import { deleteStyle, type ImageStyle, listStyles, putStyle } from './bucket-ops.js';
import { errorText, ossClient } from './session.js';
import type { SettingsProps } from './settings-section.js';
import { showError, showToast } from './toast.js';

/** Image styles (`x-oss-process=style/NAME`): list, add or replace, delete. */
export function SettingsStyles({ creds, bucket }: SettingsProps) {
  const [styles, setStyles] = useState<ImageStyle[] | undefined>();
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [content, setContent] = useState('');
  const load = useCallback(async () => {
    try {
      setStyles(await listStyles(ossClient(creds), bucket));
    } catch (err) {
      setError(errorText(err));
    }
  }, [creds, bucket]);
  useEffect(() => {
    void load();
  }, [load]);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await putStyle(ossClient(creds), bucket, name.trim(), content.trim());
      showToast(`Style ${name.trim()} saved`);
      setName('');
      setContent('');
      await load();
    } catch (err) {
      showError('Saving the style failed', err);
    }
  };
  const remove = async (s: string) => {
    if (!confirm(`Delete style ${s}?`)) return;
    try {
      await deleteStyle(ossClient(creds), bucket, s);
      showToast(`Style ${s} deleted`);
      await load();
    } catch (err) {
      showError(`Deleting style ${s} failed`, err);
    }
  };
  if (error) return <p class="error">{error}</p>;
  if (!styles) return <p class="muted">Loading…</p>;
  return (
    <div data-testid="styles">
      {styles.length === 0 ? (
        <p class="empty" data-testid="empty">
          No image styles. A style names a processing chain: <code>?x-oss-process=style/thumb</code>.
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Processing</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {styles.map((s) => (
                <tr key={s.name} data-style={s.name}>
                  <td class="key">{s.name}</td>
                  <td class="key">
                    <code>{s.content}</code>
                  </td>
                  <td class="actions">
                    <button
                      type="button"
                      class="link"
                      onClick={() => {
                        setName(s.name);
                        setContent(s.content);
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" class="danger" onClick={() => void remove(s.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="row" onSubmit={save}>
        <input name="styleName" placeholder="thumb" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <input
          name="styleContent"
          class="grow"
          placeholder="image/resize,w_200/format,webp"
          value={content}
          onInput={(e) => setContent(e.currentTarget.value)}
        />
        <button type="submit" disabled={!name.trim() || !content.trim()}>
          Save style
        </button>
      </form>
    </div>
  );
}
