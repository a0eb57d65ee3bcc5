/** Toasts: short messages in a corner (errors stay until closed, others go after a few seconds). */
import { useEffect, useState } from 'preact/hooks';
import { errorText } from './session.js';

export interface Toast {
  id: number;
  kind: 'error' | 'ok';
  text: string;
}

const OK_MS = 4000;
const MAX_SHOWN = 5;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<(t: Toast[]) => void>();

function publish(next: Toast[]): void {
  toasts = next.slice(-MAX_SHOWN);
  for (const l of listeners) l(toasts);
}

export function dismissToast(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

export function showToast(text: string, kind: Toast['kind'] = 'ok'): void {
  const id = nextId++;
  publish([...toasts, { id, kind, text }]);
  if (kind === 'ok') setTimeout(() => dismissToast(id), OK_MS);
}

/** An error toast with the readable form of an ali-oss / fetch failure, prefixed by what was being done. */
export function showError(doing: string, err: unknown): void {
  showToast(`${doing}: ${errorText(err)}`, 'error');
}

export function useToasts(): Toast[] {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => {
      listeners.delete(setList);
    };
  }, []);
  return list;
}
