import { useEffect, useState } from 'preact/hooks';
import { type BucketStat, getBucketInfo, getBucketStat } from './bucket-ops.js';
import { formatBytes, formatTime } from './format.js';
import { errorText, ossClient } from './session.js';
import type { SettingsProps } from './settings-section.js';

/** Usage (GetBucketStat) and the bucket's basic facts (GetBucketInfo). */
export function SettingsOverview({ creds, bucket }: SettingsProps) {
  const [stat, setStat] = useState<BucketStat | undefined>();
  const [info, setInfo] = useState<Record<string, string> | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    const client = ossClient(creds);
    Promise.all([getBucketStat(client, bucket), getBucketInfo(client, bucket)]).then(
      ([s, i]) => {
        setStat(s);
        setInfo(i);
      },
      (err) => setError(errorText(err)),
    );
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!stat || !info) return <p class="muted">Loading…</p>;
  return (
    <div data-testid="bucket-overview">
      <div class="stats">
        <div class="stat">
          <span class="muted">Objects</span>
          <strong data-field="objects">{stat.objectCount.toLocaleString()}</strong>
        </div>
        <div class="stat">
          <span class="muted">Size</span>
          <strong data-field="bytes" title={`${stat.storage} bytes`}>
            {formatBytes(stat.storage)}
          </strong>
        </div>
        <div class="stat">
          <span class="muted">Multipart uploads in progress</span>
          <strong data-field="uploads">{stat.multipartUploadCount}</strong>
        </div>
      </div>
      <dl>
        <dt>Region</dt>
        <dd>{info.Location ?? info.Region}</dd>
        <dt>Created</dt>
        <dd>{formatTime(info.CreationDate)}</dd>
        <dt>Storage class</dt>
        <dd>{info.StorageClass}</dd>
        <dt>Redundancy</dt>
        <dd>{info.DataRedundancyType}</dd>
        <dt>ACL</dt>
        <dd>{info.Grant}</dd>
        <dt>Owner</dt>
        <dd>{info.Owner}</dd>
        <dt>Endpoint</dt>
        <dd>{info.ExtranetEndpoint ?? location.host}</dd>
      </dl>
    </div>
  );
}
