// The user's networks: one JSON file per network under DATA/networks/NAME.json in podman 4.3's
// netavark shape (what `network inspect` prints), and the built-in default network `podman`.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { completeSubnet, parseIp, type SubnetSpec } from './subnet.js';

export interface NetworkRecord {
  name: string;
  /** 64 hex digits */
  id: string;
  driver: 'bridge';
  /** the bridge's name in the rootless network namespace: podmanN */
  network_interface: string;
  created: string;
  subnets: SubnetSpec[];
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam_options: { driver: 'host-local' };
}

export const networkNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** podman's default network: not stored, always there, never removed. Its id is podman's. */
export const DEFAULT_NETWORK = 'podman';
export function defaultNetwork(): NetworkRecord {
  return {
    name: DEFAULT_NETWORK, id: '2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9', driver: 'bridge',
    network_interface: 'podman0', created: new Date().toISOString(), subnets: [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }],
    ipv6_enabled: false, internal: false, dns_enabled: false, ipam_options: { driver: 'host-local' },
  };
}

export class NetworkStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'networks');
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** Every network, the default first then by name; an unreadable file is reported through
   * `bad` and skipped (it spoils only its own network). */
  list(bad: (name: string, err: Error) => void = () => undefined): NetworkRecord[] {
    const out: NetworkRecord[] = [];
    if (existsSync(this.dir)) {
      for (const f of readdirSync(this.dir)) {
        if (f.startsWith('.') || !f.endsWith('.json')) continue;
        const name = f.slice(0, -5);
        try {
          const r = this.read(name);
          if (r) out.push(r);
        } catch (err) {
          bad(name, err as Error);
        }
      }
    }
    if (!out.some((n) => n.name === DEFAULT_NETWORK)) out.push(defaultNetwork());
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The network of that name; throws on a file that is not a network record. */
  get(name: string): NetworkRecord | undefined {
    if (!networkNamePattern.test(name)) return undefined;
    const r = this.read(name);
    return r ?? (name === DEFAULT_NETWORK ? defaultNetwork() : undefined);
  }

  private read(name: string): NetworkRecord | undefined {
    const r = readJson<NetworkRecord>(this.file(name));
    if (r === undefined) return undefined;
    // Its fields end up in commands run in the rootless network namespace (ip, nft): each is checked.
    const bad = (why: string) => new Error(`${this.file(name)} is not a network record: ${why} (remove the file to drop the network)`);
    if (typeof r !== 'object' || r === null || r.name !== name || !/^[0-9a-f]{64}$/.test(r.id) || !Array.isArray(r.subnets) || !r.subnets.length) throw bad('name, id or subnets');
    if (typeof r.network_interface !== 'string' || !/^[a-z][a-z0-9]{0,14}$/.test(r.network_interface)) throw bad(`interface name ${JSON.stringify(r.network_interface)}`);
    for (const sub of r.subnets) {
      try {
        completeSubnet(sub.subnet, sub.gateway, undefined);
        if (sub.lease_range && (!parseIp(sub.lease_range.start_ip) || !parseIp(sub.lease_range.end_ip))) throw new Error('lease range');
      } catch (err) {
        throw bad(`subnet ${JSON.stringify(sub)}: ${(err as Error).message}`);
      }
    }
    if (r.options?.mtu !== undefined && !/^\d{1,6}$/.test(r.options.mtu)) throw bad(`mtu ${JSON.stringify(r.options.mtu)}`);
    return { ...r, internal: r.internal === true, dns_enabled: r.dns_enabled === true, ipv6_enabled: r.ipv6_enabled === true };
  }

  save(rec: NetworkRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.file(rec.name), rec);
  }

  remove(name: string): void {
    rmSync(this.file(name), { force: true });
  }
}
