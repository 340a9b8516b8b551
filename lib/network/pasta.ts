// User-mode networking with pasta (Debian's `passt` package), as podman 4.4+ offers it with
// `--network pasta[:OPTIONS]`. tspod-launch runs pasta as its own child in the foreground: it joins
// the container's user and network namespaces by pid, copies the host's addresses and routes into
// them (--config-net), forwards the published ports, and writes its pid to the launch helper's
// ready pipe once all that is done. Unlike slirp4netns, a forwarded connection keeps the client's
// source address. The launch helper stops pasta (SIGTERM) when the container exits.
import { existsSync } from 'node:fs';
import { TspodError } from '../util/errors.js';
import type { PortMapping } from './ports.js';

export function pastaProgram(candidates = ['/usr/bin/pasta', '/usr/local/bin/pasta']): string {
  for (const p of candidates) if (existsSync(p)) return p;
  throw new TspodError('could not find pasta, the network mode pasta needs it: install Debian\'s passt package as root (`apt-get install passt`), or use --network slirp4netns');
}

/** Options that would take pasta out of tspod's hands: the namespace to join, its pid file, how it runs. */
const MANAGED = new Set(['-P', '--pid', '--netns', '--userns', '--netns-only', '--no-netns-quit', '-F', '--fd', '-1', '--one-off', '-s', '--socket', '--runas']);

/** `pasta[:OPT,OPT,...]`: pasta's own command-line options, split on commas as podman does. */
export function parsePastaOptions(spec: string): string[] {
  const [mode, rest] = spec.split(/:(.*)/s);
  if (mode !== 'pasta') throw new TspodError(`network mode "${spec}" is not pasta`);
  const opts = (rest ?? '').split(',').filter(Boolean);
  const longManaged = [...MANAGED].filter((m) => m.startsWith('--'));
  for (const o of opts) {
    const name = o.split('=')[0]!;
    // pasta reads options with getopt_long: `--pi` is --pid, and `-P/path` is -P with its value
    const managed = MANAGED.has(name)
      || (name.startsWith('--') && name.length > 2 && longManaged.some((m) => m.startsWith(name)))
      || (/^-[^-]/.test(name) && MANAGED.has(name.slice(0, 2)));
    if (managed) throw new TspodError(`pasta option "${o}" is set by tspod itself (it runs pasta for the container's namespace); leave it out of --network pasta:`);
  }
  return opts;
}

/** pasta's port specs for one protocol: one per host address, `[ADDR/]HOST:CTR,HOST:CTR...`. */
function portSpecs(ports: PortMapping[]): string[] {
  const byIp = new Map<string, string[]>();
  for (const p of ports) {
    const ip = p.hostIp && p.hostIp !== '0.0.0.0' ? p.hostIp : '';
    byIp.set(ip, [...(byIp.get(ip) ?? []), `${p.hostPort}:${p.containerPort}`]);
  }
  return [...byIp].map(([ip, list]) => `${ip ? `${ip}/` : ''}${list.join(',')}`);
}

/**
 * pasta and its arguments for a container (tspod-launch adds the pid file and the target pid):
 * in the foreground, quiet, configuring the namespace; the published ports with -t/-u, and, as
 * podman does, no automatic forwarding of bound ports (`-t none`, `-u none`, `-T none`, `-U none`)
 * and no mapping of the gateway to the host (`--no-map-gw`, like slirp4netns's
 * --disable-host-loopback) unless the options say otherwise (`--map-gw` turns it on).
 */
export function pastaArgs(options: string[], ports: PortMapping[], program = pastaProgram()): string[] {
  const given = (...names: string[]) => options.some((o) => names.includes(o.split('=')[0]!));
  const args = [program, '--config-net', '--foreground', '--quiet'];
  for (const proto of ['tcp', 'udp'] as const) {
    for (const spec of portSpecs(ports.filter((p) => p.protocol === proto))) args.push(proto === 'tcp' ? '-t' : '-u', spec);
  }
  if (!ports.some((p) => p.protocol === 'tcp') && !given('-t', '--tcp-ports')) args.push('-t', 'none');
  if (!ports.some((p) => p.protocol === 'udp') && !given('-u', '--udp-ports')) args.push('-u', 'none');
  if (!given('-T', '--tcp-ns')) args.push('-T', 'none');
  if (!given('-U', '--udp-ns')) args.push('-U', 'none');
  const mapGw = options.includes('--map-gw');
  if (!mapGw && !given('--no-map-gw')) args.push('--no-map-gw');
  return [...args, ...options.filter((o) => o !== '--map-gw')];
}
