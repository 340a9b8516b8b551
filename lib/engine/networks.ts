// User-defined networks: create, list, inspect, remove, prune, exists, and which containers are on
// which network (connect, disconnect, reload). The wiring inside the rootless network namespace is
// lib/network's; this module keeps the records and asks it to act on running containers.
import { randomBytes } from 'node:crypto';
import { NetworkStore, DEFAULT_NETWORK, networkNamePattern, type NetworkRecord } from '../network/store.js';
import { completeSubnet, formatCidr, freeIpv4Subnet, freeIpv6Subnet, overlaps, parseCidr, parseIp, type Cidr, type SubnetSpec } from '../network/subnet.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeHostsFile } from '../network/etc-files.js';
import type { UsernsRef } from '../network/netns.js';
import type { ContainerRecord, NetworkAttachment, PortSpec } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { labelMatch, nameRegExp, untilTime } from '../util/filters.js';
import { TspodError } from '../util/errors.js';
import { findContainerIn, liveState } from './containers.js';
import { openStore } from './store.js';

export interface NetworkCreateOptions {
  name?: string;
  driver?: string;
  subnets?: string[];
  gateways?: string[];
  ipRanges?: string[];
  internal?: boolean;
  disableDns?: boolean;
  ipv6?: boolean;
  ipamDriver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  /** an existing network of that name is no error (podman 4.4's --ignore) */
  ignore?: boolean;
}

export function networkStore(store: Store): NetworkStore {
  return new NetworkStore(store.root);
}

function warnBad(name: string, err: Error): void {
  process.stderr.write(`WARN[0000] network ${name}: ${err.message}\n`);
}

function listNetworks(store: Store): NetworkRecord[] {
  return networkStore(store).list(warnBad);
}

function notFound(ref: string): TspodError {
  return new TspodError(`unable to find network with name or ID ${ref}: network not found`, 1);
}

/** A network by name, or by id or id prefix (podman's lookup). */
export function networkFind(store: Store, ref: string): NetworkRecord {
  let byName: NetworkRecord | undefined;
  try {
    byName = networkStore(store).get(ref);
  } catch (err) {
    throw new TspodError(`network ${ref}: ${(err as Error).message}`);
  }
  if (byName) return byName;
  const hits = /^[0-9a-f]+$/.test(ref) ? listNetworks(store).filter((n) => n.id.startsWith(ref)) : [];
  if (hits.length > 1) throw new TspodError(`more than one result for network ID ${ref}: network not found`);
  if (hits.length === 1) return hits[0]!;
  throw notFound(ref);
}

const BRIDGE_OPTIONS = ['mtu', 'isolate'];

function checkOptions(options: Record<string, string>): void {
  for (const [k, v] of Object.entries(options)) {
    if (k === 'mtu') {
      if (!/^-?\d+$/.test(v)) throw new TspodError(`strconv.Atoi: parsing "${v}": invalid syntax`);
      if (Number(v) < 0) throw new TspodError(`mtu ${v} is less than zero`);
    } else if (k === 'isolate') {
      if (!['true', 'false', '1', '0'].includes(v)) throw new TspodError(`strconv.ParseBool: parsing "${v}": invalid syntax`);
    } else if (k === 'vlan') {
      throw new TspodError('unsupported bridge network option vlan: tspod\'s bridges live in the rootless network namespace, where no VLAN reaches; leave -o vlan out');
    } else if (!BRIDGE_OPTIONS.includes(k)) {
      throw new TspodError(`unsupported bridge network option ${k}`);
    }
  }
}

function usedSubnets(nets: NetworkRecord[]): Cidr[] {
  return nets.flatMap((n) => n.subnets.map((s) => parseCidr(s.subnet)));
}

/** The first podmanN (N >= 1) that ISTAKEN does not say is taken. */
function firstFree(isTaken: (s: string) => boolean): string {
  for (let n = 1; ; n++) if (!isTaken(`podman${n}`)) return `podman${n}`;
}

/** `network create`: the new network's name. */
export async function networkCreate(opts: NetworkCreateOptions, store: Store = openStore()): Promise<string> {
  const driver = opts.driver ?? 'bridge';
  if (driver === 'macvlan' || driver === 'ipvlan') {
    throw new TspodError(`unsupported driver ${driver}: tspod runs rootless, where a ${driver} interface on the host's network cannot be made; use the bridge driver`);
  }
  if (driver !== 'bridge') throw new TspodError(`unsupported driver ${driver}: invalid argument`);
  if (opts.ipamDriver && opts.ipamDriver !== 'host-local') {
    throw new TspodError(`unsupported ipam driver "${opts.ipamDriver}": tspod assigns addresses itself (host-local); leave --ipam-driver out`);
  }
  if (opts.name !== undefined && !networkNamePattern.test(opts.name)) {
    throw new TspodError(`network name ${opts.name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
  const subnets = opts.subnets ?? [];
  const gateways = opts.gateways ?? [];
  const ranges = opts.ipRanges ?? [];
  if (!subnets.length && (gateways.length || ranges.length)) throw new TspodError('cannot set gateway or range without subnet');
  if (gateways.length > subnets.length) throw new TspodError('cannot set more gateways than subnets');
  if (ranges.length > subnets.length) throw new TspodError('cannot set more ranges than subnets');
  const options = opts.options ?? {};
  checkOptions(options);
  return store.locked(async () => {
    const nets = listNetworks(store);
    if (opts.name !== undefined) {
      if (nets.some((n) => n.name === opts.name)) {
        if (opts.ignore) return opts.name;
        throw new TspodError(`network name ${opts.name} already used: network already exists`);
      }
    }
    const used = usedSubnets(nets);
    const specs: SubnetSpec[] = [];
    subnets.forEach((s, i) => {
      const spec = completeSubnet(s, gateways[i], ranges[i]);
      const c = parseCidr(spec.subnet);
      if ([...used, ...specs.map((x) => parseCidr(x.subnet))].some((u) => overlaps(u, c))) {
        throw new TspodError(`subnet ${spec.subnet} is already used on the host or by another config`);
      }
      specs.push(spec);
    });
    const have = (f: 4 | 6) => specs.some((s) => parseCidr(s.subnet).family === f);
    if (!have(4) && !(opts.ipv6 && have(6))) specs.push(completeSubnet(formatCidr(freeIpv4Subnet([...used, ...specs.map((x) => parseCidr(x.subnet))]))));
    if (opts.ipv6 && !have(6)) specs.push(completeSubnet(formatCidr(freeIpv6Subnet(used))));
    const rec: NetworkRecord = {
      name: opts.name ?? firstFree((s) => nets.some((n) => n.name === s)),
      id: randomBytes(32).toString('hex'),
      driver: 'bridge',
      network_interface: firstFree((s) => nets.some((n) => n.network_interface === s)),
      created: new Date().toISOString(),
      subnets: specs,
      ipv6_enabled: Boolean(opts.ipv6) || specs.some((s) => parseCidr(s.subnet).family === 6),
      internal: Boolean(opts.internal),
      dns_enabled: !opts.disableDns,
      ...(opts.labels && Object.keys(opts.labels).length ? { labels: opts.labels } : {}),
      ...(Object.keys(options).length ? { options } : {}),
      ipam_options: { driver: 'host-local' },
    };
    networkStore(store).save(rec);
    return rec.name;
  });
}

/** The networks a container is on, by name: its user-defined networks, or `podman` for --network bridge. */
export function containerNetworks(rec: ContainerRecord): Record<string, NetworkAttachment> {
  if (rec.config.networks) return rec.config.networks;
  if (rec.config.network === 'bridge') return { [DEFAULT_NETWORK]: { aliases: [], interfaceName: 'eth0' } };
  return {};
}

/** Network name -> the containers on it. */
export function networkUsers(store: Store): Map<string, ContainerRecord[]> {
  const out = new Map<string, ContainerRecord[]>();
  for (const c of store.containers.list()) {
    for (const n of Object.keys(containerNetworks(c))) out.set(n, [...(out.get(n) ?? []), c]);
  }
  return out;
}

/** What `network ls --format` sees (podman's field names; Labels as ls prints them). */
export interface NetworkListRow {
  Name: string;
  ID: string;
  Driver: string;
  Labels: string;
  NetworkInterface: string;
  Created: string;
  Subnets: string;
  IPv6Enabled: boolean;
  Internal: boolean;
  DNSEnabled: boolean;
  Options: Record<string, string>;
  IPAMOptions: Record<string, string>;
}

interface NetworkFilter {
  key: string;
  match(n: NetworkRecord, users: number): boolean;
}

/** podman's network filters: one key's values OR-ed, different keys AND-ed. */
export function parseNetworkFilters(specs: string[], allowed: string[]): NetworkFilter[] {
  const one = specs.map((spec): NetworkFilter => {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? '' : spec.slice(eq + 1);
    if (!allowed.includes(key)) throw new TspodError(`invalid filter "${key}"`);
    switch (key) {
      case 'name': {
        const re = nameRegExp(value);
        return { key, match: (n) => re.test(n.name) };
      }
      case 'id': return { key, match: (n) => n.id.startsWith(value) };
      case 'driver': return { key, match: (n) => n.driver === value };
      case 'label': return { key, match: (n) => labelMatch(n.labels, value) };
      case 'label!': return { key, match: (n) => !labelMatch(n.labels, value) };
      case 'dangling': {
        if (!['true', 'false', '1', '0'].includes(value)) throw new TspodError(`invalid dangling filter value "${value}"`);
        const want = value === 'true' || value === '1';
        return { key, match: (_n, users) => (users === 0) === want };
      }
      default: {
        const t = untilTime(value);
        return { key, match: (n) => Date.parse(n.created) < t };
      }
    }
  });
  const keys = [...new Set(one.map((f) => f.key))];
  return keys.map((key) => ({ key, match: (n: NetworkRecord, u: number) => one.filter((f) => f.key === key).some((f) => f.match(n, u)) }));
}

export function networkList(filters: string[] = [], store: Store = openStore()): NetworkRecord[] {
  const fs = parseNetworkFilters(filters, ['name', 'id', 'driver', 'label', 'label!', 'dangling', 'until']);
  const users = fs.some((f) => f.key === 'dangling') ? networkUsers(store) : new Map<string, ContainerRecord[]>();
  return listNetworks(store).filter((n) => fs.every((f) => f.match(n, users.get(n.name)?.length ?? 0)));
}

/** A record as `network ls --format` fields. */
export function listRow(n: NetworkRecord): NetworkListRow {
  return {
    Name: n.name, ID: n.id, Driver: n.driver, Labels: Object.entries(n.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    NetworkInterface: n.network_interface, Created: n.created, Subnets: n.subnets.map((s) => s.subnet).join(','),
    IPv6Enabled: n.ipv6_enabled, Internal: n.internal, DNSEnabled: n.dns_enabled, Options: n.options ?? {}, IPAMOptions: n.ipam_options,
  };
}

/** A record as `network inspect --format` fields (podman's Go names). */
export function inspectObject(n: NetworkRecord): Record<string, unknown> {
  return {
    Name: n.name, ID: n.id, Driver: n.driver, NetworkInterface: n.network_interface, Created: n.created,
    Subnets: n.subnets.map((s) => ({ Subnet: s.subnet, Gateway: s.gateway ?? '', LeaseRange: s.lease_range ? { StartIP: s.lease_range.start_ip, EndIP: s.lease_range.end_ip } : null })),
    IPv6Enabled: n.ipv6_enabled, Internal: n.internal, DNSEnabled: n.dns_enabled, Labels: n.labels ?? {}, Options: n.options ?? {},
    IPAMOptions: n.ipam_options,
  };
}

/** `network inspect`: the records, the names not found, and what is broken in the namespace that serves them. */
export async function networkInspect(refs: string[], store: Store = openStore()): Promise<{ reports: NetworkRecord[]; errors: string[]; warnings: string[] }> {
  const reports: NetworkRecord[] = [];
  const errors: string[] = [];
  for (const r of refs) {
    try {
      reports.push(networkFind(store, r));
    } catch (err) {
      errors.push(`network ${r}: ${(err as Error).message}`);
    }
  }
  const { netnsProblem } = await import('../network/netns.js');
  const warnings = reports.map((n) => netnsProblem(n.name)).filter((w): w is string => !!w);
  return { reports, errors, warnings: [...new Set(warnings)] };
}

export function networkExists(ref: string, store: Store = openStore()): boolean {
  try {
    networkFind(store, ref);
    return true;
  } catch {
    return false;
  }
}

export interface NetworkRmReport {
  name: string;
  error?: string;
  /** podman's code: 1 no such network, 2 in use */
  exitCode?: number;
}

/** `network rm`: a network in use is refused (exit 2) unless force, which removes its containers (stopped within `time` seconds). */
export async function networkRemove(refs: string[], opts: { force?: boolean; time?: number } = {}, store: Store = openStore()): Promise<NetworkRmReport[]> {
  const out: NetworkRmReport[] = [];
  for (const ref of refs) {
    let net: NetworkRecord;
    try {
      net = networkFind(store, ref);
    } catch (err) {
      out.push({ name: ref, error: (err as Error).message, exitCode: (err as TspodError).exitCode ?? 125 });
      continue;
    }
    if (net.name === DEFAULT_NETWORK) {
      out.push({ name: ref, error: `default network ${DEFAULT_NETWORK} cannot be removed`, exitCode: 125 });
      continue;
    }
    const users = networkUsers(store).get(net.name) ?? [];
    if (users.length && !opts.force) {
      out.push({ name: ref, error: `"${ref}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`, exitCode: 2 });
      continue;
    }
    if (users.length) {
      const { containerRemove, containerStop } = await import('./containers.js');
      for (const c of users) if (liveState(c, store).state.status === 'running') await containerStop(c.id, opts.time ?? 10).catch(() => undefined);
      const rm = await containerRemove(users.map((c) => c.id), true, false);
      const failed = rm.find((r) => r.error);
      if (failed) {
        out.push({ name: ref, error: `removing a container on network ${net.name}: ${failed.error}`, exitCode: 125 });
        continue;
      }
    }
    await store.locked(async () => networkStore(store).remove(net.name));
    await afterNetworkRemoved(net);
    out.push({ name: ref });
  }
  return out;
}

/** Removes what the network namespace still holds for a removed network (its bridge, its DNS records). */
async function afterNetworkRemoved(net: NetworkRecord): Promise<void> {
  const { dropNetwork } = await import('../network/netns.js');
  await dropNetwork(net);
}

/** `network prune`: every network no container is on (never the default); their names. */
export async function networkPrune(filters: string[] = [], store: Store = openStore()): Promise<string[]> {
  const fs = parseNetworkFilters(filters, ['label', 'label!', 'until']);
  const users = networkUsers(store);
  const victims = listNetworks(store).filter((n) => n.name !== DEFAULT_NETWORK && !(users.get(n.name)?.length) && fs.every((f) => f.match(n, 0)));
  for (const n of victims) {
    await store.locked(async () => networkStore(store).remove(n.name));
    await afterNetworkRemoved(n);
  }
  return victims.map((n) => n.name);
}

export interface ConnectOptions {
  aliases?: string[];
  ip?: string;
  ip6?: string;
  mac?: string;
}

/** Validates --ip/--ip6/--mac-address for one network and returns the attachment's static parts. */
export function staticAddressing(net: NetworkRecord, o: ConnectOptions): Pick<NetworkAttachment, 'staticIps' | 'staticMac'> {
  const ips: string[] = [];
  for (const [flag, v, fam] of [['--ip', o.ip, 4], ['--ip6', o.ip6, 6]] as const) {
    if (v === undefined || v === '') continue;
    const p = parseIp(v);
    if (!p || p.family !== fam) throw new TspodError(`invalid argument "${v}" for "${flag}" flag: invalid string being converted to IP address: ${v}`);
    const inside = net.subnets.some((s) => {
      const c = parseCidr(s.subnet);
      return c.family === p.family && overlaps(c, { family: p.family, addr: p.addr, prefix: p.family === 4 ? 32 : 128 });
    });
    if (!inside) throw new TspodError(`requested static ip ${v} not in any subnet on network ${net.name}`);
    ips.push(v);
  }
  if (o.mac !== undefined && o.mac !== '' && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(o.mac)) {
    throw new TspodError(`address ${o.mac}: invalid MAC address`);
  }
  return { ...(ips.length ? { staticIps: ips } : {}), ...(o.mac ? { staticMac: o.mac.toLowerCase() } : {}) };
}

/** The next ethN a container does not use yet. */
export function nextInterface(attached: Record<string, NetworkAttachment>): string {
  const used = new Set(Object.values(attached).map((a) => a.interfaceName));
  for (let i = 0; ; i++) if (!used.has(`eth${i}`)) return `eth${i}`;
}

/** Whether a container's network mode lets it join bridge networks. */
function bridgeCapable(rec: ContainerRecord): boolean {
  return rec.config.networks !== undefined || rec.config.network === 'bridge';
}

/** `network connect NETWORK CONTAINER`: recorded; a running container is wired at once. Connecting
 * again to a network it is on is no error (podman's behaviour). */
export async function networkConnect(netRef: string, ctrRef: string, o: ConnectOptions = {}, store: Store = openStore()): Promise<void> {
  const net = networkFind(store, netRef);
  const rec = findContainerIn(store, ctrRef);
  if (!bridgeCapable(rec)) throw new TspodError(`"${rec.config.network.split(':')[0]}" is not supported: invalid network mode`);
  await store.lockedContainer(rec.id, async () => {
    const cur = store.containers.get(rec.id) ?? rec;
    const attached = { ...containerNetworks(cur) };
    if (attached[net.name]) return;
    const attachment: NetworkAttachment = { aliases: o.aliases ?? [], ...staticAddressing(net, o), interfaceName: nextInterface(attached) };
    attached[net.name] = attachment;
    const next = { ...cur, config: { ...cur.config, network: 'bridge', networks: attached } };
    if (liveState(cur, store).state.status === 'running') {
      await wireRunning(store, next, cur.state.pid!, [net]);
      rewriteHosts(store, next, Object.keys(attached));
      // its published ports reach it again (a disconnect from its last network took them away)
      if (cur.state.ports?.some((p) => p.protocol === 'tcp')) await publishContainerPorts(next, cur.state.ports);
    }
    store.containers.save(next);
  });
}

/** `network disconnect NETWORK CONTAINER`. */
export async function networkDisconnect(netRef: string, ctrRef: string, _force = false, store: Store = openStore()): Promise<void> {
  const net = networkFind(store, netRef);
  const rec = findContainerIn(store, ctrRef);
  await store.lockedContainer(rec.id, async () => {
    const cur = store.containers.get(rec.id) ?? rec;
    const attached = { ...containerNetworks(cur) };
    const a = attached[net.name];
    if (!a) throw new TspodError(`container ${rec.id} is not connected to network ${net.name}`);
    delete attached[net.name];
    if (liveState(cur, store).state.status === 'running') {
      const { releaseContainer } = await import('../network/netns.js');
      await releaseContainer(cur.id, net.name);
      await writeResolvConf(store, cur, Object.keys(attached).map((n) => networkFind(store, n)));
      rewriteHosts(store, cur, Object.keys(attached));
    }
    store.containers.save({ ...cur, config: { ...cur.config, network: 'bridge', networks: attached } });
  });
}

/** `network reload`: every given running container on bridge networks is wired again (after the
 * rootless network namespace or one of its helpers died); the ids done. */
export async function networkReload(ids: string[], store: Store = openStore()): Promise<Array<{ id: string; error?: string }>> {
  const out: Array<{ id: string; error?: string }> = [];
  for (const ref of ids) {
    try {
      const rec = findContainerIn(store, ref);
      const names = Object.keys(containerNetworks(rec));
      if (liveState(rec, store).state.status === 'running' && names.length && rec.state.pid) {
        await wireRunning(store, rec, rec.state.pid, names.map((n) => networkFind(store, n)), true);
        if (rec.state.ports?.length) await publishContainerPorts(rec, rec.state.ports);
      }
      out.push({ id: rec.id });
    } catch (err) {
      out.push({ id: ref, error: (err as Error).message });
    }
  }
  return out;
}

// ---- containers on networks: the glue between run/start and lib/network/netns.ts ----

async function usernsRef(): Promise<UsernsRef> {
  const { ensureUserNamespace } = await import('../runtime/pause.js');
  const h = await ensureUserNamespace();
  return { pid: h.pid, start: h.start };
}

/** The container's networks as records (a removed network is an error naming the fix). */
function recordsOf(store: Store, rec: ContainerRecord): NetworkRecord[] {
  return Object.keys(containerNetworks(rec)).map((n) => {
    try {
      return networkFind(store, n);
    } catch {
      throw new TspodError(`container ${rec.name} is on network ${n}, which no longer exists: \`tspod network disconnect ${n} ${rec.name}\` or create it again`);
    }
  });
}

/** Whether a container id names a running container (stale leases are dropped through it). */
function aliveIn(store: Store): (id: string) => boolean {
  return (id) => {
    const r = store.containers.get(id);
    return !!r && liveState(r, store).state.status === 'running';
  };
}

/** Before a start: addresses on each of the container's networks (starting the rootless network
 * namespace if needed), and /etc/hosts and /etc/resolv.conf as podman writes them there. */
export async function prepareContainerNetworks(store: Store, rec: ContainerRecord): Promise<void> {
  const nets = recordsOf(store, rec);
  if (!nets.length) return;
  const { leaseAddresses } = await import('../network/netns.js');
  const wired = await leaseAddresses(rec, nets, await usernsRef(), aliveIn(store), previousIps(store, rec));
  rememberIps(store, rec, wired.map((w) => ({ network: w.network, ips: w.ips })));
  writeHosts(store, rec, wired[0]!.ips[0]!);
  await writeResolvConf(store, rec, nets);
}

/** /etc/hosts with the container's first address (none: no line of its own), written in place: the
 * file may be bind-mounted into the running container already (reload, connect, disconnect). */
function writeHosts(store: Store, rec: ContainerRecord, ip: string | undefined): void {
  const hostsPath = join(store.containers.dir(rec.id), 'userdata', 'hosts');
  if (!existsSync(hostsPath)) return; // --no-hosts
  // --add-host entries come first in the file create wrote: they stay
  const lines = readFileSync(hostsPath, 'utf8').split('\n');
  const added = lines.slice(0, Math.max(0, lines.findIndex((l) => l.startsWith('127.0.0.1\tlocalhost'))));
  writeFileSync(hostsPath, added.map((l) => `${l}\n`).join('') + bridgeHostsFile(rec.config.hostname, rec.name, ip));
}

/** After connect or disconnect of a running container: its /etc/hosts names the address it has on
 * the first network it is still on (podman drops the line of a network it left). */
function rewriteHosts(store: Store, rec: ContainerRecord, networks: string[]): void {
  const ips = previousIps(store, rec);
  writeHosts(store, rec, networks.map((n) => ips[n]?.[0]).find(Boolean));
}

/** The container's /etc/resolv.conf for its networks (rewritten in place on connect and disconnect, as podman does). */
async function writeResolvConf(store: Store, rec: ContainerRecord, nets: NetworkRecord[]): Promise<void> {
  const fixed = join(store.containers.dir(rec.id), 'userdata', 'resolv.conf.fixed');
  if (existsSync(fixed)) return writeFileSync(join(store.containers.dir(rec.id), 'userdata', 'resolv.conf'), readFileSync(fixed));
  const { bridgeResolvConf } = await import('../network/etc-files.js');
  const gateways = nets.filter((n) => n.dns_enabled).flatMap((n) => n.subnets.filter((x) => !x.subnet.includes(':')).map((x) => x.gateway ?? '')).filter(Boolean);
  writeFileSync(join(store.containers.dir(rec.id), 'userdata', 'resolv.conf'), bridgeResolvConf(gateways));
}

/** The addresses the container had (kept in userdata/networks.json), so that a reload gives them back. */
function previousIps(store: Store, rec: ContainerRecord): Record<string, string[]> {
  try {
    const list = JSON.parse(readFileSync(join(store.containers.dir(rec.id), 'userdata', 'networks.json'), 'utf8')) as Array<{ network: string; ips: string[] }>;
    return Object.fromEntries(list.map((x) => [x.network, x.ips]));
  } catch {
    return {};
  }
}

function rememberIps(store: Store, rec: ContainerRecord, list: Array<{ network: string; ips: string[] }>): void {
  writeFileSync(join(store.containers.dir(rec.id), 'userdata', 'networks.json'), JSON.stringify(list) + '\n');
}

/** The launch's netns hook: the container's interfaces, before its command runs. */
export async function wireContainerNetworks(rec: ContainerRecord, pid: number): Promise<void> {
  const { wireContainer } = await import('../network/netns.js');
  await wireContainer(rec, pid, await usernsRef());
}

/** A running container joins NETS (connect), or all of its networks again (reload). */
async function wireRunning(store: Store, rec: ContainerRecord, pid: number, nets: NetworkRecord[], all = false): Promise<void> {
  const { leaseAddresses, wireContainer } = await import('../network/netns.js');
  const userns = await usernsRef();
  const wired = await leaseAddresses(rec, nets, userns, aliveIn(store), previousIps(store, rec));
  await wireContainer(rec, pid, userns, all ? undefined : nets.map((n) => n.name));
  const before = previousIps(store, rec);
  for (const w of wired) before[w.network] = w.ips;
  rememberIps(store, rec, Object.entries(before).filter(([n]) => containerNetworks(rec)[n]).map(([network, ips]) => ({ network, ips })));
  await writeResolvConf(store, rec, recordsOf(store, rec));
}

/** Published TCP ports of a container on user networks (through the namespace's slirp4netns). */
export async function publishContainerPorts(rec: ContainerRecord, ports: PortSpec[]): Promise<void> {
  const { publishPorts } = await import('../network/netns.js');
  await publishPorts(rec, ports, await usernsRef());
}

/** After a container stopped: it leaves the rootless network namespace (which stops with the last). */
export async function releaseContainerNetworks(rec: ContainerRecord): Promise<void> {
  if (!Object.keys(containerNetworks(rec)).length) return;
  const { releaseContainer } = await import('../network/netns.js');
  await releaseContainer(rec.id);
}
