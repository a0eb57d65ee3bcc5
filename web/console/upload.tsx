import { useRef, useState } from 'preact/hooks';
import { droppedFiles, inputFiles, type PickedFile } from './file-entries.js';
import { formatBytes } from './format.js';
import type { Credentials } from './session.js';
import { showError } from './toast.js';
import {
  cancelUpload,
  clearFinishedUploads,
  enqueueUploads,
  retryUpload,
  type UploadItem,
  useUploads,
} from './uploads.js';

const MAX_ROWS = 200;

function Row({ u, prefix }: { u: UploadItem; prefix: string }) {
  const fraction = u.size === 0 ? (u.status === 'done' ? 1 : 0) : Math.min(1, u.loaded / u.size);
  const name = u.key.startsWith(prefix) ? u.key.slice(prefix.length) : u.key;
  return (
    <li class="upload-item" data-testid="upload-status" data-status={u.status} data-key={u.key}>
      <div class="row spread">
        <span class="name" title={u.key}>
          {name}
        </span>
        <span class="actions">
          {(u.status === 'queued' || u.status === 'uploading') && (
            <button type="button" class="link" data-action="cancel" onClick={() => cancelUpload(u.id)}>
              Cancel
            </button>
          )}
          {(u.status === 'failed' || u.status === 'cancelled') && (
            <button type="button" class="link" data-action="retry" onClick={() => retryUpload(u.id)}>
              Retry
            </button>
          )}
        </span>
      </div>
      <progress max={1} value={fraction} data-testid="upload-progress" />
      <span class="muted small">
        {Math.round(fraction * 100)}% · {formatBytes(u.size)}
        {u.multipart ? ', multipart' : ''} · {u.status}
        {u.ms !== undefined ? ` in ${u.ms} ms` : ''}
      </span>
      {u.message && <span class="error small">{u.message}</span>}
    </li>
  );
}

/** Upload panel: drop files or folders, or pick them; one row per file with progress, cancel and retry. */
export function Upload(props: { creds: Credentials; bucket: string; prefix: string }) {
  const { creds, bucket, prefix } = props;
  const uploads = useUploads(bucket);
  const [over, setOver] = useState(false);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const add = (files: PickedFile[]) => {
    if (files.length) enqueueUploads(creds, bucket, prefix, files);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (!e.dataTransfer) return;
    droppedFiles(e.dataTransfer).then(add, (err) => showError('Reading the dropped files failed', err));
  };
  const active = uploads.filter((u) => u.status === 'queued' || u.status === 'uploading').length;
  // A dropped tree of thousands of files: list the unfinished ones (up to MAX_ROWS) and count the rest.
  const shown = uploads.length > MAX_ROWS ? uploads.filter((u) => u.status !== 'done').slice(0, MAX_ROWS) : uploads;
  return (
    <section
      aria-label="Upload"
      class={over ? 'card upload drop-over' : 'card upload'}
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <div class="row">
        <span class="drop-hint">
          Drop files or folders here to upload to{' '}
          <code>
            {bucket}/{prefix}
          </code>
        </span>
        <button type="button" onClick={() => filesInput.current?.click()}>
          Choose files
        </button>
        <button type="button" class="secondary" onClick={() => folderInput.current?.click()}>
          Choose folder
        </button>
        <input
          ref={filesInput}
          type="file"
          name="file"
          multiple
          hidden
          onChange={(e) => {
            add(inputFiles(e.currentTarget.files));
            e.currentTarget.value = '';
          }}
        />
        <input
          ref={folderInput}
          type="file"
          name="folder"
          multiple
          hidden
          {...{ webkitdirectory: true }}
          onChange={(e) => {
            add(inputFiles(e.currentTarget.files));
            e.currentTarget.value = '';
          }}
        />
      </div>
      {uploads.length > 0 && (
        <>
          <div class="row spread">
            <span class="muted" data-testid="upload-summary">
              {active ? `${active} uploading or queued` : 'All uploads finished'} · {uploads.length} in this list
              {shown.length < uploads.length ? ` (${uploads.length - shown.length} not shown)` : ''}
            </span>
            <button type="button" class="link" onClick={clearFinishedUploads}>
              Clear finished
            </button>
          </div>
          <ul class="uploads">
            {shown.map((u) => (
              <Row key={u.id} u={u} prefix={prefix} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
