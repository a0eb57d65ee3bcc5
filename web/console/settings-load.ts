import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorText } from './session.js';
import { showError, showToast } from './toast.js';

/** Loads a tab's current setting: [value (undefined while loading), error text, reload]. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, string, () => Promise<void>] {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState('');
  const reload = useCallback(async () => {
    try {
      setValue(await load());
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return [value, error, reload];
}

/** Runs a save: a toast saying what was done, or an error toast saying what failed; true when it worked. */
export async function attempt(failed: string, done: string, run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    showToast(done);
    return true;
  } catch (err) {
    showError(failed, err);
    return false;
  }
}
