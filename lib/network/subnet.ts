// Addresses and subnets of user-defined networks: CIDR parsing, overlap, the free 10.89.N.0/24
// podman hands out, default gateways, lease ranges and the next free address. Pure functions.
import { randomBytes } from 'node:crypto';
import { TspodError } from '../util/errors.js';

export interface Cidr {
  family: 4 | 6;
  /** the network address (host bits cleared) */
  addr: bigint;
  prefix: number;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

/** An IPv4 or IPv6 address as a number; undefined when it is not one. */
export function parseIp(s: string): { family: 4 | 6; addr: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255) || s.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
    return { family: 4, addr: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  }
  if (!s.includes(':') || !/^[0-9a-fA-F:]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { family: 6, addr: all.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

export function formatIp(family: 4 | 6, addr: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((addr >> BigInt(112 - 16 * i)) & 0xffffn));
  // the longest run (of two or more) of zero groups becomes "::", as Go prints it
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

const mask = (c: { family: 4 | 6; prefix: number }) => ((1n << BigInt(bits(c.family))) - 1n) ^ ((1n << BigInt(bits(c.family) - c.prefix)) - 1n);

/** `10.89.0.0/24` (host bits are cleared, as podman stores it); podman's error otherwise. */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? undefined : parseIp(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!ip || !/^\d{1,3}$/.test(prefixText) || prefix > bits(ip.family)) throw new TspodError(`invalid CIDR address: ${s}`);
  return { family: ip.family, prefix, addr: ip.addr & mask({ family: ip.family, prefix }) };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.addr)}/${c.prefix}`;
}

export function lastAddr(c: Cidr): bigint {
  return c.addr | ((1n << BigInt(bits(c.family) - c.prefix)) - 1n);
}

export function contains(c: Cidr, family: 4 | 6, addr: bigint): boolean {
  return c.family === family && (addr & mask(c)) === c.addr;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask({ family: a.family, prefix: p });
  return (a.addr & m) === (b.addr & m);
}

/** The first 10.89.N.0/24 no other subnet overlaps (podman's default_subnet_pools order). */
export function freeIpv4Subnet(used: Cidr[]): Cidr {
  for (let n = 0; n < 256; n++) {
    const c: Cidr = { family: 4, addr: (10n << 24n) | (89n << 16n) | (BigInt(n) << 8n), prefix: 24 };
    if (!used.some((u) => overlaps(u, c))) return c;
  }
  throw new TspodError('could not find free subnet from subnet pools: every 10.89.N.0/24 is used by another network (remove one, or give --subnet)');
}

/** A random unique-local /64 (fdXX:...::/64) no other subnet overlaps, as podman picks for --ipv6. */
export function freeIpv6Subnet(used: Cidr[]): Cidr {
  for (;;) {
    const r = randomBytes(7);
    const addr = [0xfd, ...r].reduce((a, b) => (a << 8n) | BigInt(b), 0n) << 64n;
    const c: Cidr = { family: 6, addr, prefix: 64 };
    if (!used.some((u) => overlaps(u, c))) return c;
  }
}

export interface SubnetSpec {
  subnet: string;
  gateway?: string;
  lease_range?: { start_ip: string; end_ip: string };
}

/** Checks and completes one subnet: the gateway (default the first address) must lie in it;
 * an --ip-range becomes the lease range podman writes (its network address + 1 to its last). */
export function completeSubnet(subnet: string, gateway?: string, ipRange?: string): SubnetSpec {
  const c = parseCidr(subnet);
  const out: SubnetSpec = { subnet: formatCidr(c) };
  if (gateway !== undefined) {
    const g = parseIp(gateway);
    if (!g) throw new TspodError(`invalid argument "${gateway}" for "--gateway" flag: invalid string being converted to IP address: ${gateway}`);
    if (!contains(c, g.family, g.addr)) throw new TspodError(`gateway ${gateway} not in subnet ${out.subnet}`);
    out.gateway = formatIp(g.family, g.addr);
  } else if (c.prefix < bits(c.family) - 1) {
    out.gateway = formatIp(c.family, c.addr + 1n);
  }
  if (ipRange !== undefined) {
    const r = parseCidr(ipRange);
    const start = formatIp(r.family, r.addr + 1n);
    if (!contains(c, r.family, r.addr + 1n)) throw new TspodError(`lease range start ip ${start} not in subnet ${out.subnet}`);
    const end = formatIp(r.family, lastAddr(r));
    if (!contains(c, r.family, lastAddr(r))) throw new TspodError(`lease range end ip ${end} not in subnet ${out.subnet}`);
    out.lease_range = { start_ip: start, end_ip: end };
  }
  return out;
}

/** The first address of SUBNET a container may get: inside the lease range if there is one, never
 * the network address, the gateway, the IPv4 broadcast or one in USED. */
export function freeAddress(s: SubnetSpec, used: Set<string>): string | undefined {
  const c = parseCidr(s.subnet);
  const first = s.lease_range ? parseIp(s.lease_range.start_ip)!.addr : c.addr + 1n;
  let last = s.lease_range ? parseIp(s.lease_range.end_ip)!.addr : lastAddr(c);
  if (c.family === 4 && last === lastAddr(c)) last -= 1n;
  // IPv6 subnets are huge: look at a bounded number of candidates
  for (let a = first, n = 0; a <= last && n < 65536; a++, n++) {
    const ip = formatIp(c.family, a);
    if (ip === s.gateway || a === c.addr || used.has(ip)) continue;
    return ip;
  }
  return undefined;
}
