import { useState } from 'preact/hooks';
import { type Credentials, ossClient } from './session.js';
import { showError, showToast } from './toast.js';

/** "New folder": an empty object named PREFIX/NAME/ (how OSS consoles make folders), then opens it. */
export function NewFolder(props: {
  creds: Credentials;
  bucket: string;
  prefix: string;
  onCreated: (p: string) => void;
}) {
  const [name, setName] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const clean = name.trim().replace(/^\/+|\/+$/g, '');
    if (!clean) return;
    const key = `${props.prefix}${clean}/`;
    try {
      await ossClient(props.creds, props.bucket).put(key, new Blob([]));
      showToast(`Created folder ${key}`);
      setName('');
      props.onCreated(key);
    } catch (err) {
      showError(`Creating folder ${key} failed`, err);
    }
  };
  return (
    <form class="row new-folder" onSubmit={submit}>
      <input
        name="newFolder"
        placeholder="new folder name"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <button type="submit" class="secondary" disabled={!name.trim()}>
        New folder
      </button>
    </form>
  );
}
