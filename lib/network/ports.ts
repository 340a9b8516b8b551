// Published ports (-p, -P): parsing podman's specs, checking the host side
// before the container starts, and asking slirp4netns to forward them through
// its API socket (add_hostfwd), one request per connection.
import { readFileSync } from 'node:fs';
import { lazyNet } from '../util/builtins.js';
import { TspodError } from '../util/errors.js';
import { spawn } from 'node:child_process';
import { helperPath } from '../config/paths.js';

export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

function port(text: string, spec: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new TspodError(`invalid port "${text}" in -p ${spec}: a number from 1 to 65535`);
  return n;
}

function range(text: string, spec: string): number[] {
  const [a, b] = text.split('-');
  const lo = port(a!, spec), hi = b === undefined ? lo : port(b, spec);
  if (hi < lo) throw new TspodError(`invalid port range "${text}" in -p ${spec}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** `[IP:][HOSTPORT:]CTRPORT[/tcp|udp]`, with ranges; a missing host port means "any free one" (0). */
export function parsePublish(spec: string): PortMapping[] {
  const [main, proto = 'tcp'] = spec.split('/');
  if (proto !== 'tcp' && proto !== 'udp') throw new TspodError(`invalid protocol "${proto}" in -p ${spec} (tcp or udp)`);
  const parts = main!.split(':');
  if (parts.length > 3 || parts.some((p, i) => p === '' && !(parts.length === 3 && i === 1))) throw new TspodError(`invalid -p ${spec}: expected [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]`);
  const ctr = range(parts[parts.length - 1]!, spec);
  const hostText = parts.length >= 2 ? parts[parts.length - 2]! : '';
  const hostIp = parts.length === 3 ? parts[0]! : '0.0.0.0';
  if (parts.length === 3 && !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw new TspodError(`invalid host address "${hostIp}" in -p ${spec} (an IPv4 address)`);
  const host = hostText === '' ? ctr.map(() => 0) : range(hostText, spec);
  if (host.length !== ctr.length) throw new TspodError(`invalid -p ${spec}: the host and container ranges differ in length`);
  return ctr.map((c, i) => ({ hostIp, hostPort: host[i]!, containerPort: c, protocol: proto }));
}

/** Refuse ports the user cannot bind, and ports already in use, before anything starts. */
export async function reserveHostPorts(ports: PortMapping[]): Promise<PortMapping[]> {
  let unprivStart = 1024;
  try {
    unprivStart = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    /* keep the kernel's default */
  }
  const out: PortMapping[] = [];
  for (const p of ports) {
    if (p.hostPort !== 0 && p.hostPort < unprivStart) {
      throw new TspodError(`host port ${p.hostPort} is below net.ipv4.ip_unprivileged_port_start (${unprivStart}): a rootless user cannot bind it. Use a port from ${unprivStart} up, or lower the sysctl as root`);
    }
    out.push({ ...p, hostPort: await probe(p) });
  }
  return out;
}

/** Bind the host side briefly: it must be free (or, for 0, find a free one). */
function probe(p: PortMapping): Promise<number> {
  return new Promise((resolve, reject) => {
    // a port taken at start fails the start as podman's does: exit status 126 (the container stays created)
    const fail = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE'
        ? new TspodError(`host port ${p.hostIp}:${p.hostPort}/${p.protocol} is already in use: pick another host port with -p HOSTPORT:${p.containerPort}`, 126)
        : new TspodError(`cannot use host port ${p.hostIp}:${p.hostPort}/${p.protocol}: ${err.message}`));
    if (p.protocol === 'udp') {
      const s = process.getBuiltinModule('node:dgram').createSocket('udp4');
      s.once('error', fail);
      s.bind(p.hostPort, p.hostIp, () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
      return;
    }
    const s = lazyNet().createServer();
    s.once('error', fail);
    s.listen(p.hostPort, p.hostIp, () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}

function apiCall(socket: string, request: object): Promise<{ return?: unknown; error?: { desc?: string } }> {
  return new Promise((resolve, reject) => {
    const c = lazyNet().connect(socket);
    let data = '';
    c.on('connect', () => c.end(JSON.stringify(request)));
    c.on('data', (d) => (data += d));
    c.on('error', (err) => reject(new TspodError(`slirp4netns API ${socket}: ${err.message}`)));
    c.on('close', () => {
      try {
        resolve(JSON.parse(data));
      } catch {
        reject(new TspodError(`slirp4netns API answered "${data}"`));
      }
    });
  });
}

/** Forward each host port to the container through slirp4netns; the forwards' ids. */
export async function addForwards(apiSocket: string, ports: PortMapping[]): Promise<Array<number | undefined>> {
  const ids: Array<number | undefined> = [];
  for (const p of ports) {
    const r = await apiCall(apiSocket, {
      execute: 'add_hostfwd',
      arguments: { proto: p.protocol, host_addr: p.hostIp, host_port: p.hostPort, guest_port: p.containerPort },
    });
    if (r.error) throw new TspodError(`slirp4netns could not forward ${p.hostIp}:${p.hostPort}/${p.protocol}: ${r.error.desc ?? JSON.stringify(r.error)}`);
    const id = (r.return as { id?: unknown } | undefined)?.id;
    ids.push(typeof id === 'number' ? id : undefined);
  }
  return ids;
}

/** Forwards already set for these host ports (a reload of a container whose forwards survived) are
 * removed first, found by slirp4netns's list_hostfwd, so that adding them again does not fail. */
export async function replaceForwards(apiSocket: string, ports: PortMapping[]): Promise<Array<number | undefined>> {
  const r = await apiCall(apiSocket, { execute: 'list_hostfwd' });
  // slirp4netns answers {"entries": [...]} here, without the "return" of its other replies
  const body = (r.return ?? r) as { entries?: unknown };
  const entries = (Array.isArray(body.entries) ? body.entries : []) as Array<{ id?: number; proto?: string; host_addr?: string; host_port?: number }>;
  const stale = entries.filter((e) => ports.some((p) => e.proto === p.protocol && e.host_port === p.hostPort && (e.host_addr ?? '0.0.0.0') === (p.hostIp || '0.0.0.0')));
  await removeForwards(apiSocket, stale.map((e) => e.id).filter((x): x is number => typeof x === 'number'));
  return addForwards(apiSocket, ports);
}

/** Undo forwards by their ids (a slirp4netns that outlives one container: the rootless network namespace's). */
export async function removeForwards(apiSocket: string, ids: number[]): Promise<void> {
  for (const id of ids) await apiCall(apiSocket, { execute: 'remove_hostfwd', arguments: { id } });
}

/** podman's `port` lines: "8080/tcp -> 0.0.0.0:34567". */
export function formatPorts(ports: PortMapping[]): string[] {
  return ports.map((p) => `${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort}`);
}

/** Publish one UDP port through tspod-udpfwd (host socket outside, relay inside the
 * container's namespaces): slirp4netns drops the container's UDP replies unless the
 * container may reach the host's loopback. Returns once the port is bound; the
 * forwarder lives until the container's process PID exits. */
export async function startUdpForwarder(pid: number, p: PortMapping): Promise<void> {
  const child = spawn(helperPath('tspod-udpfwd'), [String(pid), p.hostIp || '0.0.0.0', String(p.hostPort), String(p.containerPort)], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve(true));
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  if (!ready) throw new TspodError(`cannot publish ${p.hostIp}:${p.hostPort}/udp: ${err.trim() || 'the UDP forwarder exited'}`);
}
