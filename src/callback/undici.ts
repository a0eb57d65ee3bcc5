/**
 * undici, the callback sender's HTTP client, loaded on the first callback rather than at start: it is
 * the largest module ossd uses (~20 MiB of resident memory), and many deployments never send a callback.
 */
import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;
let loading: Promise<typeof Undici> | undefined;

export async function loadUndici(): Promise<typeof Undici> {
  if (loaded) return loaded;
  loading ??= import('undici').then((m) => {
    // undici is CommonJS: its exports are the namespace's default (named exports exist only under Node's
    // own loader, not in the esbuild bundle of dist/).
    loaded = (m as unknown as { default?: typeof Undici }).default ?? m;
    return loaded;
  });
  return loading;
}

/** undici once loadUndici() has resolved (the connection pool is only used after it has). */
export function undici(): typeof Undici {
  if (!loaded) throw new Error('undici is used before loadUndici() resolved');
  return loaded;
}
