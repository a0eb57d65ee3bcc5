import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Which callback destinations ossd may connect to. The callback URL comes from the uploader, not the
 * operator, so it is an SSRF vector (callback.md section 7).
 */
export interface AddressPolicy {
  /** Refuse loopback, private and other non-public unicast ranges (RFC 1918, 127/8, ::1, fc00::/7, 100.64/10, 0/8, …), as the real OSS does. */
  denyPrivate: boolean;
  /** Allow link-local (169.254/16, fe80::/10) and cloud metadata addresses (100.100.100.200, fd00:ec2::254). Off by default. */
  allowLinkLocal: boolean;
}

/** The default policy: private ranges allowed (self-hosted application servers live there), link-local refused. */
export const DEFAULT_ADDRESS_POLICY: AddressPolicy = Object.freeze({ denyPrivate: false, allowLinkLocal: false });

/** Why a callback host could not be used. `dns`: resolution failed; `policy`: an address is refused. */
export class CallbackAddressError extends Error {
  readonly kind: 'dns' | 'policy';
  constructor(kind: 'dns' | 'policy', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CallbackAddressError';
    this.kind = kind;
  }
}

function blockList(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) {
    const [net, prefix] = cidr.split('/');
    list.addSubnet(net, Number(prefix), 'ipv4');
  }
  for (const cidr of v6) {
    const [net, prefix] = cidr.split('/');
    list.addSubnet(net, Number(prefix), 'ipv6');
  }
  return list;
}

/** Never a valid unicast destination: multicast, reserved, broadcast. Always refused. */
const NEVER = blockList(['224.0.0.0/4', '240.0.0.0/4'], ['ff00::/8']);

/** Link-local and metadata endpoints: refused unless `allowLinkLocal`. Checked before the private list. */
const LINK_LOCAL = blockList(['169.254.0.0/16', '100.100.100.200/32'], ['fe80::/10', 'fd00:ec2::254/128']);

/** Loopback, private and special-purpose ranges: refused when `denyPrivate`. */
const PRIVATE = blockList(
  [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
  ],
  ['::/128', '::1/128', 'fc00::/7', '100::/64', '2001:db8::/32'],
);

/** Parses an IPv6 literal (no zone) into 16 bytes. */
function ipv6Bytes(ip: string): Uint8Array | undefined {
  let text = ip;
  const bytes = new Uint8Array(16);
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const rest = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const groups = [...head, ...new Array(8 - head.length - rest.length).fill('0'), ...rest];
  if (groups.length !== 8) return undefined;
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** The IPv4 address an IPv6 address embeds (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any. */
function embeddedIpv4(ip: string): string | undefined {
  const b = ipv6Bytes(ip);
  if (!b) return undefined;
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const v4 = (at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, except :: and ::1)
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (zeros(0, 12) && !zeros(12, 15)) return v4(12);
  // 64:ff9b::/96 (NAT64)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  // 2002::/16 (6to4)
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return undefined;
}

/** True if ossd may connect to `ip` under `policy`. Anything that is not an IP literal is refused. */
export function isAddressAllowed(ip: string, policy: AddressPolicy): boolean {
  let address = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined && !isAddressAllowed(v4, policy)) return false;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (NEVER.check(address, type)) return false;
  if (LINK_LOCAL.check(address, type)) return policy.allowLinkLocal;
  if (PRIVATE.check(address, type)) return !policy.denyPrivate;
  return true;
}

/**
 * Resolves `hostname` once, refuses it if ANY resolved address is refused by the policy, and returns the
 * first address. The caller connects to exactly that address (no second lookup).
 */
/** How names are resolved (injectable so tests can play a rebinding DNS server). */
export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: LookupAll = (host) => lookup(host, { all: true, verbatim: true });

export async function resolveChecked(
  hostname: string,
  policy: AddressPolicy,
  lookupAll: LookupAll = systemLookup,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const literal = isIP(host);
  if (literal !== 0) {
    if (!isAddressAllowed(host, policy))
      throw new CallbackAddressError('policy', `address ${host} is refused by the callback policy`);
    return { address: host, family: literal as 4 | 6 };
  }
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookupAll(host);
  } catch (err) {
    throw new CallbackAddressError('dns', `cannot resolve ${host}`, { cause: err });
  }
  if (addresses.length === 0) throw new CallbackAddressError('dns', `cannot resolve ${host}`);
  const refused = addresses.find((a) => !isAddressAllowed(a.address, policy));
  if (refused)
    throw new CallbackAddressError('policy', `${host} resolves to ${refused.address}, refused by the callback policy`);
  const first = addresses[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
