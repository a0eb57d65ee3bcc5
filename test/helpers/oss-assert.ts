import assert from 'node:assert/strict';

/** What ali-oss rejects with (the fields tests look at). */
export interface OssClientError {
  code?: string;
  status?: number;
  message?: string;
}

/** Asserts that `p` rejects with this OSS error code and HTTP status (403 unless told). */
export async function rejectsWith(p: Promise<unknown>, code: string, status = 403): Promise<void> {
  await assert.rejects(p, (err: OssClientError) => {
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, status);
    return true;
  });
}
