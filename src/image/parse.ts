import { OssError } from '../errors/oss-error.js';
import { LIMITS } from './limits.js';

/** One action of `image/ACTION,k_v,k_v/…`: its name and parameters in order. A bare value has key ''. */
export interface ImageAction {
  name: string;
  params: Map<string, string>;
  /** The action's text as written, for messages. */
  text: string;
}

/** What an `x-oss-process` value asks for. */
export type ProcessRequest = { kind: 'image'; actions: ImageAction[] } | { kind: 'style'; name: string };

export function badProcess(message: string, value = ''): OssError {
  return new OssError('InvalidArgument', {
    message,
    extra: { ArgumentName: 'x-oss-process', ArgumentValue: value },
  });
}

function parseAction(text: string): ImageAction {
  const parts = text.split(',');
  const name = parts[0].trim().toLowerCase();
  if (name === '') throw badProcess('An image action has no name.', text);
  const params = new Map<string, string>();
  for (const p of parts.slice(1)) {
    if (p === '') continue;
    const u = p.indexOf('_');
    // `rotate,90`, `format,png`: a bare value. `k_v`: a named parameter (the key never has `_`).
    if (u < 0) params.set('', p);
    else params.set(p.slice(0, u), p.slice(u + 1));
  }
  return { name, params, text };
}

/** Parses `image/…` or `style/NAME`. Throws InvalidArgument for anything else. */
export function parseProcess(value: string): ProcessRequest {
  const v = value.trim();
  if (v.length > LIMITS.processLength) throw badProcess('The process string is too long.', v.slice(0, 64));
  const slash = v.indexOf('/');
  const kind = (slash < 0 ? v : v.slice(0, slash)).toLowerCase();
  const rest = slash < 0 ? '' : v.slice(slash + 1);
  if (kind === 'style') {
    if (!/^[A-Za-z0-9_.-]{1,63}$/.test(rest)) throw badProcess('The style name is invalid.', v);
    return { kind: 'style', name: rest };
  }
  if (kind !== 'image') {
    throw new OssError('NotImplemented', {
      message: `The process "${kind}" is not supported by ossd (only image/ and style/).`,
    });
  }
  const actions = rest
    .split('/')
    .filter((a) => a !== '')
    .map(parseAction);
  if (actions.length === 0) throw badProcess('The image process has no action.', v);
  if (actions.length > LIMITS.actions) throw badProcess('The image process has too many actions.', v);
  return { kind: 'image', actions };
}

/** Decodes OSS's URL-safe base64 (`-`, `_`, padding optional); standard base64 is accepted too. */
export function decodeBase64Url(value: string, name: string): string {
  const s = value.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1) {
    throw new OssError('InvalidArgument', {
      message: `The parameter ${name} is not valid URL-safe base64.`,
      extra: { ArgumentName: name, ArgumentValue: value },
    });
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

/** `…|sys/saveas,o_<b64 key>[,b_<b64 bucket>]`: the process before the bar and where to save. */
export interface SaveAsRequest {
  process: string;
  object: string;
  bucket?: string;
}

export function parseSaveAs(value: string): SaveAsRequest {
  const bar = value.lastIndexOf('|');
  if (bar < 0) throw badProcess('The process must end with |sys/saveas,o_<object>.', value.slice(0, 64));
  const process = value.slice(0, bar);
  const sys = value.slice(bar + 1).trim();
  if (!sys.toLowerCase().startsWith('sys/saveas')) {
    throw badProcess('Only sys/saveas is supported after |.', sys.slice(0, 64));
  }
  const action = parseAction(sys.slice('sys/'.length));
  const o = action.params.get('o');
  if (!o) throw new OssError('InvalidArgument', { message: 'sys/saveas needs o_<base64 object name>.' });
  const b = action.params.get('b');
  return {
    process,
    object: decodeBase64Url(o, 'o'),
    bucket: b === undefined ? undefined : decodeBase64Url(b, 'b'),
  };
}
