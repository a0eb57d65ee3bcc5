import { useState } from 'preact/hooks';
import { deleteConfig, getConfig, many, putConfig, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

interface Tag {
  key: string;
  value: string;
}

/** Bucket tags (GetBucketTags / PutBucketTags / DeleteBucketTags): edit the set, save it whole. */
export function SettingsTags({ creds, bucket }: SettingsProps) {
  const [tags, setTags] = useState<Tag[] | undefined>();
  const [busy, setBusy] = useState(false);
  const [, error] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'tagging');
    const set = many<Record<string, string>>((xml?.TagSet as { Tag?: unknown } | undefined)?.Tag).map((t) => ({
      key: t.Key,
      value: typeof t.Value === 'string' ? t.Value : '',
    }));
    setTags(set);
    return set;
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!tags) return <p class="muted">Loading…</p>;
  const edit = (i: number, patch: Partial<Tag>) => setTags(tags.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const kept = tags.filter((t) => t.key.trim());
    await attempt('Saving the bucket tags failed', `Tags of ${bucket} saved`, () =>
      kept.length
        ? putConfig(
            ossClient(creds),
            bucket,
            'tagging',
            xmlDocument('Tagging', { TagSet: { Tag: kept.map((t) => ({ Key: t.key.trim(), Value: t.value })) } }),
          )
        : deleteConfig(ossClient(creds), bucket, 'tagging'),
    );
    setTags(kept);
    setBusy(false);
  };
  return (
    <form onSubmit={save} data-testid="tags-form">
      {tags.length === 0 && (
        <p class="empty" data-testid="empty">
          No tags. Tags label a bucket (owner, project, cost centre); they change nothing about access.
        </p>
      )}
      {tags.map((t, i) => (
        <div class="row" key={i} data-tag={i}>
          <input
            name="tagKey"
            placeholder="key"
            value={t.key}
            class="grow"
            onInput={(e) => edit(i, { key: e.currentTarget.value })}
          />
          <input
            name="tagValue"
            placeholder="value"
            value={t.value}
            class="grow"
            onInput={(e) => edit(i, { value: e.currentTarget.value })}
          />
          <button type="button" class="danger" onClick={() => setTags(tags.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <div class="row">
        <button
          type="button"
          class="secondary"
          disabled={tags.length >= 20}
          onClick={() => setTags([...tags, { key: '', value: '' }])}
        >
          Add tag
        </button>
        <button type="submit" disabled={busy}>
          Save tags
        </button>
      </div>
    </form>
  );
}
