// The rootless network namespace of user-defined networks (docs/networking.md): one per user,
// owned by the user's shared user namespace, held by tspod-netns under slirp4netns (the way
// out), with one Linux bridge per network in use, a veth pair into each running container,
// nftables rules (masquerade out of tap0, networks isolated, internal ones without a way
// out, published ports), and tspod-dns answering container names on the bridge addresses.
// Its state lives in RUNTIME/netns: state.json (the holder), ipam.json (addresses handed
// out, by network and container), records (tspod-dns's file). It starts with the first
// container that needs it and stops when the last one leaves.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { helperPath, tspodPaths, privateRuntimeDir } from '../config/paths.js';
import { withLockAsync } from '../storage/lock.js';
import type { ContainerRecord, NetworkAttachment, PortSpec } from '../storage/containers.js';
import { TspodError } from '../util/errors.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../util/fs.js';
import type { NetworkRecord } from './store.js';
import { freeAddress, parseCidr } from './subnet.js';
import { ipamPath, readIpam, type Ipam, type Lease } from './leases.js';
export { containerLeases, netnsProblem, type Lease } from './leases.js';

/** The user's shared user namespace (its pause process), as the caller found it. */
export interface UsernsRef {
  pid: number;
  start: string;
}

interface NetnsState {
  version: 1;
  holderPid: number;
  holderStart: string;
  usernsPid: number;
  usernsStart: string;
}

const dir = () => join(privateRuntimeDir(), 'netns');
const statePath = () => join(dir(), 'state.json');
const recordsPath = () => join(dir(), 'records');
const rulesPath = () => join(dir(), 'nft.rules');
const apiSocket = () => join(dir(), 'slirp.sock');

function lockSpec(): { root: string; name: string } {
  return { root: tspodPaths().data, name: 'netns' };
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2);
    if (rest[0] === 'Z') return undefined;
    return rest.split(' ')[19];
  } catch {
    return undefined;
  }
}

function readState(): NetnsState | undefined {
  try {
    return readJson<NetnsState>(statePath());
  } catch {
    return undefined;
  }
}

/** Whether the namespace's holder runs (and belongs to this user namespace). */
function liveState(userns?: UsernsRef): NetnsState | undefined {
  const s = readState();
  if (!s || startTime(s.holderPid) !== s.holderStart) return undefined;
  if (userns && (s.usernsPid !== userns.pid || s.usernsStart !== userns.start)) return undefined;
  return s;
}

/** Runs SCRIPT with sh as root in the namespace. */
async function nsExec(s: NetnsState, script: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath('tspod-netns'), ['exec', String(s.usernsPid), String(s.holderPid), 'sh', '-ec', script], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    if (input !== undefined) child.stdin!.end(input);
    child.on('error', (e) => reject(new TspodError(`cannot run ${helperPath('tspod-netns')}: ${e.message} (was \`npm run build\` run?)`)));
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      const missing = /(\b(ip|nft|nsenter)\b)[^\n]*not found/.exec(err);
      const fix = missing ? ` (user-defined networks need ip from iproute2, nsenter from util-linux and nft from nftables: as root, \`apt-get install iproute2 util-linux nftables\`)` : '';
      reject(new TspodError(`setting up the rootless network namespace: ${err.trim() || `exit ${code}`}${fix}`));
    });
  });
}

/** Starts the namespace (holder, slirp4netns, tspod-dns) unless it runs; a dead one is replaced
 * and its leases marked unwired (the containers it wired lost their interfaces with it: `network reload`). */
async function ensureRunning(userns: UsernsRef): Promise<NetnsState> {
  const live = liveState(userns);
  if (live) return live;
  stopLocked();
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  // the leases stay (their addresses are still the containers'), but nothing is wired any more
  const old = readIpam();
  for (const x of Object.values(old.networks)) for (const l of x.leases) [l.wired, l.ports] = [false, undefined];
  writeJsonAtomic(ipamPath(), old);
  writeFileAtomic(recordsPath(), '');
  rmSync(apiSocket(), { force: true });
  const log = openSync(join(dir(), 'netns.log'), 'a', 0o600);
  const child = spawn(helperPath('tspod-netns'), ['start', String(userns.pid), helperPath('tspod-dns'), recordsPath(), '--',
    'slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', `--api-socket=${apiSocket()}`],
  { stdio: ['ignore', 'pipe', log], detached: true });
  closeSync(log);
  let timer: NodeJS.Timeout | undefined;
  const holderPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /holder (\d+)\n/.exec(out);
      // "1" from slirp4netns's ready fd follows the holder line once tap0 is configured
      if (m && out.slice(m.index + m[0].length).includes('1')) resolve(Number(m[1]));
    });
    child.on('error', (e) => reject(new TspodError(`cannot run ${helperPath('tspod-netns')}: ${e.message}`)));
    child.on('exit', (code) => reject(new TspodError(`the rootless network namespace did not start (exit ${code}; see ${join(dir(), 'netns.log')})`)));
    // slirp4netns that never configures tap0 (no /dev/net/tun access, say) must not hang the command
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TspodError(`the rootless network namespace did not start within 30 s: slirp4netns never configured tap0 (see ${join(dir(), 'netns.log')})`));
    }, 30_000);
  }).finally(() => clearTimeout(timer));
  child.stdout!.destroy();
  child.unref();
  const s: NetnsState = { version: 1, holderPid, holderStart: startTime(holderPid) ?? '', usernsPid: userns.pid, usernsStart: userns.start };
  writeJsonAtomic(statePath(), s);
  return s;
}

/** Stops the holder (slirp4netns and tspod-dns go with it) and forgets its state. */
function stopLocked(): void {
  const s = readState();
  if (s && startTime(s.holderPid) === s.holderStart) {
    try {
      process.kill(s.holderPid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  rmSync(statePath(), { force: true });
  rmSync(apiSocket(), { force: true });
  rmSync(rulesPath(), { force: true });
}

const bridgeOf = (net: NetworkRecord) => net.network_interface;

function prefixOf(net: NetworkRecord, ip: string): number {
  const fam = ip.includes(':') ? 6 : 4;
  const sub = net.subnets.find((x) => parseCidr(x.subnet).family === fam);
  return sub ? parseCidr(sub.subnet).prefix : 24;
}

/** Shell words, quoted. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The whole nftables table for the networks in use: masquerade out of tap0, forwarding only
 * within one network and out of non-internal ones, published ports (DNAT from tap0), and each
 * network's containers reaching only their own gateway in the namespace itself. */
function nftRules(ipam: Ipam): string {
  const nets = Object.values(ipam.networks).filter((x) => x.leases.length);
  const lines = ['table ip tspod {', '  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;'];
  for (const { leases } of nets) {
    for (const l of leases) {
      const v4 = l.ips.find((i) => !i.includes(':'));
      for (const p of l.ports ?? []) if (v4) lines.push(`    iifname "tap0" tcp dport ${p.hostPort} dnat to ${v4}:${p.containerPort}`);
    }
  }
  lines.push('  }', '  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;');
  for (const { net } of nets) {
    if (net.internal) continue;
    for (const s of net.subnets) if (!s.subnet.includes(':')) lines.push(`    ip saddr ${s.subnet} oifname "tap0" masquerade`);
  }
  lines.push('  }', '  chain forward {', '    type filter hook forward priority filter; policy drop;', '    ct state established,related accept', '    ct status dnat accept');
  for (const { net } of nets) {
    const b = bridgeOf(net);
    lines.push(`    iifname "${b}" oifname "${b}" accept`);
    if (!net.internal) lines.push(`    iifname "${b}" oifname "tap0" accept`);
  }
  lines.push('  }', '  chain input {', '    type filter hook input priority filter; policy accept;', '    ct state established,related accept');
  for (const { net } of nets) {
    const gws = net.subnets.map((s) => s.gateway).filter((g): g is string => !!g && !g.includes(':'));
    if (gws.length) lines.push(`    iifname "${bridgeOf(net)}" ip daddr != { ${gws.join(', ')} } drop`);
  }
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

/** tspod-dns's records: each DNS-enabled network's gateway, the names on it. */
function dnsRecords(ipam: Ipam): string {
  const out = ['upstream 10.0.2.3'];
  for (const { net, leases } of Object.values(ipam.networks)) {
    if (!net.dns_enabled || !leases.length) continue;
    const gw = net.subnets.find((s) => !s.subnet.includes(':') && s.gateway)?.gateway;
    if (!gw) continue;
    out.push(`server ${gw}${net.internal ? ' internal' : ''}`);
    for (const l of leases) {
      for (const name of new Set([l.name, l.containerId.slice(0, 12), ...l.aliases])) {
        if (!/^[A-Za-z0-9_.-]{1,253}$/.test(name)) continue;
        for (const ip of l.ips) out.push(`host ${gw} ${name} ${ip} ${l.containerId.slice(0, 12)}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** The DNS responder's pid: the holder's only child. */
function dnsPid(s: NetnsState): number | undefined {
  try {
    const kids = readFileSync(`/proc/${s.holderPid}/task/${s.holderPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids[0];
  } catch {
    return undefined;
  }
}

/** Brings the namespace's rules and names in line with the leases, after running BEFORE there
 * (one helper run per change: each costs a fork of tspod-netns, sh and the tools). */
async function publish(s: NetnsState, ipam: Ipam, before = ''): Promise<void> {
  writeJsonAtomic(ipamPath(), ipam);
  writeFileAtomic(recordsPath(), dnsRecords(ipam));
  const dns = dnsPid(s);
  if (dns) {
    try {
      process.kill(dns, 'SIGHUP');
    } catch {
      // restarted by the holder meanwhile: it reads the file when it starts
    }
  }
  // the rules change only with the networks in use and the published ports: most starts and stops leave them be
  const rules = nftRules(ipam);
  let applied: string | undefined;
  try {
    applied = readFileSync(rulesPath(), 'utf8');
  } catch {
    applied = undefined;
  }
  if (rules === applied) {
    if (before) await nsExec(s, before);
    return;
  }
  rmSync(rulesPath(), { force: true });
  await nsExec(s, `${before}\nnft -f -`, `table ip tspod\ndelete table ip tspod\n${rules}`);
  writeFileAtomic(rulesPath(), rules);
}

function vethName(containerId: string, network: string): string {
  return `veth${createHash('sha256').update(`${containerId}/${network}`).digest('hex').slice(0, 8)}`;
}

function macFor(containerId: string, network: string): string {
  const h = createHash('sha256').update(`mac/${containerId}/${network}`).digest();
  // locally administered, unicast
  return [(h[0]! & 0xfc) | 0x02, h[1], h[2], h[3], h[4], h[5]].map((b) => b!.toString(16).padStart(2, '0')).join(':');
}

/** Addresses for the container on NET (its static ones, else free ones); throws when none is free. */
function allocate(ipam: Ipam, net: NetworkRecord, rec: ContainerRecord, a: NetworkAttachment): string[] {
  const used = new Set((ipam.networks[net.name]?.leases ?? []).filter((l) => l.containerId !== rec.id).flatMap((l) => l.ips));
  if (a.staticIps?.length) {
    for (const ip of a.staticIps) if (used.has(ip)) throw new TspodError(`IPAM error: requested ip address ${ip} is already allocated to container ID ${(ipam.networks[net.name]!.leases.find((l) => l.ips.includes(ip))!.containerId)}`);
    const fams = new Set(a.staticIps.map((i) => (i.includes(':') ? 6 : 4)));
    const rest = net.subnets.filter((s) => !fams.has(s.subnet.includes(':') ? 6 : 4)).map((s) => freeAddress(s, used)).filter((x): x is string => !!x);
    return [...a.staticIps, ...rest];
  }
  const ips: string[] = [];
  for (const s of net.subnets) {
    const ip = freeAddress(s, used);
    if (!ip) throw new TspodError(`IPAM error: failed to get ips for container ID ${rec.id} on network ${net.name}: no free address in ${s.subnet}`);
    ips.push(ip);
  }
  return ips;
}

export interface WiredNetwork {
  network: string;
  ips: string[];
  gateway?: string;
  interfaceName: string;
  mac: string;
  prefix: number;
}

/** Gives the container addresses on its networks (before it starts: /etc/hosts needs them). */
export async function leaseAddresses(rec: ContainerRecord, nets: NetworkRecord[], userns: UsernsRef, alive: (id: string) => boolean = () => true,
  previous: Record<string, string[]> = {}): Promise<WiredNetwork[]> {
  return withLockAsync(lockSpec(), async () => {
    await ensureRunning(userns);
    const ipam = readIpam();
    // leases of containers that stopped without a cleanup (killed) are dropped here
    for (const x of Object.values(ipam.networks)) x.leases = x.leases.filter((l) => l.containerId === rec.id || alive(l.containerId));
    const out: WiredNetwork[] = [];
    for (const net of nets) {
      const a = rec.config.networks?.[net.name] ?? { aliases: [], interfaceName: 'eth0' };
      const taken = new Set((ipam.networks[net.name]?.leases ?? []).filter((l) => l.containerId !== rec.id).flatMap((l) => l.ips));
      const before = previous[net.name];
      const ips = !a.staticIps?.length && before?.length && before.every((ip) => !taken.has(ip)) ? before : allocate(ipam, net, rec, a);
      const entry = (ipam.networks[net.name] ??= { net, leases: [] });
      entry.net = net;
      entry.leases = entry.leases.filter((l) => l.containerId !== rec.id);
      const mac = a.staticMac ?? macFor(rec.id, net.name);
      entry.leases.push({ containerId: rec.id, name: rec.name, aliases: a.aliases, ips, hostVeth: vethName(rec.id, net.name), interfaceName: a.interfaceName, mac, wired: false });
      out.push({ network: net.name, ips, gateway: net.subnets.find((x) => !x.subnet.includes(':'))?.gateway, interfaceName: a.interfaceName, mac, prefix: prefixOf(net, ips[0]!) });
    }
    writeJsonAtomic(ipamPath(), ipam);
    return out;
  });
}

/** Wires the container (network namespace of PID) into its networks: bridges made when missing,
 * a veth pair per network, its addresses, the default route through the first network with a way out. */
export async function wireContainer(rec: ContainerRecord, pid: number, userns: UsernsRef, only?: string[]): Promise<void> {
  await withLockAsync(lockSpec(), async () => {
    const s = liveState(userns);
    if (!s) throw new TspodError('the rootless network namespace stopped while the container started: start it again');
    const ipam = readIpam();
    const all = Object.values(ipam.networks).flatMap(({ net, leases }) => leases.filter((l) => l.containerId === rec.id).map((l) => ({ net, l })));
    const mine = all.filter((x) => !only || only.includes(x.net.name));
    // a container joining one more network keeps the default route it has
    let routed = !!only && all.some((x) => !only.includes(x.net.name) && !x.net.internal);
    const script: string[] = [];
    for (const { net, l } of mine) {
      const b = bridgeOf(net);
      const mtu = net.options?.mtu && Number(net.options.mtu) > 0 ? Number(net.options.mtu) : 65520;
      // two `ip -batch` processes, not one `ip` per step: first what may fail harmlessly (the bridge
      // exists already, no old veth of this container is left), then what must not
      const optional = [`link add ${b} mtu ${mtu} type bridge`, `link del ${l.hostVeth}`];
      const strict: string[] = [];
      for (const sub of net.subnets) {
        if (!sub.gateway) continue;
        const cidr = `${sub.gateway}/${parseCidr(sub.subnet).prefix}`;
        strict.push(`addr replace ${cidr} dev ${b}${sub.subnet.includes(':') ? ' nodad' : ''}`);
      }
      strict.push(`link set ${b} up`);
      // the container's end gets its MAC as it is made (a later `ip link set address` cost a netlink change more)
      strict.push(`link add ${l.hostVeth} mtu ${mtu} type veth peer name ${l.interfaceName} mtu ${mtu} address ${l.mac} netns ${pid}`);
      strict.push(`link set ${l.hostVeth} master ${b} up`);
      script.push(`printf '%s\\n' ${optional.map(q).join(' ')} | ip -force -batch - 2>/dev/null || true`);
      script.push(`printf '%s\\n' ${strict.map(q).join(' ')} | ip -batch -`);
      // inside the container: one `ip -batch` process for all of it, not one `ip` per step
      const inner: string[] = ['link set lo up'];
      for (const ip of l.ips) inner.push(`addr add ${ip}/${prefixOf(net, ip)}${ip.includes(':') ? '' : ' brd +'} dev ${l.interfaceName}${ip.includes(':') ? ' nodad' : ''}`);
      inner.push(`link set ${l.interfaceName} up`);
      const gw = net.subnets.find((x) => !x.subnet.includes(':'))?.gateway;
      if (!routed && !net.internal && gw) {
        inner.push(`route add default via ${gw} dev ${l.interfaceName}`);
        routed = true;
      }
      script.push(`printf '%s\\n' ${inner.map(q).join(' ')} | nsenter --net=/proc/${pid}/ns/net ip -batch -`);
    }
    for (const { l } of mine) l.wired = true;
    await publish(s, ipam, script.join('\n'));
  });
}

/** Publishes TCP ports of a wired container through the namespace's slirp4netns (UDP goes
 * through tspod-udpfwd straight into the container, see docs/networking.md). */
export async function publishPorts(rec: ContainerRecord, ports: PortSpec[], userns: UsernsRef): Promise<void> {
  const tcp = ports.filter((p) => p.protocol === 'tcp');
  if (!tcp.length) return;
  await withLockAsync(lockSpec(), async () => {
    const s = liveState(userns);
    if (!s) throw new TspodError('the rootless network namespace stopped while the container started: start it again');
    const ipam = readIpam();
    const lease = Object.values(ipam.networks).flatMap((x) => x.leases).find((l) => l.containerId === rec.id);
    if (!lease) throw new TspodError(`container ${rec.name} has no address on its networks: run \`tspod network reload ${rec.name}\``);
    const { replaceForwards } = await import('./ports.js');
    const added = await replaceForwards(apiSocket(), tcp.map((p) => ({ ...p, containerPort: p.hostPort })));
    lease.ports = tcp.map((p, i) => ({ hostPort: p.hostPort, containerPort: p.containerPort, slirpId: added[i] }));
    await publish(s, ipam);
  });
}

/** The container leaves the namespace (it stopped, or disconnects from NETWORK): its veths go,
 * its addresses are released, and with the last lease the namespace stops. */
export async function releaseContainer(containerId: string, network?: string): Promise<void> {
  if (!existsSync(ipamPath())) return;
  await withLockAsync(lockSpec(), async () => {
    const ipam = readIpam();
    const gone: Lease[] = [];
    for (const [name, x] of Object.entries(ipam.networks)) {
      if (network && name !== network) continue;
      gone.push(...x.leases.filter((l) => l.containerId === containerId));
      x.leases = x.leases.filter((l) => l.containerId !== containerId);
    }
    if (!gone.length) return;
    const s = liveState();
    const left = Object.values(ipam.networks).reduce((n, x) => n + x.leases.length, 0);
    if (!s) {
      writeJsonAtomic(ipamPath(), ipam);
      return;
    }
    if (!left) {
      stopLocked();
      writeJsonAtomic(ipamPath(), { version: 1, networks: {} } satisfies Ipam);
      return;
    }
    const { removeForwards } = await import('./ports.js');
    await removeForwards(apiSocket(), gone.flatMap((l) => (l.ports ?? []).map((p) => p.slirpId)).filter((x): x is number => x !== undefined)).catch(() => undefined);
    // a stopped container's veth pair went with its namespace; a disconnected one's goes now; empty bridges go too
    const emptied = Object.entries(ipam.networks).filter(([, x]) => !x.leases.length);
    const script = [...(network ? gone.map((l) => `ip link del ${l.hostVeth} 2>/dev/null || true`) : []), ...emptied.map(([, x]) => `ip link del ${bridgeOf(x.net)} 2>/dev/null || true`)];
    for (const [n] of emptied) delete ipam.networks[n];
    await publish(s, ipam, script.join('\n'));
  });
}

/** A removed network's bridge (when the namespace still runs). */
export async function dropNetwork(net: NetworkRecord): Promise<void> {
  if (!existsSync(ipamPath())) return;
  await withLockAsync(lockSpec(), async () => {
    const ipam = readIpam();
    if (!ipam.networks[net.name]) return;
    delete ipam.networks[net.name];
    const s = liveState();
    if (!s) return void writeJsonAtomic(ipamPath(), ipam);
    await publish(s, ipam, `ip link del ${bridgeOf(net)} 2>/dev/null || true`);
  });
}

/** Whether the namespace runs now (tests, `network inspect`). */
export function netnsRunning(): boolean {
  return liveState() !== undefined;
}
