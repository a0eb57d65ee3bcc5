/** One entry of `callbackUrl`: scheme optional (http), numeric port, path and query kept as the client encoded them. */
import { isIP } from 'node:net';

export interface CallbackTarget {
  /** Normalized, with scheme: `http://host[:port]/path?query`. */
  url: string;
  protocol: 'http:' | 'https:';
  /** Lower-cased; IPv6 without brackets. */
  hostname: string;
  port: number;
  /** As sent on the request line (the client already percent-encoded it); starts with `/`. */
  pathAndQuery: string;
}

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const REQUEST_TARGET = /^[\x21-\x7e\x80-\uffff]*$/;

/** Parses one callbackUrl entry; undefined if invalid (EC 0007-00000004). */
export function parseCallbackUrl(entry: string): CallbackTarget | undefined {
  let rest = entry;
  let protocol: 'http:' | 'https:' = 'http:';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s !== 'http' && s !== 'https') return undefined;
    protocol = s === 'https' ? 'https:' : 'http:';
    rest = rest.slice(scheme[0].length);
  } else if (/^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)/.test(rest) || rest.includes('://')) {
    return undefined;
  }
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  let target = end === -1 ? '' : rest.slice(end);
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  if (target.startsWith('?') || target === '') target = `/${target}`;
  if (!REQUEST_TARGET.test(target)) return undefined;
  if (authority.includes('@')) return undefined;

  let hostname: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return undefined;
    hostname = authority.slice(1, close);
    if (isIP(hostname) !== 6) return undefined;
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = authority.indexOf(':');
    hostname = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
    if (hostname === '' || (!HOSTNAME.test(hostname) && isIP(hostname) !== 4)) return undefined;
  }
  hostname = hostname.toLowerCase();
  const defaultPort = protocol === 'https:' ? 443 : 80;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  const hostPart = isIP(hostname) === 6 ? `[${hostname}]` : hostname;
  const hostPort = port === defaultPort ? hostPart : `${hostPart}:${port}`;
  return { url: `${protocol}//${hostPort}${target}`, protocol, hostname, port, pathAndQuery: target };
}
