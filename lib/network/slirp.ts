// User-mode networking for a container with slirp4netns: tap0 10.0.2.100/24,
// gateway 10.0.2.2, DNS 10.0.2.3. tspod-launch runs slirp4netns as its own
// child (it joins the container's network namespace by pid and exits when the
// helper does); this module checks for it and builds its options.
import { accessSync, constants, existsSync } from 'node:fs';
import { TspodError } from '../util/errors.js';

export interface SlirpOptions {
  allowHostLoopback: boolean;
  mtu: number;
  /** cidr=: the network slirp4netns makes (its .100 the container, .2 the gateway, .3 DNS) */
  cidr?: string;
  enableIpv6?: boolean;
  outboundAddr?: string;
  outboundAddr6?: string;
}

export const SLIRP_GUEST_IP = '10.0.2.100';
export const SLIRP_GATEWAY = '10.0.2.2';
export const SLIRP_DNS = '10.0.2.3';

export function slirpProgram(candidates = ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns']): string {
  for (const p of candidates) if (existsSync(p)) return p;
  throw new TspodError('slirp4netns is not installed: the default network needs it. Install it as root (`apt-get install slirp4netns`) or run with --network none');
}

export function checkTun(device = '/dev/net/tun'): void {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch {
    throw new TspodError('/dev/net/tun is not usable by this user: slirp4netns needs it. As root: `chmod 666 /dev/net/tun` (Debian\'s default), or run with --network none');
  }
}

/** The container's, the gateway's and the resolver's addresses for slirp4netns's network. */
export function slirpAddresses(opts: { cidr?: string }): { guest: string; gateway: string; dns: string } {
  if (!opts.cidr) return { guest: SLIRP_GUEST_IP, gateway: SLIRP_GATEWAY, dns: SLIRP_DNS };
  // a normalised network of /24 or wider: its last byte is 0
  const b = opts.cidr.split('/')[0]!.split('.');
  const at = (n: number) => `${b[0]}.${b[1]}.${b[2]}.${n}`;
  return { guest: at(100), gateway: at(2), dns: at(3) };
}

function parseCidr(v: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  const parts = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : 0;
  if (!m || parts.some((x) => x > 255)) throw new TspodError(`invalid slirp4netns option cidr=${v}: an IPv4 network such as 10.0.2.0/24`);
  // slirp4netns gives the container .100 and the resolver .3 of it: the network must hold them
  if (bits > 24 || bits < 8) throw new TspodError(`invalid slirp4netns option cidr=${v}: slirp4netns needs a network from /8 to /24 (it gives the container its .100 address)`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const n = (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) & mask;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${bits}`;
}

const BOOL = (k: string, v: string): boolean => {
  if (v !== 'true' && v !== 'false') throw new TspodError(`invalid slirp4netns option ${k}=${v}: true or false`);
  return v === 'true';
};

/**
 * Parse `slirp4netns[:opt=val,...]` as podman 4.3 takes it: allow_host_loopback, mtu, cidr,
 * enable_ipv6, outbound_addr, outbound_addr6 are given to slirp4netns; port_handler=slirp4netns
 * or rootlesskit is accepted and changes nothing (tspod always forwards through slirp4netns's own
 * API, which keeps a remote client's address, as podman's slirp4netns handler).
 */
export function parseSlirpOptions(spec: string): SlirpOptions {
  const opts: SlirpOptions = { allowHostLoopback: false, mtu: 65520 };
  const [, rest] = spec.split(/:(.*)/s);
  for (const kv of (rest ?? '').split(',').filter(Boolean)) {
    const [k = '', v = ''] = kv.split(/=(.*)/s);
    if (k === 'allow_host_loopback') opts.allowHostLoopback = BOOL(k, v);
    else if (k === 'mtu' && /^\d+$/.test(v)) opts.mtu = Number(v);
    else if (k === 'cidr') opts.cidr = parseCidr(v);
    else if (k === 'enable_ipv6') opts.enableIpv6 = BOOL(k, v);
    else if (k === 'outbound_addr' && v) opts.outboundAddr = v;
    else if (k === 'outbound_addr6' && v) opts.outboundAddr6 = v;
    else if (k === 'port_handler' && (v === 'slirp4netns' || v === 'rootlesskit')) continue;
    else throw new TspodError(`unknown slirp4netns option "${kv}" (tspod knows allow_host_loopback=, mtu=, cidr=, enable_ipv6=, outbound_addr=, outbound_addr6= and port_handler=)`);
  }
  return opts;
}

/** slirp4netns and its options; tspod-launch adds the exit and ready fds, its pid and tap0. */
export function slirpArgs(opts: SlirpOptions): string[] {
  const args = [slirpProgram(), '--configure', `--mtu=${opts.mtu}`, '--enable-sandbox', '--enable-seccomp'];
  if (!opts.allowHostLoopback) args.push('--disable-host-loopback');
  if (opts.cidr) args.push(`--cidr=${opts.cidr}`);
  if (opts.enableIpv6) args.push('--enable-ipv6');
  if (opts.outboundAddr) args.push(`--outbound-addr=${opts.outboundAddr}`);
  if (opts.outboundAddr6) args.push(`--outbound-addr6=${opts.outboundAddr6}`);
  return args;
}
