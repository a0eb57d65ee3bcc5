import { useState } from 'preact/hooks';
import { deleteConfig, getConfigText, putConfig } from './bucket-config.js';
import { type SdkInternals, send } from './bucket-ops.js';
import { prettyJson } from './format.js';
import { ossClient } from './session.js';
import { attempt, useLoad } from './settings-load.js';
import type { SettingsProps } from './settings-section.js';
import { showToast } from './toast.js';

const EXAMPLE = (bucket: string) =>
  JSON.stringify(
    {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Principal: ['*'], Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${bucket}/public/*`] },
      ],
    },
    null,
    2,
  );

/** What is wrong with a policy document before the server sees it ('' when it looks right). */
function check(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `Not JSON: ${(err as Error).message}`;
  }
  const d = doc as { Version?: unknown; Statement?: unknown };
  if (!d || typeof d !== 'object' || Array.isArray(d)) return 'The policy must be a JSON object.';
  if (d.Version !== '1') return 'Version must be "1".';
  if (!Array.isArray(d.Statement) || d.Statement.length === 0) return 'Statement must be a non-empty list.';
  return '';
}

/** The bucket policy (Get/Put/DeleteBucketPolicy) as JSON, and whether it makes the bucket public (GetBucketPolicyStatus). */
export function SettingsPolicy({ creds, bucket }: SettingsProps) {
  const [text, setText] = useState<string | undefined>();
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, error, reload] = useLoad(async () => {
    const client = ossClient(creds);
    const policy = await getConfigText(client, bucket, 'policy', 'NoSuchBucketPolicy');
    // As a plain query parameter: ossd's V1 signatures leave policyStatus out of the signed sub-resources.
    const status =
      policy === undefined
        ? undefined
        : await (client as unknown as SdkInternals).parseXML(
            (await send(client, { method: 'GET', bucket, query: { policyStatus: '' } }, [200])).data,
          );
    setText(policy === undefined ? '' : prettyJson(policy));
    return { policy, isPublic: status?.IsPublic === 'true' };
  }, [creds, bucket]);
  if (error) return <p class="error">{error}</p>;
  if (!saved || text === undefined) return <p class="muted">Loading…</p>;
  const run = async (failed: string, done: string, call: () => Promise<void>) => {
    setBusy(true);
    if (await attempt(failed, done, call)) await reload();
    setBusy(false);
  };
  const validate = () => {
    const p = check(text);
    setProblem(p);
    if (!p) showToast('The policy is well-formed JSON with a Version and Statements');
    return !p;
  };
  const save = (e: Event) => {
    e.preventDefault();
    if (validate())
      void run('Saving the bucket policy failed', `Bucket policy of ${bucket} saved`, () =>
        putConfig(ossClient(creds), bucket, 'policy', text, 'json'),
      );
  };
  const remove = () => {
    if (confirm(`Delete the bucket policy of ${bucket}?`))
      void run('Deleting the bucket policy failed', `Bucket policy of ${bucket} deleted`, () =>
        deleteConfig(ossClient(creds), bucket, 'policy'),
      );
  };
  return (
    <form onSubmit={save} data-testid="policy-form">
      {saved.policy === undefined ? (
        <p class="empty" data-testid="empty">
          No bucket policy: access follows the ACL and RAM users' own rights.
        </p>
      ) : (
        <p>
          Public:{' '}
          <strong data-field="isPublic" class={saved.isPublic ? 'error' : ''}>
            {saved.isPublic ? 'yes, the policy grants access to anyone' : 'no'}
          </strong>
        </p>
      )}
      <label>
        Policy (JSON)
        <textarea
          name="policy"
          rows={14}
          spellcheck={false}
          value={text}
          placeholder={EXAMPLE(bucket)}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setProblem('');
          }}
        />
      </label>
      {problem && (
        <p class="error" data-testid="policy-problem">
          {problem}
        </p>
      )}
      <div class="row">
        {!text && (
          <button type="button" class="secondary" onClick={() => setText(EXAMPLE(bucket))}>
            Start from an example
          </button>
        )}
        <button type="button" class="secondary" disabled={!text} onClick={validate}>
          Validate
        </button>
        <button type="submit" disabled={busy || !text}>
          Save policy
        </button>
        <button type="button" class="danger" disabled={busy || saved.policy === undefined} onClick={remove}>
          Delete policy
        </button>
      </div>
    </form>
  );
}
