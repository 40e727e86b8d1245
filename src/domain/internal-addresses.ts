// Which IP addresses are internal: the ranges a server-side request (a webhook delivery) must not
// reach unless an administrator allows them, so a subscription cannot probe or call services on
// the server's own host or network.

import { isIP } from 'node:net';

/** An IPv4 or IPv6 address as a number, with its family. */
export interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR block (an address is a block of its full length). */
export interface AddressBlock extends ParsedAddress {
  prefix: number;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

/**
 * Parses an IPv4 or IPv6 address (IPv6 with or without brackets, a zone index ignored); undefined
 * when the text is not one.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return { family, value: v4Value(bare) };
  if (family !== 6) return undefined;
  // An embedded dotted IPv4 tail becomes two groups.
  let s = bare.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v = v4Value(tail[1]!);
    s = `${s.slice(0, -tail[1]!.length)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function v4Value(text: string): bigint {
  return text.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

/** Parses `address` or `address/prefix`; undefined when it is neither. */
export function parseBlock(text: string): AddressBlock | undefined {
  const [addr, prefixText, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const a = parseAddress(addr);
  if (!a) return undefined;
  const prefix = prefixText === undefined ? bitsOf(a.family) : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? '0') || !Number.isInteger(prefix) || prefix < 0 || prefix > bitsOf(a.family))
    return undefined;
  return { ...a, prefix };
}

/** Whether `address` lies in `block` (same family only). */
export function inBlock(address: ParsedAddress, block: AddressBlock): boolean {
  if (address.family !== block.family) return false;
  const shift = BigInt(bitsOf(block.family) - block.prefix);
  return address.value >> shift === block.value >> shift;
}

const INTERNAL: [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  // IPv4-mapped and IPv4-compatible addresses reach IPv4 hosts: refused whatever they embed.
  ['::ffff:0:0/96', 'IPv4-mapped'],
  ['::/96', 'IPv4-compatible'],
  ['100::/64', 'discard-only'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];
const INTERNAL_BLOCKS = INTERNAL.map(([cidr, name]) => ({ block: parseBlock(cidr)!, name }));
const NAT64 = parseBlock('64:ff9b::/96')!;

/**
 * The name of the internal range `address` lies in (loopback, private, link-local, unique-local,
 * unspecified, shared (CGNAT), multicast, IPv4-mapped, ...), or undefined for a public address.
 * A NAT64 address is judged by the IPv4 address it embeds. Text that is no address is `invalid`.
 */
export function internalRange(address: string | ParsedAddress): string | undefined {
  const a = typeof address === 'string' ? parseAddress(address) : address;
  if (!a) return 'invalid';
  if (inBlock(a, NAT64)) return internalRange({ family: 4, value: a.value & 0xffffffffn });
  return INTERNAL_BLOCKS.find((b) => inBlock(a, b.block))?.name;
}

/** Hosts and blocks an administrator lets server-side requests reach although they are internal. */
export interface AllowList {
  names: Set<string>;
  blocks: AddressBlock[];
}

/**
 * Reads allow-list entries: an IP address or CIDR block (`127.0.0.1`, `10.1.0.0/16`, `::1`,
 * `fd00::/8`) or a host name (`hooks.internal`, matched exactly, case-insensitive). Returns the
 * entries it could not read as `invalid`.
 */
export function parseAllowList(entries: string[]): AllowList & { invalid: string[] } {
  const out: AllowList & { invalid: string[] } = { names: new Set(), blocks: [], invalid: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const block = parseBlock(entry);
    if (block) out.blocks.push(block);
    else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry) && !entry.includes('/'))
      out.names.add(entry.replace(/\.$/, ''));
    else out.invalid.push(raw);
  }
  return out;
}

/** Whether an allow list lets `host` (by name) or `address` through. */
export function allowed(list: AllowList, host: string, address?: string): boolean {
  if (list.names.has(host.toLowerCase().replace(/\.$/, ''))) return true;
  const a = address === undefined ? parseAddress(host) : parseAddress(address);
  return a !== undefined && list.blocks.some((b) => inBlock(a, b));
}

/** Names that always mean this host (RFC 6761), refused like a loopback address. */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}
