// The run/create options that become part of the container spec: /etc/hosts and
// /etc/resolv.conf entries, resource limits (validated as podman 4.3 validates them),
// annotations, exposed ports, labels from files, environment rules. Pure: nothing here
// touches the file system except cgroupV2Delegation, which reads the tree it is given.
import { lazyNet } from '../util/builtins.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../util/errors.js';

export interface HostEntry { host: string; ip: string }

/** `--add-host HOST:IP` (podman: the IP may be IPv6, so split at the first colon). */
export function parseAddHost(spec: string): HostEntry {
  const i = spec.indexOf(':');
  if (i <= 0 || i === spec.length - 1) throw new TspodError(`bad format for add-host: "${spec}"`);
  const host = spec.slice(0, i);
  const ip = spec.slice(i + 1);
  if (!/^[a-zA-Z0-9_]([a-zA-Z0-9_.-]*)$/.test(host)) throw new TspodError(`invalid hostname in add-host: "${host}"`);
  if (!lazyNet().isIP(ip.replace(/^\[(.*)\]$/, '$1'))) throw new TspodError(`invalid IP address in add-host: "${ip}"`);
  return { host, ip: ip.replace(/^\[(.*)\]$/, '$1') };
}

export interface DnsSpec { servers: string[]; search: string[]; options: string[] }

/** --dns, --dns-search, --dns-option; undefined when none is given (the host's settings apply). */
export function parseDns(servers: string[], search: string[], options: string[], network: string): DnsSpec | undefined {
  if (!servers.length && !search.length && !options.length) return undefined;
  if (network.split(':')[0] === 'none') throw new TspodError('conflicting options: dns and the network mode: none');
  for (const s of servers) if (!lazyNet().isIP(s)) throw new TspodError(`${s} is not an ip address`);
  for (const d of search) if (d !== '.' && !/^[a-zA-Z0-9_]([a-zA-Z0-9_.-]*)$/.test(d)) throw new TspodError(`invalid --dns-search "${d}": a domain name, or "." for none`);
  for (const o of options) if (!/^[a-zA-Z0-9_:.-]+$/.test(o)) throw new TspodError(`invalid --dns-option "${o}": an option of resolv.conf(5) such as ndots:2`);
  return { servers, search, options };
}

/** go-units' RAMInBytes, podman's parser for --memory and the like: 1024-based k, m, g, t, p. */
export function parseSize(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) throw new TspodError(`invalid value for ${flag}: invalid size: '${v}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[(m[2] ?? '').toLowerCase()]!;
  return Math.floor(Number(m[1]) * mult);
}

/** The resource flags as given (strings; the integer ones already checked by the flag parser). */
export interface ResourceFlags {
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  memorySwappiness?: number;
  kernelMemory?: string;
  oomKillDisable?: boolean;
  cpus?: string;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  blkioWeight?: string;
  blkioWeightDevice?: string[];
  deviceReadBps?: string[];
  deviceWriteBps?: string[];
  deviceReadIops?: string[];
  deviceWriteIops?: string[];
  /** --cgroup-conf KEY=VALUE: cgroup v2 files written as given */
  cgroupConf?: string[];
}

export interface Resources {
  /** podman's HostConfig names and values, for inspect */
  hostConfig: Record<string, unknown>;
  /** a limit was asked for (podman then warns that cgroups v1 rootless ignores it) */
  limited: boolean;
  /** warnings podman prints besides (--kernel-memory) */
  warnings: string[];
}

function devicePath(spec: string): [string, string] {
  const i = spec.lastIndexOf(':');
  if (i < 0) throw new TspodError(`bad format: ${spec}`);
  const path = spec.slice(0, i);
  if (!path.startsWith('/dev/')) throw new TspodError(`bad format for device path: ${spec}`);
  return [path, spec.slice(i + 1)];
}

function rateBps(spec: string): { Path: string; Rate: number } {
  const [Path, v] = devicePath(spec);
  const m = /^(\d+)([kKmMgG][bB]?)?$/.exec(v);
  if (!m) throw new TspodError(`invalid rate for device: ${spec}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  return { Path, Rate: parseSize('rate', v) };
}

function rateIops(spec: string): { Path: string; Rate: number } {
  const [Path, v] = devicePath(spec);
  if (!/^\d+$/.test(v)) throw new TspodError(`invalid rate for device: ${spec}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  return { Path, Rate: Number(v) };
}

/** Validated as podman 4.3 validates them on a cgroups v1 rootless host (sizes, rates, device formats). */
export function parseResources(r: ResourceFlags): Resources {
  const hc: Record<string, unknown> = {};
  const warnings: string[] = [];
  let limited = false;
  const set = (key: string, value: unknown, limit = true) => {
    hc[key] = value;
    if (limit) limited = true;
  };
  if (r.memory !== undefined) set('Memory', parseSize('memory', r.memory));
  if (r.memoryReservation !== undefined) set('MemoryReservation', parseSize('memory', r.memoryReservation));
  if (r.memorySwap !== undefined) {
    if (r.memorySwap === '-1') set('MemorySwap', -1, false);
    else set('MemorySwap', parseSize('memory', r.memorySwap));
  }
  if (r.memorySwappiness !== undefined && r.memorySwappiness !== -1) set('MemorySwappiness', r.memorySwappiness);
  if (r.kernelMemory !== undefined) {
    parseSize('kernel-memory', r.kernelMemory);
    warnings.push('The --kernel-memory flag is no longer supported. This flag is a noop.');
  }
  if (r.oomKillDisable) set('OomKillDisable', true);
  if (r.cpus !== undefined) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(r.cpus)) throw new TspodError(`invalid argument "${r.cpus}" for "--cpus" flag: strconv.ParseFloat: parsing "${r.cpus}": invalid syntax`);
    const n = Number(r.cpus);
    if (n > 0) set('NanoCpus', Math.round(n * 1e9));
  }
  if (r.cpuShares !== undefined && r.cpuShares !== 0) set('CpuShares', r.cpuShares);
  if (r.cpuPeriod !== undefined && r.cpuPeriod !== 0) set('CpuPeriod', r.cpuPeriod);
  if (r.cpuQuota !== undefined && r.cpuQuota !== 0) set('CpuQuota', r.cpuQuota);
  if (r.cpuRtPeriod !== undefined && r.cpuRtPeriod !== 0) set('CpuRealtimePeriod', r.cpuRtPeriod);
  if (r.cpuRtRuntime !== undefined && r.cpuRtRuntime !== 0) set('CpuRealtimeRuntime', r.cpuRtRuntime);
  if (r.cpusetCpus) set('CpusetCpus', r.cpusetCpus);
  if (r.cpusetMems) set('CpusetMems', r.cpusetMems);
  if (r.pidsLimit !== undefined) set('PidsLimit', r.pidsLimit, r.pidsLimit > 0);
  if (r.blkioWeight !== undefined && r.blkioWeight !== '') {
    if (!/^\d+$/.test(r.blkioWeight)) throw new TspodError(`invalid value for blkio-weight: strconv.ParseUint: parsing "${r.blkioWeight}": invalid syntax`);
    set('BlkioWeight', Number(r.blkioWeight));
  }
  if (r.blkioWeightDevice?.length) {
    set('BlkioWeightDevice', r.blkioWeightDevice.map((s) => {
      const [Path, w] = devicePath(s);
      if (!/^\d+$/.test(w)) throw new TspodError(`invalid weight for device: ${s}`);
      return { Path, Weight: Number(w) };
    }));
  }
  if (r.deviceReadBps?.length) set('BlkioDeviceReadBps', r.deviceReadBps.map(rateBps));
  if (r.deviceWriteBps?.length) set('BlkioDeviceWriteBps', r.deviceWriteBps.map(rateBps));
  if (r.deviceReadIops?.length) set('BlkioDeviceReadIOps', r.deviceReadIops.map(rateIops));
  if (r.deviceWriteIops?.length) set('BlkioDeviceWriteIOps', r.deviceWriteIops.map(rateIops));
  if (r.cgroupConf?.length) {
    const conf: Record<string, string> = {};
    for (const kv of r.cgroupConf) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new TspodError(`cgroup-conf must be formatted KEY=VALUE: ${kv}`);
      const key = kv.slice(0, eq);
      if (!/^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/.test(key)) throw new TspodError(`invalid --cgroup-conf key "${key}": the name of a cgroup v2 interface file, such as memory.high`);
      conf[key] = kv.slice(eq + 1);
    }
    set('CgroupConf', conf);
  }
  return { hostConfig: hc, limited, warnings };
}

export const cgroupsV1Warning = 'Resource limits are not supported and ignored on cgroups V1 rootless systems';

/**
 * Whether the user can apply limits itself: cgroup v2 (cgroup2fs at ROOT, "0::PATH" in
 * /proc/self/cgroup) and the process's cgroup directory owned by UID with the controllers
 * delegated (listed in its cgroup.controllers). Returns the controllers, or undefined.
 */
export function cgroupV2Delegation(root: string, procSelfCgroup: string, uid: number, statUid: (p: string) => number | undefined): string[] | undefined {
  const line = procSelfCgroup.split('\n').find((l) => l.startsWith('0::'));
  if (!line || procSelfCgroup.split('\n').some((l) => /^[1-9]\d*:/.test(l))) return undefined; // v1 or hybrid
  const rel = line.slice(3).replace(/^\/+/, '');
  if (rel.split('/').includes('..')) return undefined;
  const dir = join(root, rel);
  if (statUid(dir) !== uid) return undefined;
  let controllers: string;
  try {
    controllers = readFileSync(join(dir, 'cgroup.controllers'), 'utf8');
  } catch {
    return undefined;
  }
  const list = controllers.trim().split(/\s+/).filter(Boolean);
  return list.includes('memory') || list.includes('pids') || list.includes('cpu') ? list : undefined;
}

/** `--annotation KEY=VALUE` */
export function parseAnnotations(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new TspodError('annotations must be formatted KEY=VALUE');
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

/** `--expose PORT[-PORT][/PROTO]` -> "80/tcp" keys, as the image's ExposedPorts. */
export function parseExpose(specs: string[]): string[] {
  const out: string[] = [];
  for (const s of specs) {
    const [range = '', proto = 'tcp'] = s.split('/');
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new TspodError(`invalid protocol "${proto}" for --expose ${s}: use tcp, udp or sctp`);
    const [a = '', b = a] = range.split('-');
    for (const part of [a, b]) {
      if (!/^\d+$/.test(part)) throw new TspodError(`invalid range format for --expose: ${s}: strconv.ParseUint: parsing "${part}": invalid syntax`);
    }
    const lo = Number(a);
    const hi = Number(b);
    if (lo < 1 || hi > 65535 || hi < lo) throw new TspodError(`invalid range format for --expose: ${s}: ports must be 1-65535, low to high`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

/** A --label-file's text: one KEY=VALUE (or KEY) a line; blank lines and # comments skipped. */
export function parseLabelFileText(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/**
 * The container's environment, podman's order: the defaults and the image's (neither with
 * --unsetenv-all), HOSTNAME, --env-host's (the host's whole environment), then -e/--env-file;
 * --unsetenv removes a default or image variable (those given with -e stay).
 */
export function containerEnv(p: {
  defaults: string[]; image: string[]; host?: string[]; hostname: string; extra: string[]; unset: string[]; unsetAll: boolean;
}): string[] {
  const map = new Map<string, string>();
  const put = (list: string[]) => {
    for (const e of list) if (e) map.set(e.split('=', 1)[0]!, e);
  };
  if (!p.unsetAll) {
    put(p.defaults);
    put(p.image);
  }
  for (const k of p.unset) map.delete(k);
  // podman sets HOSTNAME whatever --unsetenv says; -e HOSTNAME=... still wins.
  put([`HOSTNAME=${p.hostname}`]);
  put(p.host ?? []);
  put(p.extra);
  return [...map.values()];
}

/** `--tz ZONE|local`: the host file that becomes the container's /etc/localtime (podman's rules:
 * a zone of /usr/share/zoneinfo, `local` the host's own). */
export function timezoneFile(tz: string, exists: (p: string) => boolean): string {
  if (tz === 'local') return '/etc/localtime';
  if (!tz || tz.startsWith('/') || tz.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new TspodError(`running container create option: invalid timezone "${tz}": use a zone name such as Europe/Paris, or local`);
  }
  const path = `/usr/share/zoneinfo/${tz}`;
  if (!exists(path)) throw new TspodError(`running container create option: stat ${path}: no such file or directory`);
  return path;
}

/** `--timeout N`: seconds, 0 none. */
export function parseTimeout(v: number | undefined): number | undefined {
  return v ? v : undefined;
}

/** `--arch`, `--os`, `--variant` as a --platform (podman: not together with --platform). */
export function platformFromParts(p: { platform?: string; arch?: string; os?: string; variant?: string }, host: { os: string; architecture: string }): string | undefined {
  if (p.platform && (p.arch || p.os)) throw new TspodError('--platform option can not be specified with --arch or --os');
  if (p.platform || (!p.arch && !p.os && !p.variant)) return p.platform;
  return [p.os || host.os, p.arch || host.architecture, p.variant].filter(Boolean).join('/');
}

/** `--image-volume bind|tmpfs|ignore` (podman's default: bind, an anonymous volume each). */
export function parseImageVolume(v: string | undefined): 'bind' | 'tmpfs' | 'ignore' {
  if (v === undefined || v === 'bind' || v === 'tmpfs' || v === 'ignore') return v ?? 'bind';
  throw new TspodError(`invalid image volume mode "${v}" required value: bind, tmpfs, ignore`);
}

/** `--systemd true|false|always`: whether the container runs in systemd mode. podman's rule: always;
 * with true (the default) when the command is /sbin/init, /usr/sbin/init, /usr/local/sbin/init or
 * a program named systemd. */
export function systemdMode(v: string | undefined, argv: string[]): boolean {
  if (v !== undefined && v !== 'true' && v !== 'false' && v !== 'always') throw new TspodError('invalid config provided: --systemd values must be one of "true, false, always": invalid configuration');
  if (v === 'false') return false;
  if (v === 'always') return true;
  const cmd = argv[0] ?? '';
  return ['/sbin/init', '/usr/sbin/init', '/usr/local/sbin/init'].includes(cmd) || cmd === 'systemd' || cmd.endsWith('/systemd');
}

/** What systemd mode gives the container, as podman: tmpfs on /run, /run/lock, /tmp and
 * /var/log/journal (those the user mounts nothing on), container_uuid (the id's first 32
 * characters) and SIGRTMIN+3, systemd's own stop signal, unless --stop-signal names another. */
export const SYSTEMD_TMPFS = ['/run', '/run/lock', '/tmp', '/var/log/journal'];
export const SYSTEMD_STOP_SIGNAL = '37';

/** `--seccomp-policy default|image`: with image, the profile the image's
 * io.containers.seccomp.profile label holds (its JSON text, returned), which then takes the place
 * of --security-opt seccomp= (podman's order); an image without the label is podman's error. */
export function checkSeccompPolicy(v: string | undefined, imageLabels: Record<string, string>): string | undefined {
  if (v === undefined || v === 'default') return undefined;
  if (v !== 'image') throw new TspodError(`invalid seccomp policy "${v}": valid policies are ["default" "image"]`);
  const profile = imageLabels['io.containers.seccomp.profile'];
  if (!profile) throw new TspodError('no seccomp policy defined by image');
  return profile;
}

export type LogDriver = 'k8s-file' | 'json-file' | 'journald' | 'none' | 'passthrough';

export interface LogSpec { driver: LogDriver; path?: string; tag?: string; /** max-size= in bytes: the log is truncated when it would grow past it (conmon's way) */ maxSize?: number }

/** `--log-driver k8s-file|json-file|journald|none|passthrough` and `--log-opt path=,tag=,max-size=`.
 * json-file is podman's old name: the log is k8s-file's, only inspect shows the name given. journald:
 * the lines go to the systemd journal (the engine checks it is there). passthrough (as podman's): the
 * container gets tspod's own standard streams and nothing is logged; never with a terminal (TIOCSTI),
 * and only in the foreground (tspod's monitor does not pass streams down). */
export function parseLogConfig(driver: string | undefined, opts: string[], o: { tty?: boolean; detach?: boolean } = {}): LogSpec {
  const d = driver ?? 'k8s-file';
  if (d === 'passthrough' && o.tty) throw new TspodError('the \'passthrough\' log driver cannot be used with -t: a terminal passed down to the container is open to TIOCSTI attacks (podman\'s conmon refuses it too); drop -t or use k8s-file');
  if (d === 'passthrough' && o.detach) throw new TspodError('the \'passthrough\' log driver needs the container in the foreground: tspod\'s monitor does not pass its standard streams down; drop -d or use k8s-file');
  if (!['k8s-file', 'json-file', 'journald', 'none', 'passthrough'].includes(d)) throw new TspodError('running container create option: invalid log driver: invalid argument');
  const out: LogSpec = { driver: d as LogDriver };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'path') {
      if (!value || !value.startsWith('/')) throw new TspodError(`invalid --log-opt path "${value}": give an absolute path for the container's log`);
      out.path = value;
    } else if (key === 'tag') {
      out.tag = value;
    } else if (key === 'max-size') {
      // decimal units, as podman reads it (2k is 2000 bytes; its inspect shows 2kB)
      const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
      if (!m) throw new TspodError(`invalid value for size: invalid size: '${value}'`);
      const n = Math.floor(Number(m[1]) * 1000 ** ' kmgtp'.indexOf((m[2] ?? ' ').toLowerCase()));
      // 0 is no limit
      if (n > 0) out.maxSize = n;
    } else {
      // podman 4.3 takes any other key and ignores it; tspod says so instead of ignoring it silently
      throw new TspodError(`--log-opt ${o}: unknown log option (tspod takes path= and tag=)`);
    }
  }
  return out;
}

/** `--oom-score-adj N`: -1000 to 1000. */
export function parseOomScoreAdj(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < -1000 || v > 1000) throw new TspodError(`invalid --oom-score-adj ${v}: it must be in the range -1000 to 1000`);
  return v;
}

/** `-a/--attach stdin|stdout|stderr`: the streams shown (none given: all). stdin follows -i, as podman. */
export function parseAttach(specs: string[]): { stdout: boolean; stderr: boolean } {
  for (const s of specs) {
    if (!['stdin', 'stdout', 'stderr'].includes(s.toLowerCase())) throw new TspodError(`invalid stream "${s}" for --attach - must be one of stdin, stdout, or stderr: invalid argument`);
  }
  const all = specs.length === 0;
  const has = (n: string) => all || specs.some((s) => s.toLowerCase() === n);
  return { stdout: has('stdout'), stderr: has('stderr') };
}


/** go-units' ulimit names, as podman takes them, with Linux's RLIMIT_* numbers. */
const rlimitNumbers: Record<string, number> = {
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7, memlock: 8, locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
};

/** `--ulimit NAME=SOFT[:HARD]` (-1: unlimited; `host`: the limits tspod runs with, i.e. none set). */
export function parseUlimits(specs: string[]): Array<[number, string, string]> {
  const byResource = new Map<number, [number, string, string]>();
  for (const spec of specs) {
    if (spec === 'host') continue;
    const bad = (why: string) => new TspodError(`ulimit option "${spec}" requires name=SOFT:HARD, failed to be parsed: ${why}`);
    const eq = spec.indexOf('=');
    if (eq < 0) throw bad(`invalid ulimit argument: ${spec}`);
    const name = spec.slice(0, eq);
    const resource = rlimitNumbers[name];
    if (resource === undefined) throw bad(`invalid ulimit type: ${name}`);
    const parts = spec.slice(eq + 1).split(':');
    if (parts.length > 2) throw bad(`too many limit value arguments - ${spec.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
    for (const p of parts) if (!/^-?\d+$/.test(p)) throw bad(`strconv.ParseInt: parsing "${p}": invalid syntax`);
    const [soft = '', hard = soft] = parts;
    if (soft === '-1' && hard !== '-1') throw bad(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`);
    if (soft !== '-1' && hard !== '-1' && BigInt(soft) > BigInt(hard)) throw bad(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    for (const v of [soft, hard]) if (v !== '-1' && (v.startsWith('-') || BigInt(v) > 2n ** 63n - 1n)) throw bad(`strconv.ParseInt: parsing "${v}": value out of range`);
    byResource.set(resource, [resource, soft, hard]);
  }
  return [...byResource.values()];
}

/** `--umask` (podman: an octal mode of at most four digits). */
export function parseUmask(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-7]{1,4}$/.test(v)) throw new TspodError(`running container create option: invalid umask string ${v}: invalid argument`);
  return v;
}

/** `--group-add GID|NAME|keep-groups` (ids 0-2147483647, as -u's). */
export function parseGroupAdd(specs: string[]): { groups: string[]; keepGroups: boolean } {
  const keepGroups = specs.includes('keep-groups');
  const groups = specs.filter((g) => g !== 'keep-groups');
  if (keepGroups && groups.length) throw new TspodError("the '--group-add keep-groups' option is not allowed with any other --group-add options");
  for (const g of groups) {
    if (/^-?\d+$/.test(g) && (g.startsWith('-') || g.length > 10 || Number(g) > 2147483647)) throw new TspodError('uids and gids must be in range 0-2147483647', 126);
    if (!/^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*\$?$/.test(g)) throw new TspodError(`invalid --group-add "${g}": a group id or a group name of the container's /etc/group`);
  }
  return { groups, keepGroups };
}
