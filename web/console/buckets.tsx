import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  type BucketStat,
  type BucketSummary,
  deleteBucket,
  getBucketStat,
  listBuckets,
  putBucket,
} from './bucket-ops.js';
import { formatBytes, formatTime } from './format.js';
import { href } from './router.js';
import { type Credentials, errorText, ossClient } from './session.js';
import { showError, showToast } from './toast.js';

/** GetBucketStat of each listed bucket, a few at a time; a failure leaves that row's usage blank. */
function useUsage(creds: Credentials, buckets: BucketSummary[] | undefined): Record<string, BucketStat> {
  const [usage, setUsage] = useState<Record<string, BucketStat>>({});
  useEffect(() => {
    if (!buckets) return;
    let stopped = false;
    const names = buckets.map((b) => b.name);
    let next = 0;
    const worker = async () => {
      while (next < names.length && !stopped) {
        const name = names[next++];
        try {
          const s = await getBucketStat(ossClient(creds), name);
          if (!stopped) setUsage((u) => ({ ...u, [name]: s }));
        } catch {
          // usage is informative only
        }
      }
    };
    for (let i = 0; i < 4; i++) void worker();
    return () => {
      stopped = true;
    };
  }, [creds, buckets]);
  return usage;
}

export function Buckets({ creds }: { creds: Credentials }) {
  const [buckets, setBuckets] = useState<BucketSummary[] | undefined>();
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const usage = useUsage(creds, buckets);
  const load = useCallback(async () => {
    try {
      setBuckets(await listBuckets(ossClient(creds)));
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }, [creds]);
  useEffect(() => {
    void load();
  }, [load]);
  const run = async (doing: string, action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      showToast(done);
      await load();
    } catch (err) {
      showError(doing, err);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    const bucket = name.trim();
    void run(
      `Creating ${bucket} failed`,
      async () => {
        await putBucket(ossClient(creds), bucket);
        setName('');
      },
      `Created ${bucket}`,
    );
  };
  const remove = (bucket: string) => {
    if (confirm(`Delete bucket ${bucket}? It must be empty.`))
      void run(`Deleting ${bucket} failed`, () => deleteBucket(ossClient(creds), bucket), `Deleted ${bucket}`);
  };
  return (
    <section>
      <h2>Buckets</h2>
      <form class="row" onSubmit={create}>
        <input
          name="bucket"
          class="grow"
          placeholder="new-bucket-name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          pattern={'[a-z0-9][a-z0-9\\-]{1,61}[a-z0-9]'}
          title="3–63 characters: lower-case letters, digits, hyphens"
        />
        <button type="submit" disabled={!name.trim()}>
          Create bucket
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      {buckets === undefined ? (
        !error && <p class="muted">Loading…</p>
      ) : buckets.length === 0 ? (
        <div class="card empty" data-testid="empty">
          <strong>No buckets yet.</strong>
          <p class="muted">Create one above: its name is 3–63 lower-case letters, digits and hyphens.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table data-testid="buckets">
            <thead>
              <tr>
                <th>Name</th>
                <th>Objects</th>
                <th>Size</th>
                <th class="wide">Region</th>
                <th class="wide">Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {buckets.map((b) => (
                <tr key={b.name} data-bucket={b.name}>
                  <td class="key">
                    <a href={href(['b', b.name])}>{b.name}</a>
                  </td>
                  <td data-field="objects">{usage[b.name]?.objectCount.toLocaleString()}</td>
                  <td data-field="bytes" class="nowrap">
                    {usage[b.name] && formatBytes(usage[b.name].storage)}
                  </td>
                  <td class="wide">{b.region}</td>
                  <td class="wide">{formatTime(b.creationDate)}</td>
                  <td class="actions">
                    <a class="button" href={href(['b', b.name, 'settings'])} data-action="settings">
                      Settings
                    </a>
                    <button type="button" class="danger" onClick={() => remove(b.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
