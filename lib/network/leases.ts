// The addresses the rootless network namespace handed out (RUNTIME/netns/ipam.json), read
// without loading the namespace's machinery (inspect reads them).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateRuntimeDir } from '../config/paths.js';
import { readJson } from '../util/fs.js';
import type { NetworkRecord } from './store.js';

export const ipamPath = (): string => join(privateRuntimeDir(), 'netns', 'ipam.json');

/** One container on one network: what the namespace holds for it. */
export interface Lease {
  containerId: string;
  name: string;
  aliases: string[];
  ips: string[];
  /** the host side of the veth pair (in the rootless namespace) */
  hostVeth: string;
  interfaceName: string;
  mac?: string;
  /** false once the namespace that held its interfaces died (until `network reload`) */
  wired?: boolean;
  /** published TCP ports reaching this container through the namespace's slirp4netns */
  ports?: Array<{ hostPort: number; containerPort: number; slirpId?: number }>;
}

export interface Ipam {
  version: 1;
  /** network name -> its record as wired (bridge, subnets, internal) and the leases */
  networks: Record<string, { net: NetworkRecord; leases: Lease[] }>;
}

export function readIpam(): Ipam {
  try {
    const r = readJson<Ipam>(ipamPath());
    if (r && r.version === 1 && typeof r.networks === 'object') return r;
  } catch {
    // an unreadable file holds no lease: the next `network reload` wires the running containers again
  }
  return { version: 1, networks: {} };
}

/** The leases of one container, by network (for inspect and /etc/hosts). */
export function containerLeases(containerId: string): Record<string, Lease> {
  const out: Record<string, Lease> = {};
  for (const [name, x] of Object.entries(readIpam().networks)) {
    const l = x.leases.find((y) => y.containerId === containerId);
    if (l) out[name] = l;
  }
  return out;
}


/** Whether the namespace's holder named by state.json runs (its start time checked). */
export function holderAlive(): boolean {
  try {
    const st = JSON.parse(readFileSync(join(privateRuntimeDir(), 'netns', 'state.json'), 'utf8')) as { holderPid: number; holderStart: string };
    const stat = readFileSync(`/proc/${st.holderPid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2);
    return rest[0] !== 'Z' && rest.split(' ')[19] === st.holderStart;
  } catch {
    return false;
  }
}

/** What is broken in the rootless network namespace, for ps and network inspect (undefined: nothing,
 * or no container uses it). Cheap when no container is on a user network: one missing file. */
export function netnsProblem(network?: string): string | undefined {
  if (!existsSync(ipamPath())) return undefined;
  const leases = Object.entries(readIpam().networks).filter(([n]) => !network || n === network).flatMap(([, x]) => x.leases);
  if (!leases.length) return undefined;
  const lost = holderAlive() ? leases.filter((l) => l.wired === false) : leases;
  if (!lost.length) return undefined;
  return `the rootless network namespace that connected ${[...new Set(lost.map((l) => l.name))].join(', ')} died: run \`tspod network reload --all\` to connect ${lost.length === 1 ? 'it' : 'them'} again`;
}
