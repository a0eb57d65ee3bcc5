import { useState } from 'preact/hooks';
import { formatBytes } from './format.js';
import { type Credentials, errorText, ossClient } from './session.js';

/** Files above this go through multipart upload (with per-part progress); smaller ones are one PutObject. */
const MULTIPART_THRESHOLD = 5 * 1024 * 1024;
const PART_SIZE = 1024 * 1024;

interface State {
  name: string;
  size: number;
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  message?: string;
}

export function Upload(props: { creds: Credentials; bucket: string; prefix: string; onUploaded: () => void }) {
  const [state, setState] = useState<State | undefined>();
  const upload = async (file: File) => {
    const key = props.prefix + file.name;
    const client = ossClient(props.creds, props.bucket);
    const base = { name: key, size: file.size };
    setState({ ...base, progress: 0, status: 'uploading' });
    try {
      if (file.size > MULTIPART_THRESHOLD) {
        await client.multipartUpload(key, file, {
          partSize: PART_SIZE,
          parallel: 3,
          progress: (p: number) => setState({ ...base, progress: p, status: 'uploading' }),
        });
      } else {
        await client.put(key, file);
      }
      setState({ ...base, progress: 1, status: 'done' });
      props.onUploaded();
    } catch (err) {
      setState((s) => ({ ...base, progress: s?.progress ?? 0, status: 'failed', message: errorText(err) }));
    }
  };
  const busy = state?.status === 'uploading';
  return (
    <div class="card upload">
      <label class="row">
        <span>
          Upload to{' '}
          <code>
            {props.bucket}/{props.prefix}
          </code>
        </span>
        <input
          type="file"
          name="file"
          disabled={busy}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void upload(file);
          }}
        />
      </label>
      {state && (
        <div class="row" data-testid="upload-status" data-status={state.status}>
          <progress max={1} value={state.progress} data-testid="upload-progress" />
          <span>
            {Math.round(state.progress * 100)}% · {state.name} ({formatBytes(state.size)}
            {state.size > MULTIPART_THRESHOLD ? ', multipart' : ''}) · {state.status}
          </span>
          {state.message && <span class="error">{state.message}</span>}
        </div>
      )}
    </div>
  );
}
