import { useState } from 'preact/hooks';
import { getConfig, putConfig, xmlDocument } from './bucket-config.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';

/** Access logging (GetBucketLogging / PutBucketLogging): the bucket and prefix the access logs go to. */
export function SettingsLogging({ creds, bucket }: SettingsProps) {
  const [target, setTarget] = useState('');
  const [prefix, setPrefix] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, error, reload] = useLoad(async () => {
    const xml = await getConfig(ossClient(creds), bucket, 'logging');
    const on = xml?.LoggingEnabled as { TargetBucket?: string; TargetPrefix?: string } | undefined;
    const t = typeof on?.TargetBucket === 'string' ? on.TargetBucket : '';
    setTarget(t);
    setPrefix(typeof on?.TargetPrefix === 'string' ? on.TargetPrefix : '');
    return { target: t };
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!saved) return <p class="muted">Loading…</p>;
  const store = async (on: boolean) => {
    setBusy(true);
    const body = xmlDocument('BucketLoggingStatus', {
      LoggingEnabled: on ? { TargetBucket: target.trim(), TargetPrefix: prefix } : undefined,
    });
    if (
      await attempt(
        'Saving access logging failed',
        on ? `Access logs of ${bucket} go to ${target.trim()}` : `Access logging of ${bucket} off`,
        () => putConfig(ossClient(creds), bucket, 'logging', body),
      )
    )
      await reload();
    setBusy(false);
  };
  return (
    <form
      data-testid="logging-form"
      onSubmit={(e) => {
        e.preventDefault();
        void store(true);
      }}
    >
      {!saved.target && (
        <p class="empty" data-testid="empty">
          Access logging is off.
        </p>
      )}
      <div class="cols">
        <label>
          Target bucket
          <input
            name="targetBucket"
            placeholder={bucket}
            value={target}
            onInput={(e) => setTarget(e.currentTarget.value)}
          />
        </label>
        <label>
          Log object prefix
          <input
            name="targetPrefix"
            placeholder="access-logs/"
            value={prefix}
            onInput={(e) => setPrefix(e.currentTarget.value)}
          />
        </label>
      </div>
      <div class="row">
        <button type="submit" disabled={busy || !target.trim()}>
          Save logging
        </button>
        <button type="button" class="danger" disabled={busy || !saved.target} onClick={() => void store(false)}>
          Turn off
        </button>
      </div>
    </form>
  );
}
