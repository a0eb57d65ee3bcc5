import { dismissToast, useToasts } from './toast.js';

/** The toast stack, bottom right (full width on narrow screens). */
export function Toasts() {
  const list = useToasts();
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} data-testid="toast" data-kind={t.kind}>
          <span>{t.text}</span>
          <button type="button" class="link" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
