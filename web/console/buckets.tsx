import { useCallback, useEffect, useState } from 'preact/hooks';
import { type BucketSummary, deleteBucket, listBuckets, putBucket } from './bucket-ops.js';
import { formatTime } from './format.js';
import { href } from './router.js';
import { type Credentials, errorText, ossClient } from './session.js';

export function Buckets({ creds }: { creds: Credentials }) {
  const [buckets, setBuckets] = useState<BucketSummary[] | undefined>();
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    try {
      setBuckets(await listBuckets(ossClient(creds)));
    } catch (err) {
      setError(errorText(err));
    }
  }, [creds]);
  useEffect(() => {
    void load();
  }, [load]);
  const run = async (action: () => Promise<unknown>) => {
    setError('');
    try {
      await action();
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    const bucket = name.trim();
    void run(async () => {
      await putBucket(ossClient(creds), bucket);
      setName('');
    });
  };
  const remove = (bucket: string) => {
    if (confirm(`Delete bucket ${bucket}? It must be empty.`)) void run(() => deleteBucket(ossClient(creds), bucket));
  };
  return (
    <section>
      <h2>Buckets</h2>
      <form class="row" onSubmit={create}>
        <input
          name="bucket"
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
        <p class="muted">Loading…</p>
      ) : buckets.length === 0 ? (
        <p class="muted">No buckets yet.</p>
      ) : (
        <table data-testid="buckets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Region</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.name} data-bucket={b.name}>
                <td>
                  <a href={href(['b', b.name])}>{b.name}</a>
                </td>
                <td>{b.region}</td>
                <td>{formatTime(b.creationDate)}</td>
                <td class="actions">
                  <button type="button" class="danger" onClick={() => remove(b.name)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
