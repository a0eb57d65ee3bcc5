/**
 * The callback address policy in effect, from the settings and the listen address: loopback and private
 * callback targets are allowed by default only while ossd listens on loopback alone (local development).
 * Once it listens on any other address, they are refused unless the operator opts in.
 */
import { isIP } from 'node:net';
import type { AddressPolicy } from '../callback/address-policy.js';
import { type Config, parseAddress } from './config.js';

export interface EffectiveCallbackPolicy {
  policy: AddressPolicy;
  /** One line for the start-up banner. */
  summary: string;
}

/** True for a listen host that only this machine can reach (127/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

export function effectiveCallbackPolicy(config: Config): EffectiveCallbackPolicy {
  const { host } = parseAddress(config.address);
  const c = config.callback;
  const loopbackOnly = isLoopbackHost(host);
  let denyPrivate: boolean;
  let why: string;
  if (c.denyPrivate) {
    denyPrivate = true;
    why = '--callback-deny-private';
  } else if (c.allowPrivate) {
    denyPrivate = false;
    why = '--callback-allow-private';
  } else {
    denyPrivate = !loopbackOnly;
    why = loopbackOnly
      ? `ossd listens on loopback only (${host})`
      : `ossd listens on ${host}, not only loopback; --callback-allow-private allows them`;
  }
  const policy: AddressPolicy = { denyPrivate, allowLinkLocal: c.allowLinkLocal };
  const linkLocal = c.allowLinkLocal ? 'link-local/metadata ALLOWED' : 'link-local/metadata refused';
  const summary = `Callback targets: loopback/private ${denyPrivate ? 'refused' : 'allowed'} (${why}); ${linkLocal}`;
  return { policy, summary };
}
