// `tspod run` and `create`: resolve the image, create the container record
// (with its launch plan) and writable layer, then launch it through
// tspod-launch, attached (tspod is the parent) or under tspod-monitor (-d).
import { accessSync, chmodSync, cpSync, realpathSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, isAbsolute, posix, resolve as resolvePath } from 'node:path';
import { containersConfigDir, helperPath, packageRoot, tspodPaths } from '../config/paths.js';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolveStorageConfig } from '../runtime/overlay-probe.js';
import { hostsFile, resolvConf } from '../network/etc-files.js';
import { checkTun, parseSlirpOptions, slirpAddresses, slirpArgs } from '../network/slirp.js';
import { parsePastaOptions, pastaArgs } from '../network/pasta.js';
import { baseHostsEntries, checkConfiguredRuntime, readContainersConf } from '../config/containers-conf.js';
import { addForwards, parsePublish, reserveHostPorts, startUdpForwarder } from '../network/ports.js';
import { checkUserNamespaces, currentIdMappings } from '../runtime/idmap.js';
import { launch, type LaunchPlan, type LogTarget } from '../runtime/launch.js';
import { checkUserIds, parseSecurityOpts, resolveCaps, securityPlan } from '../runtime/security.js';
import { checkMountDestination, parseTmpfs, type TmpfsMount } from '../runtime/mounts.js';
import { recordConfinement, seccompProfileRef } from '../runtime/confinement.js';
import { parseProfile } from '../runtime/seccomp.js';
import { logTagOf, type ContainerRecord, type Mount, type NetworkAttachment } from '../storage/containers.js';
import type { PodMemberDefaults } from '../storage/pods.js';
import { volumeNamePattern } from '../storage/volumes.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { errnoCode, TspodError } from '../util/errors.js';
import { noSpace, writeFileAtomic } from '../util/fs.js';
import { newId, randomName } from '../util/ids.js';
import { containerFiles, logFileOf, processStartTime, waitUntil } from './container-state.js';
import { openStore } from './store.js';
import { resetHealth } from './health.js';
import { hostDevices } from '../runtime/devices.js';
import { imageForRun, parsePullPolicy, type PullOptions } from './registry.js';
import { matchedImageName, platformMismatch } from '../image/resolve.js';
import { hostPlatform, parsePlatform } from '../image/manifest.js';
import { cgroupsV1Warning, parseAttach, parseLogConfig, parseOomScoreAdj, checkSeccompPolicy, systemdMode, SYSTEMD_STOP_SIGNAL, SYSTEMD_TMPFS, containerEnv, parseImageVolume, platformFromParts, parseAddHost, parseSize, parseTimeout, timezoneFile, parseGroupAdd, parseUlimits, parseUmask, parseAnnotations, parseDns, parseExpose, parseLabelFileText, parseResources, type ResourceFlags } from '../spec/options.js';
import { parseMountFlag } from '../spec/mounts.js';
import { parseMountsConf, type DefaultMount } from '../spec/default-mounts.js';
import { checkJoinedNetworkFiles, checkStaticAddressing, parseNetworkSpec } from '../spec/network.js';
import { parseSecretFlag } from '../spec/secrets.js';
import { healthConfig, type HealthConfig, type HealthFlags } from '../spec/health.js';
import { cgroupFiles, createContainerCgroup, deviceNumber, removeContainerCgroup } from '../runtime/cgroups.js';
import { parseNamespaceMode, parseSysctls } from '../spec/namespaces.js';
import { hostname as hostHostname } from 'node:os';
import { groupAdditions, passwdAdditions } from '../spec/passwd.js';
import { envMergeList, parseChrootDirs, parseDeviceCgroupRules, parseDevices, proxyEnv } from '../spec/devices.js';
import { containerenvText, expandEnv, mergeEnv, parseEnvFile } from '../spec/env.js';
import { packageVersion } from './version.js';
import { findDelegation, removeCgroupOf } from './cgroups.js';
import { parseSignal } from '../spec/signals.js';

export { mergeEnv, parseEnvFile };
import type { UsernsFlags } from '../spec/userns.js';
import { resolveUserns, usernsHostConfig, usernsLaunch, usernsTargetPath } from './userns.js';

export interface RunOptions {
  image: string;
  command: string[];
  rm: boolean;
  interactive: boolean;
  tty: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  /** a workdir missing from the image is made (play kube's workingDir); run --workdir's is an error, as podman */
  createWorkdir?: boolean;
  user?: string;
  hostname?: string;
  entrypoint?: string;
  volumes: string[];
  tmpfs: string[];
  readOnly: boolean;
  network: string;
  /** --network-alias, --ip, --ip6, --mac-address (user-defined networks) */
  networkAliases?: string[];
  ip?: string;
  ip6?: string;
  macAddress?: string;
  init: boolean;
  storageOpts: string[];
  detach: boolean;
  publish: string[];
  publishAll: boolean;
  restart: string;
  stopSignal?: string;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  securityOpt: string[];
  preserveFds: number;
  /** --cidfile: write the container's id there (refused if it exists, as podman) */
  cidfile?: string;
  /** --replace: remove a container of the same --name first */
  replace?: boolean;
  /** --sdnotify: conmon (the monitor is ready when the container started), container, ignore */
  sdnotify?: string;
  /** --cgroups: enabled, disabled, no-conmon, split (no cgroup of its own here: see docs/systemd.md) */
  cgroups?: string;
  /** the tspod command line that made it, for `generate systemd --new` */
  createCommand?: { globals: string[]; options: string[]; operands: string[] };
  /** --pod NAME|new:NAME as given */
  podSpec?: string;
  /** a pod member: the pod's id and hostname; with `shared` (a pod with an infra) the network, IPC and UTS namespaces are the pod's */
  pod?: { id: string; hostname: string; shared: boolean; share?: string[]; created?: boolean };
  /** a pod's infra: an empty root with tspod-init -P holding the namespaces, instead of an image */
  infraFor?: { podId: string; rootfs: string; image?: string };
  /** --label KEY=VALUE (KEY alone: an empty value) */
  labels?: string[];
  /** --pull: missing (default), always, never, newer */
  pull?: string;
  pullOptions?: PullOptions;
  /** --add-host HOST:IP (first in /etc/hosts) */
  addHost?: string[];
  /** --dns, --dns-search, --dns-option: /etc/resolv.conf */
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  /** --no-hosts: no /etc/hosts of tspod's; the image's own stays */
  noHosts?: boolean;
  /** --mount type=bind|volume|tmpfs,... (lib/spec/mounts.ts) */
  mount?: string[];
  /** --volumes-from CTR[:ro|rw]: that container's bind and volume mounts */
  volumesFrom?: string[];
  annotation?: string[];
  /** --expose PORT[-PORT][/PROTO]: added to the image's exposed ports (-P publishes them) */
  expose?: string[];
  labelFile?: string[];
  envHost?: boolean;
  unsetenv?: string[];
  unsetenvAll?: boolean;
  /** --ulimit NAME=SOFT[:HARD] */
  ulimit?: string[];
  /** --umask OCTAL */
  umask?: string;
  /** --group-add GID|NAME|keep-groups */
  groupAdd?: string[];
  /** --tz ZONE|local */
  tz?: string;
  /** --shm-size SIZE */
  shmSize?: string;
  pidFile?: string;
  conmonPidFile?: string;
  /** --rmi: remove the image once the container is removed (foreground runs) */
  rmi?: boolean;
  /** --timeout N: kill the container after N seconds (exit status 255, as podman) */
  timeout?: number;
  /** --read-only-tmpfs (default true): with --read-only, tmpfs on /tmp, /var/tmp and /run */
  readOnlyTmpfs?: boolean;
  /** --arch, --os, --variant: the platform asked for (with --platform refused, as podman) */
  arch?: string;
  os?: string;
  variant?: string;
  /** --image-volume bind|tmpfs|ignore */
  imageVolume?: string;
  /** --systemd true|false|always */
  systemd?: string;
  /** --seccomp-policy default|image */
  seccompPolicy?: string;
  /** --cgroup-parent: refused (tspod makes no cgroups here: docs/cli.md) */
  cgroupParent?: string;
  /** --init-path: tspod's own tspod-init is the init */
  initPath?: string;
  /** -a/--attach stdin|stdout|stderr (foreground: the streams shown; -d ignores it, as podman) */
  attach?: string[];
  /** --log-driver k8s-file|none, --log-opt path=,tag= */
  logDriver?: string;
  logOpt?: string[];
  /** --oom-score-adj -1000..1000 */
  oomScoreAdj?: number;
  /** --personality: accepted and not applied, as podman with runc here (docs/cli.md) */
  personality?: string;
  /** the resource flags (validated, recorded; not applied on cgroups v1 rootless) */
  resources?: ResourceFlags;
  /** --secret NAME[,type=mount|env,target=,uid=,gid=,mode=] */
  secrets?: string[];
  /** --stop-timeout: stop's wait when -t is not given */
  stopTimeout?: number;
  /** --sig-proxy (default true): signals to tspod in the foreground go to the container */
  sigProxy?: boolean;
  /** --detach-keys (run): checked; a foreground run has no detach (docs/cli.md) */
  detachKeys?: string;
  /** --env-merge KEY=VALUE with ${VAR} of the image's environment */
  envMerge?: string[];
  /** --http-proxy (default true): the host's proxy variables */
  httpProxy?: boolean;
  /** --requires CTR: started before this one */
  requires?: string[];
  /** --chrootdirs DIR: tspod's /etc files mounted there too */
  chrootdirs?: string[];
  /** --device HOST[:CTR][:PERMS] */
  devices?: string[];
  /** --device-cgroup-rule: checked, no device cgroup rootless (docs/cli.md) */
  deviceCgroupRules?: string[];
  /** --pid, --ipc, --uts, --cgroupns host|private */
  pid?: string;
  ipc?: string;
  uts?: string;
  cgroupns?: string;
  /** --sysctl KEY=VALUE */
  sysctl?: string[];
  /** create --init-ctr always|once (a pod's init container) */
  initCtr?: string;
  /** --health-cmd, --health-interval, ... (spec/health.ts) */
  health?: HealthFlags;
  /** --rootfs: `image` is a directory to run as the root (DIR:O: an overlay over it, the directory left unchanged) */
  rootfs?: boolean;
  /** --passwd (default true), --passwd-entry TEMPLATE, --hostuser NAME */
  passwd?: boolean;
  passwdEntry?: string;
  hostuser?: string[];
  /** --userns, --uidmap, --gidmap, --subuidname, --subgidname (lib/spec/userns.ts) */
  userns?: UsernsFlags;
}

/** A pod member's options with the pod's container flags under its own. */
function withPodDefaults(opts: RunOptions, d: PodMemberDefaults): RunOptions {
  const list = (a: string[] | undefined, b: string[] | undefined) => [...(a ?? []), ...(b ?? [])];
  return {
    ...opts,
    addHost: list(d.addHost, opts.addHost),
    dns: opts.dns?.length ? opts.dns : d.dns,
    dnsSearch: opts.dnsSearch?.length ? opts.dnsSearch : d.dnsSearch,
    dnsOption: opts.dnsOption?.length ? opts.dnsOption : d.dnsOption,
    noHosts: opts.noHosts || d.noHosts,
    devices: list(d.devices, opts.devices),
    volumes: list(d.volumes, opts.volumes),
    volumesFrom: list(d.volumesFrom, opts.volumesFrom),
    securityOpt: list(d.securityOpt, opts.securityOpt),
    sysctl: list(d.sysctl, opts.sysctl),
    shmSize: opts.shmSize ?? d.shmSize,
    pid: opts.pid ?? d.pid,
    uts: opts.uts ?? d.uts,
  };
}

/** `--mount` specs as the mounts -v and --tmpfs make. */
export function mountFlagMounts(specs: string[]): { mounts: Mount[]; tmpfs: TmpfsMount[] } {
  const mounts: Mount[] = [];
  const tmpfs: TmpfsMount[] = [];
  for (const spec of specs) {
    const m = parseMountFlag(spec);
    if (m.type === 'devpts') {
      // a devpts instance of its own there, as podman's (nosuid, noexec: nothing runs from a pty directory)
      checkMountDestination(m.destination, `invalid --mount "${spec}"`);
      tmpfs.push({ destination: m.destination, flags: 2 | 8, data: ['newinstance', ...m.options].join(','), readonly: false, fstype: 'devpts' });
      continue;
    }
    if (m.type === 'tmpfs') {
      const opts = [...m.options, ...(m.readonly ? ['ro'] : [])].filter((o) => o !== 'tmpcopyup');
      tmpfs.push(parseTmpfs(opts.length ? `${m.destination}:${opts.join(',')}` : m.destination));
      continue;
    }
    checkMountDestination(m.destination, `invalid --mount "${spec}"`);
    if (m.type === 'bind') {
      if (!existsSync(m.source)) throw new TspodError(`statfs ${m.source}: no such file or directory: create it on the host first, or fix --mount ${spec}`);
      mounts.push({ type: 'bind', source: m.source, destination: m.destination, readonly: m.readonly });
    } else {
      mounts.push({ type: 'volume', volume: m.volume, source: '', destination: m.destination, readonly: m.readonly, ...(m.noCopy ? { noCopy: true } : {}) });
    }
  }
  return { mounts, tmpfs };
}

/** `--volumes-from CTR[:ro|rw]`: the bind and volume mounts of CTR (ro/rw overrides theirs). */
export function volumesFromMounts(specs: string[], findContainer: (ref: string) => ContainerRecord): Mount[] {
  const out: Mount[] = [];
  for (const spec of specs) {
    const [ref = '', mode, extra] = spec.split(':');
    if (!ref || extra !== undefined || (mode !== undefined && !['ro', 'rw', 'z', 'Z'].some((m) => mode.split(',').includes(m)))) {
      throw new TspodError(`invalid --volumes-from "${spec}": use CONTAINER[:ro|rw]`);
    }
    const from = findContainer(ref);
    const opts = mode?.split(',') ?? [];
    for (const m of from.config.mounts) {
      if (m.type === 'tmpfs') continue;
      const readonly = opts.includes('ro') ? true : opts.includes('rw') ? false : m.readonly;
      out.push({ type: m.type, source: m.type === 'volume' ? '' : m.source, destination: m.destination, readonly, ...(m.volume ? { volume: m.volume } : {}) });
    }
  }
  return out;
}

export function readLabelFiles(paths: string[]): string[] {
  return paths.flatMap((p) => {
    try {
      return parseLabelFileText(readFileSync(p, 'utf8'));
    } catch {
      throw new TspodError(`--label-file ${p}: cannot read the file`);
    }
  });
}

/** Before each start: the container's cgroup with its limits, when limits were asked for and can apply. */
function prepareCgroup(record: ContainerRecord): string | undefined {
  const hc = record.config.hostConfig;
  if (!hc) return undefined;
  const { files } = cgroupFiles(hc, deviceNumber);
  if (!files.length) return undefined;
  const d = findDelegation();
  if (!d) return undefined;
  removeContainerCgroup(join(d.dir, `tspod-${record.id}`)); // a previous start's, if its cleanup never ran
  return createContainerCgroup(d.dir, record.id, files, d.controllers);
}


/** Resource flags: recorded for inspect; podman's warning when they cannot apply (this host's cgroups). */
function resourceConfig(flags: ResourceFlags | undefined): Record<string, unknown> | undefined {
  if (!flags) return undefined;
  const r = parseResources(flags);
  for (const w of r.warnings) process.stderr.write(`WARN[0000] ${w}\n`);
  if (r.limited) {
    // Read only when a limit is asked for: the default path reads no cgroup file.
    const delegated = findDelegation();
    if (!delegated) process.stderr.write(`${cgroupsV1Warning}\n`);
    else for (const i of cgroupFiles(r.hostConfig, deviceNumber).ignored) process.stderr.write(`WARN[0000] ${i}: not applied under cgroup v2\n`);
  }
  return Object.keys(r.hostConfig).length ? r.hostConfig : undefined;
}


/** --label KEY=VALUE, podman's spelling: KEY alone means an empty value. */
export function parseLabels(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (!key) throw new TspodError(`invalid --label "${spec}": the key is empty (KEY=VALUE)`);
    out[key] = eq < 0 ? '' : spec.slice(eq + 1);
  }
  return out;
}

/** `--restart no|on-failure[:N]|always|unless-stopped` */
export function parseRestart(spec: string): { name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; max: number } {
  const [name, max] = spec.split(':');
  if (name === 'on-failure' && (max === undefined || /^\d+$/.test(max))) return { name, max: Number(max ?? 0) };
  if ((name === 'no' || name === 'always' || name === 'unless-stopped') && max === undefined) return { name, max: 0 };
  throw new TspodError(`invalid --restart "${spec}" (no, on-failure[:N], always, unless-stopped)`);
}

/** `-v HOST-DIR:CTR[:OPTIONS]` -> a bind mount; `-v NAME:CTR[:OPTIONS]` -> the named volume (made at
 * create when missing); `-v CTR` -> a new anonymous volume. */
/** podman's default mounts (mounts.conf, containers/common's subscriptions) for a new container: the
 * file of the global `--default-mounts-file` (TSPOD_DEFAULT_MOUNTS_FILE), else those of
 * $XDG_CONFIG_HOME/containers/mounts.conf (~/.config/...), /etc/containers/mounts.conf and /usr/share/containers/mounts.conf
 * that exist (the first one naming a destination wins). A missing file or source is passed over, as podman. */
export function defaultMounts(env: NodeJS.ProcessEnv = process.env): DefaultMount[] {
  const given = env.TSPOD_DEFAULT_MOUNTS_FILE;
  const files = given !== undefined ? [given]
    : [join(containersConfigDir(env), 'mounts.conf'), '/etc/containers/mounts.conf', '/usr/share/containers/mounts.conf'];
  const out: DefaultMount[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const m of parseMountsConf(text)) if (existsSync(m.source) && !out.some((o) => o.destination === m.destination)) out.push(m);
  }
  return out;
}

export function parseVolume(spec: string): Mount {
  const parts = spec.split(':');
  const anonymous = parts.length === 1 && posix.isAbsolute(spec);
  if (anonymous) parts.unshift('');
  if (parts.length < 2 || parts.length > 3 || !parts[1] || (!parts[0] && !anonymous)) {
    throw new TspodError(`invalid volume "${spec}": expected HOST-DIR:CONTAINER-DIR[:OPTIONS], VOLUME-NAME:CONTAINER-DIR[:OPTIONS] or CONTAINER-DIR`);
  }
  const [source, destination, options = ''] = parts as [string, string, string?];
  const named = !isAbsolute(source);
  if (named && source && !volumeNamePattern.test(source)) {
    throw new TspodError(`invalid volume "${spec}": "${source}" is neither an absolute host path nor a volume name (names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  }
  if (!posix.isAbsolute(destination)) throw new TspodError(`invalid volume "${spec}": the container path "${destination}" must be absolute`);
  if (destination.split('/').includes('..')) throw new TspodError(`invalid volume "${spec}": the container path "${destination}" must not contain ".."`);
  checkMountDestination(destination, `invalid volume "${spec}"`);
  let readonly = false;
  let noCopy = false;
  let chown = false;
  for (const o of options.split(',').filter(Boolean)) {
    if (o === 'U') chown = true; // chowned to the container's user at each start (engine/volumes.ts)
    else if (o === 'ro') readonly = true;
    else if (o === 'rw') readonly = false;
    else if (o === 'z' || o === 'Z') continue; // SELinux relabelling: nothing to do without SELinux
    else if (named && o === 'nocopy') noCopy = true;
    else if (named && o === 'copy') noCopy = false;
    else throw new TspodError(`invalid volume "${spec}": unknown option "${o}" (ro, rw, z, Z, U${named ? ', copy, nocopy' : ''})`);
  }
  if (named) return { type: 'volume', volume: source, source: '', destination: posix.normalize(destination), readonly, ...(noCopy ? { noCopy } : {}), ...(chown ? { chown } : {}) };
  if (!existsSync(source)) throw new TspodError(`invalid volume "${spec}": ${source} does not exist on the host; create it first`);
  return { type: 'bind', source, destination: posix.normalize(destination), readonly, ...(chown ? { chown } : {}) };
}

/** As podman: the same mount given twice is one mount; two different mounts (or a mount and a
 * tmpfs) at one destination are refused, "DEST: duplicate mount destination". */
export function uniqueDestinations(mounts: Mount[], tmpfsDestinations: string[] = []): Mount[] {
  const seen = new Map<string, Mount>();
  const key = (m: Mount) => JSON.stringify([m.type, m.source, m.volume ?? '', m.readonly, m.noCopy ?? false]);
  for (const m of mounts) {
    const before = seen.get(m.destination);
    if (before && key(before) !== key(m)) throw new TspodError(`${m.destination}: duplicate mount destination`);
    if (!before) seen.set(m.destination, m);
  }
  const clash = tmpfsDestinations.find((d, i) => seen.has(d) || tmpfsDestinations.indexOf(d) !== i);
  if (clash) throw new TspodError(`${clash}: duplicate mount destination`);
  return [...seen.values()];
}

/** podman's rules: --entrypoint replaces the image's and drops its Cmd. */
export function containerCommand(cfg: ImageConfig['config'], command: string[], entrypoint?: string): string[] {
  if (entrypoint !== undefined) {
    const ep = entrypoint.startsWith('[') ? (JSON.parse(entrypoint) as string[]) : entrypoint ? [entrypoint] : [];
    return [...ep, ...command];
  }
  // A malformed field the user overrides does not matter.
  return [...imageArgv(cfg?.Entrypoint, 'Entrypoint'), ...(command.length ? command : imageArgv(cfg?.Cmd, 'Cmd'))];
}

/** An image's Entrypoint or Cmd: a list of strings, as the image spec says; a bare string is
 * taken as a one-word list (Docker writes that form), anything else is refused by name. */
function imageArgv(v: unknown, field: 'Entrypoint' | 'Cmd'): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((w) => typeof w === 'string')) return v as string[];
  const what = Array.isArray(v) ? 'a list that holds a non-string' : `a JSON ${typeof v === 'object' ? 'object' : typeof v}`;
  throw new TspodError(`the image's ${field} is ${what}, not a list of strings: the image config is malformed; give the command with --entrypoint or after the image name, or rebuild the image`);
}

/** The user-defined networks a new container joins (each must exist), with its aliases and static addresses. */
async function containerAttachments(store: Store, names: string[], o: { aliases?: string[]; ip?: string; ip6?: string; mac?: string }): Promise<Record<string, NetworkAttachment>> {
  const { networkFind, staticAddressing } = await import('./networks.js');
  const out: Record<string, NetworkAttachment> = {};
  names.forEach((n, i) => {
    let net;
    try {
      net = networkFind(store, n);
    } catch (err) {
      throw new TspodError((err as Error).message); // exit 125 for run and create, as podman
    }
    out[net.name] = { aliases: o.aliases ?? [], ...staticAddressing(net, o), interfaceName: `eth${i}` };
  });
  return out;
}

function hostname(rec: { id: string }, opt?: string): string {
  // podman passes the name as given (generated pod names carry '_'); only the kernel's
  // limit for sethostname (64 bytes) stops one.
  if (opt && Buffer.byteLength(opt) > 64) throw new TspodError(`invalid --hostname "${opt}": longer than 64 bytes, the kernel's limit for a host name`, 126);
  if (opt?.includes('\0')) throw new TspodError(`invalid --hostname: it holds a NUL byte`);
  return opt || rec.id.slice(0, 12);
}

/** `--rootfs DIR[:O]`: an existing directory (relative to the current one). */
function parseRootfs(spec: string): { dir: string; overlay: boolean } {
  const overlay = spec.endsWith(':O');
  const dir = resolvePath(overlay ? spec.slice(0, -2) : spec);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new TspodError(`stat ${dir}: no such file or directory: --rootfs takes an existing directory`);
  }
  if (!st.isDirectory()) throw new TspodError(`--rootfs ${spec}: ${dir} is not a directory`);
  if (dir === '/') throw new TspodError('--rootfs /: the host\'s root cannot be a container\'s root');
  return { dir, overlay };
}

/** The image's /etc/NAME as its layers (top first) give it; '' when absent, whited out, or not a
 * plain file (a symlink in an image is never followed out of it). */
function imageFileText(lowers: string[], name: string): string {
  for (const l of lowers) {
    let etc;
    try {
      etc = lstatSync(join(l, 'etc'));
    } catch {
      continue;
    }
    if (!etc.isDirectory()) return '';
    let st;
    try {
      st = lstatSync(join(l, 'etc', name));
    } catch {
      continue;
    }
    if (!st.isFile()) return '';
    const fd = openSync(join(l, 'etc', name), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }
  return '';
}

/** `docker-archive:PATH` or `oci-archive:PATH` as the image: the archive's file, else undefined. */
function archiveTransport(ref: string): string | undefined {
  const m = /^(?:docker-archive|oci-archive):(.+)$/.exec(ref);
  return m?.[1];
}

/** run/create from an archive: loaded into the store first, as podman (its copy lines on stderr). */
async function imageFromArchive(file: string): Promise<ImageRecord> {
  const { imageLoad } = await import('./images.js');
  const loaded = await imageLoad(file);
  const first = loaded[0];
  if (!first) throw new TspodError(`${file}: the archive holds no image`);
  const say = (l: string) => process.stderr.write(`${l}\n`);
  say('Getting image source signatures');
  for (const b of first.record.layerBlobs) say(`Copying blob ${b.replace(/^sha256:/, '').slice(0, 12)} done`);
  say(`Copying config ${first.record.id.replace(/^sha256:/, '').slice(0, 12)} done`);
  say('Writing manifest to image destination');
  return first.record;
}

/** `tspod run`: create, then start attached (the exit status is the
 * container's) or, with -d, under a monitor (prints the id). */
export async function runContainer(opts: RunOptions): Promise<number> {
  parseAttach(opts.attach ?? []);
  const store = openStore();
  const record = await createContainer(store, opts);
  if (opts.detach) {
    try {
      await startDetached(store, record);
    } catch (err) {
      // run --rm -d that cannot start leaves no container behind (podman); without --rm it stays, created
      if (record.config.autoRemove) await removeContainerFiles(store, record.id).catch(() => undefined);
      throw err;
    }
    if (opts.sdnotify === sdnotifyByTspod) notifyReady(store, record.id);
    process.stdout.write(record.id + '\n');
    return 0;
  }
  const attach = parseAttach(opts.attach ?? []);
  // -a stdin alone: nothing of the container is shown, so its id is (as podman)
  if (!attach.stdout && !attach.stderr) process.stdout.write(record.id + '\n');
  const status = await startAttached(store, record, { tty: opts.tty, interactive: opts.interactive, detachStdout: !attach.stdout, detachStderr: !attach.stderr, sigProxy: opts.sigProxy });
  if (opts.rmi) await removeImageAfter(opts.image);
  return status;
}

/** --rmi: the image goes once the container has; an image other containers use stays, silently (as podman). */
async function removeImageAfter(image: string): Promise<void> {
  const { imageRemove } = await import('./images.js');
  // by the name given to run: other names of the same image stay
  let reports;
  try {
    reports = await imageRemove([image], false);
  } catch (err) {
    reports = [{ error: (err as Error).message }];
  }
  for (const r of reports) if (r.error && !r.error.includes('image is in use by a container')) process.stderr.write(`Error: ${r.error}\n`);
}

/** --sdnotify=conmon: tell systemd the service is up, its main process the monitor (as podman's conmon). */
function notifyReady(store: Store, id: string): void {
  sdNotify(`READY=1\nMAINPID=${store.containers.get(id)?.state.monitorPid ?? process.pid}`);
}

/** --sdnotify=container: only the main pid; the container says when it is ready. */
function notifyMainPid(store: Store, id: string): void {
  sdNotify(`MAINPID=${store.containers.get(id)?.state.monitorPid ?? process.pid}`);
}

function sdNotify(message: string): void {
  const r = spawnSync(helperPath('tspod-notify'), [message], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new TspodError(`cannot notify systemd: ${String(r.stderr).trim() || `exit ${r.status}`}`);
}

/** podman's spelling of "the container manager tells systemd", kept for its users' unit files:
 * with tspod it is tspod (through tspod-notify) that notifies; no conmon exists or runs. */
const sdnotifyByTspod = 'conmon';

export function parseSdnotify(v: string | undefined): void {
  if (v === undefined || v === sdnotifyByTspod || v === 'ignore' || v === 'container') return;
  throw new TspodError(`invalid --sdnotify "${v}": use conmon, container or ignore`);
}

/** --sdnotify=container under a unit (NOTIFY_SOCKET set): the container gets a socket of its own
 * at /run/notify/notify.sock (NOTIFY_SOCKET inside), which tspod-monitor's proxy passes on to
 * systemd; tspod names the monitor as the main pid, and READY=1 is the container's to send. */
function containerNotify(store: Store, record: ContainerRecord): { dir: string; socket: string } | undefined {
  if (record.config.sdnotify !== 'container' || !process.env.NOTIFY_SOCKET) return undefined;
  const dir = join(store.containers.dir(record.id), 'userdata', 'notify');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { dir, socket: join(dir, 'notify.sock') };
}

export function parseCgroups(v: string | undefined): void {
  if (v === undefined || ['enabled', 'disabled', 'no-conmon', 'split'].includes(v)) return;
  throw new TspodError(`invalid --cgroups "${v}": use enabled, disabled, no-conmon or split`);
}

/** Does the pod a new container joins share this namespace with it (a pod with an infra; podman's default ipc, net, uts)? */
function podShares(pod: RunOptions['pod'], ns: string): boolean {
  return !!pod?.shared && (pod.share ?? ['ipc', 'net', 'uts']).includes(ns);
}

export async function createContainer(store: Store, opts: RunOptions): Promise<ContainerRecord> {
  if (opts.initCtr !== undefined) {
    if (!opts.podSpec && !opts.pod) throw new TspodError('must specify pod value with init-ctr');
    if (opts.initCtr !== 'always' && opts.initCtr !== 'once') throw new TspodError("init-ctr value must be 'always' or 'once'");
  }
  if (opts.podSpec && !opts.pod) {
    const { podForRun } = await import('./pods.js');
    opts = { ...opts, pod: await podForRun(opts.podSpec, opts.storageOpts, opts.hostname) };
  }
  // a pod's container flags (pod create -v, --device, --dns, ...) come first, the container's own after
  const podDefaults = opts.pod && !opts.infraFor ? store.pods.get(opts.pod.id)?.memberDefaults : undefined;
  if (podDefaults) opts = withPodDefaults(opts, podDefaults);
  parseSdnotify(opts.sdnotify);
  parseAttach(opts.attach ?? []); // create -a: checked (start -a attaches stdout and stderr)
  const platform = platformFromParts({ platform: opts.pullOptions?.platform, arch: opts.arch, os: opts.os, variant: opts.variant }, hostPlatform());
  if (platform !== opts.pullOptions?.platform) opts = { ...opts, pullOptions: { ...opts.pullOptions, platform } };
  const imageVolume = parseImageVolume(opts.imageVolume);
  const log = parseLogConfig(opts.logDriver, opts.logOpt ?? [], { tty: opts.tty, detach: opts.detach });
  if (log.driver === 'journald') (await import('./journal.js')).checkJournal();
  const oomScoreAdj = parseOomScoreAdj(opts.oomScoreAdj);
  if (opts.cgroupParent !== undefined) throw new TspodError(`--cgroup-parent ${opts.cgroupParent}: tspod creates no cgroup for a container on this host (cgroups v1, or no delegated cgroup v2 subtree; podman fails here too, at start); drop the flag`);
  if (opts.initPath !== undefined && opts.init) throw new TspodError(`--init-path ${opts.initPath}: tspod's init is its own tspod-init, not another binary; drop --init-path`);
  parseCgroups(opts.cgroups);
  if (opts.cidfile && existsSync(opts.cidfile)) {
    throw new TspodError(`container id file ${opts.cidfile} exists: make sure no other container uses it, or remove it`);
  }
  if (opts.replace) {
    if (!opts.name) throw new TspodError('--replace needs --name: it replaces the container of that name');
    const { containerRemove } = await import('./containers.js');
    if (store.containers.nameTaken(opts.name)) await containerRemove([opts.name], true, false);
  }
  const storage = await resolveStorageConfig(opts.storageOpts);
  checkUserNamespaces();
  currentIdMappings(); // fail early, with the fix, when /etc/subuid or /etc/subgid lacks the user
  const netSpec = parseNetworkSpec(opts.network);
  checkStaticAddressing(netSpec, { ip: opts.ip, ip6: opts.ip6, mac: opts.macAddress, aliases: opts.networkAliases });
  // --network container:REF: REF's namespace, joined at each start (the host's, when REF is on the host's network)
  let netFrom: ContainerRecord | undefined;
  if (netSpec.mode === 'container') {
    const { findContainerIn } = await import('./container-list.js');
    try {
      netFrom = findContainerIn(store, netSpec.container);
    } catch (err) {
      throw new TspodError(`looking up container to share net namespace with: ${(err as Error).message}`);
    }
  }
  // --network ns:PATH: checked now, joined at each start by the helper
  if (netSpec.mode === 'ns') checkNamespacePath('network', netSpec.path);
  checkJoinedNetworkFiles(netSpec, { dns: !!(opts.dns?.length || opts.dnsSearch?.length || opts.dnsOption?.length), addHost: !!opts.addHost?.length });
  // a container on user-defined networks gets its own namespace with only lo; tspod wires it before its command runs;
  // one that joins another namespace (container:, ns:) makes none (the helper joins it instead)
  const network = netSpec.mode === 'bridge' || netSpec.mode === 'ns' ? 'none'
    : netSpec.mode === 'container' ? (netFrom!.plan as LaunchPlan | undefined)?.network === 'host' ? 'host' : 'none'
    : netSpec.mode;
  const slirpOpts = network === 'slirp4netns' ? parseSlirpOptions(opts.network) : undefined;
  const slirp = slirpOpts ? slirpArgs(slirpOpts) : [];
  if (slirpOpts) checkTun();
  let ports = opts.publish.flatMap(parsePublish);
  // pasta: its options checked and the program looked for now; its port arguments are made at each start
  if (netSpec.mode === 'pasta') pastaArgs(parsePastaOptions(opts.network), []);
  if (!slirpOpts && netSpec.mode !== 'bridge' && netSpec.mode !== 'pasta' && !podShares(opts.pod, 'net')) {
    // --network host|none: podman's notice (its own words, on stderr), then the ports are dropped and it runs
    if (ports.length) process.stderr.write('Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use\n');
    ports = [];
    if (opts.publishAll) opts = { ...opts, publishAll: false };
  }
  if (storage.mountProgram) {
    try {
      accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
    } catch {
      throw new TspodError('/dev/fuse is not accessible to this user: fuse-overlayfs needs it. As root: `chmod 666 /dev/fuse` (Debian\'s default), or use native overlay with --storage-opt overlay.mount_program=');
    }
  }
  const restart = parseRestart(opts.restart);
  if (opts.stopSignal !== undefined) parseSignal(opts.stopSignal);
  if (restart.name !== 'no' && opts.rm) throw new TspodError('the --rm option conflicts with --restart: a container removed on exit cannot be restarted');
  if (restart.name !== 'no' && !opts.detach) throw new TspodError('--restart applies to detached containers: add -d');
  const addHosts = (opts.addHost ?? []).map(parseAddHost);
  if (opts.noHosts && addHosts.length) throw new TspodError('--no-hosts and --add-host cannot be set together');
  // containers.conf's [containers] defaults for the /etc files; the flags win
  const conf = readContainersConf();
  checkConfiguredRuntime(conf);
  const noHosts = !!opts.noHosts || (!!conf.noHosts && !addHosts.length);
  const netMode = podShares(opts.pod, 'net') ? 'slirp4netns' : opts.network;
  const confDns = ['none', 'container'].includes(netMode.split(':')[0]!) ? {} : conf;
  const dns = parseDns(opts.dns?.length ? opts.dns : confDns.dnsServers ?? [], opts.dnsSearch?.length ? opts.dnsSearch : confDns.dnsSearches ?? [],
    opts.dnsOption?.length ? opts.dnsOption : confDns.dnsOptions ?? [], netMode);
  let baseHosts: string[] = [];
  if (conf.baseHostsFile && conf.baseHostsFile !== 'none') {
    try {
      baseHosts = baseHostsEntries(readFileSync(conf.baseHostsFile, 'utf8'));
    } catch (err) {
      throw new TspodError(`containers.conf base_hosts_file ${conf.baseHostsFile}: ${(err as Error).message}`);
    }
  }
  const fromMountFlag = mountFlagMounts(opts.mount ?? []);
  let parsedMounts = [...opts.volumes.map(parseVolume), ...fromMountFlag.mounts];
  if (opts.volumesFrom?.length) {
    const { findContainerIn } = await import('./containers.js');
    parsedMounts.push(...volumesFromMounts(opts.volumesFrom, (ref) => findContainerIn(store, ref)));
  }
  if (opts.user !== undefined) checkUserIds(opts.user);
  // The same tmpfs given twice is one mount, as podman (different ones at one place are refused below).
  const tmpfs = [...opts.tmpfs.map(parseTmpfs), ...fromMountFlag.tmpfs].filter((t, i, all) => all.findIndex((u) => JSON.stringify(u) === JSON.stringify(t)) === i);
  parsedMounts = uniqueDestinations(parsedMounts, tmpfs.map((t) => t.destination));
  const annotations = parseAnnotations(opts.annotation ?? []);
  const exposed = parseExpose(opts.expose ?? []);
  const fileLabels = readLabelFiles(opts.labelFile ?? []);
  const rlimits = parseUlimits(opts.ulimit ?? []);
  const umask = parseUmask(opts.umask);
  const groupAdd = parseGroupAdd(opts.groupAdd ?? []);
  const hostConfig = resourceConfig(opts.resources);
  const localtime = opts.tz !== undefined ? timezoneFile(opts.tz, existsSync) : undefined;
  const shmSize = opts.shmSize !== undefined ? parseSize('shm-size', opts.shmSize) : undefined;
  if (shmSize !== undefined && shmSize <= 0) throw new TspodError(`invalid --shm-size "${opts.shmSize}": it must be greater than 0`);
  const timeout = parseTimeout(opts.timeout);
  // --rmi implies --rm (podman); with -d the monitor's cleanup removes both, and tspod-monitor -T applies --timeout
  if (opts.rmi) opts = { ...opts, rm: true };
  const caps = resolveCaps(opts.capAdd, opts.capDrop, opts.privileged);
  const securityOpts = parseSecurityOpts(opts.securityOpt);
  let security = securityPlan(caps, securityOpts, opts.privileged);
  if (opts.preserveFds && opts.tty) throw new TspodError('--preserve-fds cannot be combined with -t: the terminal helper cannot pass extra descriptors');
  const extraEnv = [...opts.envFile.flatMap(parseEnvFile), ...opts.env.map(expandEnv)];
  const secretRequests = (opts.secrets ?? []).map(parseSecretFlag);
  const pidMode = parseNamespaceMode('pid', opts.pid);
  const ipcMode = parseNamespaceMode('ipc', opts.ipc);
  const utsMode = parseNamespaceMode('uts', opts.uts);
  const cgroupnsMode = parseNamespaceMode('cgroupns', opts.cgroupns);
  const shareHost = ([['pid', pidMode], ['ipc', ipcMode], ['uts', utsMode]] as const).filter(([, m]) => m === 'host').map(([k]) => k);
  // --pid/--ipc/--uts container:REF: one other container's namespaces, joined at each start
  const joinKinds: Array<readonly ['pid' | 'ipc' | 'uts' | 'net', unknown]> = ([['pid', pidMode], ['ipc', ipcMode], ['uts', utsMode]] as const).filter(([, m]) => typeof m === 'object' && 'container' in m);
  // --pid/--ipc/--uts ns:PATH: the namespace there, joined at each start (podman's stat at create)
  // (absolute: a detached start opens it from /)
  const nsPaths = ([['pid', pidMode], ['ipc', ipcMode], ['uts', utsMode]] as const).flatMap(([k, m]): Array<['pid' | 'ipc' | 'uts', string]> => (typeof m === 'object' && 'path' in m ? [[k, resolvePath(m.path)]] : []));
  for (const [k, path] of nsPaths) {
    if (opts.pod) throw new TspodError(`--${k} ns:${path}: a container in a pod shares the pod's namespaces; create it outside the pod`);
    checkNamespacePath(k.toUpperCase(), path);
  }
  let joinFrom: ContainerRecord | undefined;
  if (joinKinds.length) {
    if (opts.pod) throw new TspodError(`--${joinKinds[0]![0]} container:...: a container in a pod shares the pod's namespaces; create it outside the pod`);
    const refs = [...new Set(joinKinds.map(([, m]) => (m as { container: string }).container))];
    if (refs.length > 1) throw new TspodError(`--pid/--ipc/--uts container: name one container (${refs.join(', ')}): tspod enters that container's user namespace to join them`);
    const { findContainerIn } = await import('./containers.js');
    try {
      joinFrom = findContainerIn(store, refs[0]!);
    } catch (err) {
      throw new TspodError(`looking up container to share ${joinKinds[0]![0]} namespace with: ${(err as Error).message}`);
    }
  }
  // --network container:REF in a pod: REF must be a member (podman's rule); with the pod's shared network
  // it is the pod's network already, so REF is only a dependency, started first
  let netRequires: string | undefined;
  if (netFrom && opts.pod) {
    if (netFrom.config.pod !== opts.pod.id) {
      throw new TspodError(`running container create option: container has joined pod ${opts.pod.id} and dependency container ${netFrom.id} is not a member of the pod: invalid argument`);
    }
    if (podShares(opts.pod, 'net')) netRequires = netFrom.id;
    else if (opts.pod.shared) throw new TspodError(`--network container:${netSpec.mode === 'container' ? netSpec.container : ''}: pod ${opts.pod.id.slice(0, 12)} does not share its network, and tspod cannot join a member's network beside the pod's other namespaces\n(create the pod with its network shared, or this container outside the pod)`);
  }
  if (netSpec.mode === 'ns' && opts.pod) throw new TspodError(`--network ${opts.network}: a container in a pod uses the pod's network; create it outside the pod`);
  if (netFrom && !netRequires && network !== 'host') {
    if (joinFrom && joinFrom.id !== netFrom.id) throw new TspodError(`--network container:${netFrom.name} and --pid/--ipc/--uts container:${joinFrom.name}: name one container: tspod enters that container's user namespace to join them`);
    joinFrom = netFrom;
    joinKinds.push(['net', { container: netFrom.id }]);
  }
  // tspod-launch enters the joined container's user namespace: one of its own (--userns keep-id,
  // auto, --uidmap...) would give this container that mapping, unasked
  if (joinFrom && (joinFrom.config.userns?.uidMap.length || joinFrom.config.userns?.mode === 'ns')) {
    throw new TspodError(`container ${joinFrom.name} runs in a user namespace of its own (--userns ${joinFrom.config.userns.mode}): tspod cannot join its namespaces without giving this container that user namespace too\n(create ${joinFrom.name} without --userns/--uidmap, or put both in a pod)`);
  }
  // in a pod: --pid host is the container's own (pods share no pid namespace); uts host only when the pod's is
  const refused = shareHost.filter((k) => k === 'ipc' || (k === 'uts' && podDefaults?.uts !== 'host'));
  if (opts.pod?.shared && refused.length) throw new TspodError(`--${refused[0]} host: a container in a pod shares the pod's namespaces; create it outside the pod`);
  const sysctls = parseSysctls(opts.sysctl ?? [], { hostNetwork: network === 'host', hostIpc: ipcMode === 'host', hostUts: utsMode === 'host' });
  const devices = parseDevices(opts.devices ?? [], accessSync);
  parseDeviceCgroupRules(opts.deviceCgroupRules ?? []);
  const chrootdirs = parseChrootDirs(opts.chrootdirs ?? []);
  if (opts.detachKeys !== undefined) {
    const { parseDetachKeys } = await import('./attach.js');
    parseDetachKeys(opts.detachKeys);
  }
  const requires: string[] = [];
  if (opts.requires?.length) {
    const { findContainerIn } = await import('./containers.js');
    for (const ref of opts.requires) {
      try {
        requires.push(findContainerIn(store, ref).id);
      } catch (err) {
        throw new TspodError(`"${ref}" is not a valid container, cannot be used as a dependency: ${(err as Error).message}`);
      }
    }
  }
  const shared = !!opts.pod?.shared;
  const sharedNet = podShares(opts.pod, 'net');
  // a pod made with --network host: its members are on the host's network (no sysfs of their own)
  const podNetwork = sharedNet && opts.pod ? store.containers.get(store.pods.get(opts.pod.id)?.infraId ?? '')?.config.network : undefined;
  const sharedUts = podShares(opts.pod, 'uts');
  if (sharedUts && opts.hostname !== undefined && !opts.pod?.created) throw new TspodError('invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration');
  if (sharedNet && netSpec.mode === 'bridge') throw new TspodError('a container in a pod shares the pod\'s network: give --network to `tspod pod create`');
  if (sharedNet && (ports.length || opts.publishAll)) throw new TspodError('a container in a pod shares the pod\'s network: publish ports on the pod (`tspod pod create -p ...`)');
  const rootfs = opts.rootfs ? parseRootfs(opts.image) : undefined;
  // --infra-image: the infra runs that image's entrypoint (or --infra-command); else tspod-init -P on an empty root
  const stubInfra = opts.infraFor && !opts.infraFor.image;
  const image = stubInfra
    ? { id: '', names: ['tspod-infra'], chainIds: [] as string[] }
    : rootfs ? { id: '', names: [rootfs.dir], chainIds: [] as string[] }
    : archiveTransport(opts.image) ? await imageFromArchive(archiveTransport(opts.image)!)
    : await imageForRun(store, opts.infraFor?.image ?? opts.image, parsePullPolicy(opts.pull), opts.pullOptions ?? {});
  const config: ImageConfig = stubInfra ? { rootfs: { type: 'layers', diff_ids: [] }, config: { Cmd: ['-P'] } }
    : rootfs ? { rootfs: { type: 'layers', diff_ids: [] }, config: {} }
    : JSON.parse(readFileSync(store.blobs.path(image.id), 'utf8')) as ImageConfig;
  const argv = containerCommand(config.config, opts.command, opts.entrypoint);
  const mismatch = opts.infraFor || rootfs ? undefined : platformMismatch(config, opts.pullOptions?.platform ? parsePlatform(opts.pullOptions.platform) : undefined);
  if (mismatch) process.stderr.write(`WARNING: ${mismatch}\n`);
  if (argv.length === 0) throw new TspodError('no command specified: the image has no Cmd or Entrypoint; give one after the image name');
  // the image's HEALTHCHECK is the default, as podman
  const health = opts.infraFor ? { onFailure: 'none' } : healthConfig(opts.health ?? {}, (config.config as { Healthcheck?: HealthConfig } | undefined)?.Healthcheck);
  const systemd = systemdMode(opts.systemd, argv);
  const imageSeccomp = checkSeccompPolicy(opts.seccompPolicy, config.config?.Labels ?? {});
  if (imageSeccomp !== undefined && !opts.privileged && securityOpts.seccomp !== 'unconfined') {
    securityOpts.seccomp = imageSeccompProfile(imageSeccomp);
    security = securityPlan(caps, securityOpts, opts.privileged);
  }
  // a relative VOLUME is taken from / (as podman's)
  const imageVolumes = Object.keys(config.config?.Volumes ?? {}).map((d) => (posix.isAbsolute(d) ? d : `/${d}`));
  if (imageVolume === 'tmpfs') {
    const taken = new Set([...parsedMounts.map((m) => m.destination), ...tmpfs.map((t) => t.destination)]);
    for (const d of imageVolumes) if (!taken.has(posix.normalize(d))) tmpfs.push(parseTmpfs(posix.normalize(d)));
  }
  const { resolveVolumeMounts } = await import('./volumes.js');
  let mounts: Mount[] = [];

  // One durable write makes the container (record and plan together), under the store's lock
  // for the name; a failure on the way (a full disk) leaves nothing behind.
  const record = await store.locked(async () => {
    // --userns (under the lock: auto's ranges must not be handed out twice); a pod member's is its pod's
    const layerDirs = stubInfra ? [opts.infraFor!.rootfs] : rootfs ? [rootfs.dir] : [...image.chainIds].reverse().map((c) => store.layers.diffDir(c));
    const podUserns = opts.pod?.shared ? store.containers.get(store.pods.get(opts.pod.id)?.infraId ?? '')?.config.userns : undefined;
    const userns = podUserns ? { ...podUserns, mode: podUserns.mode as 'private' } : await resolveUserns(store, opts.userns ?? {}, layerDirs);
    // the other container's user namespace is entered to join its namespaces: no other one can be had
    if (joinFrom && userns.mode !== 'host') {
      throw new TspodError(`the user namespace options (--userns ${opts.userns?.userns ?? userns.mode}) cannot be combined with joining the namespaces of container ${joinFrom.name}: tspod enters that container's user namespace to join them\n(drop --userns; the container has ${joinFrom.name}'s user namespace)`);
    }
    if (opts.name !== undefined) {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(opts.name)) throw new TspodError(`invalid container name "${opts.name}": use letters, digits, '_', '.', '-'`);
      const clash = store.containers.nameTaken(opts.name);
      if (clash) throw new TspodError(`the container name "${opts.name}" is already in use by ${clash.slice(0, 12)}. Remove it (\`tspod rm ${opts.name}\`) or pick another name`);
    }
    // Under the store lock, after the last check that can refuse: no volume is made for a container that is not.
    // --image-volume: the image's VOLUMEs as anonymous volumes (bind, podman's default), tmpfs, or not at all
    mounts = await resolveVolumeMounts(store, parsedMounts, imageVolume === 'bind' ? imageVolumes : []);
    const id = newId();
    const rec: ContainerRecord = {
      version: 1,
      id,
      name: opts.name ?? randomName((n) => store.containers.nameTaken(n) !== undefined),
      imageId: image.id,
      // the name given (podman's ImageName), not the image's first
      imageName: (opts.infraFor || rootfs ? undefined : matchedImageName(image, opts.image)) ?? image.names[0] ?? image.id,
      created: new Date().toISOString(),
      command: argv,
      config: {
        env: [],
        workingDir: opts.workdir ?? (config.config?.WorkingDir || '/'),
        user: opts.user ?? (config.config?.User || '0'),
        hostname: '',
        tty: opts.tty,
        interactive: opts.interactive,
        readOnly: opts.readOnly,
        init: opts.init,
        // container:REF is recorded with REF's full id (inspect's NetworkMode, as podman's)
        network: netSpec.mode === 'bridge' ? 'bridge' : netFrom ? `container:${netFrom.id}` : opts.network,
        ...(netSpec.mode === 'bridge' ? { networks: await containerAttachments(store, netSpec.networks, { aliases: opts.networkAliases, ip: opts.ip, ip6: opts.ip6, mac: opts.macAddress }) } : {}),
        mounts: [...mounts, ...tmpfs.map((t): Mount => ({ type: 'tmpfs', source: 'tmpfs', destination: t.destination, readonly: t.readonly }))],
        autoRemove: opts.rm,
        labels: { ...(config.config?.Labels ?? {}), ...parseLabels([...fileLabels, ...(opts.labels ?? [])]) },
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ...(hostConfig || opts.logDriver !== undefined || opts.logOpt?.length || oomScoreAdj !== undefined
          ? { hostConfig: { ...hostConfig, LogConfig: { Type: log.driver, Config: log.tag ? { tag: log.tag } : {}, Path: log.path ?? '' }, ...(oomScoreAdj !== undefined ? { OomScoreAdj: oomScoreAdj } : {}) } }
          : {}),
        ...(log.driver !== 'k8s-file' ? { logDriver: log.driver } : {}),
        ...(log.path ? { logPath: log.path } : {}),
        ...(log.maxSize ? { logMaxSize: log.maxSize } : {}),
        ...(opts.pidFile ? { pidFile: opts.pidFile } : {}),
        ...(opts.conmonPidFile ? { conmonPidFile: opts.conmonPidFile } : {}),
        ...(timeout ? { timeout } : {}),
        createCommand: opts.createCommand,
        pod: opts.pod?.id,
        infraOf: opts.infraFor?.podId,
        // the entrypoint it runs (inspect's Config.Entrypoint): --entrypoint's, else the image's
        ...(stubInfra || rootfs ? {} : { entrypoint: containerCommand(config.config, ['-'], opts.entrypoint).slice(0, -1) }),
        restart,
        stopSignal: opts.stopSignal ?? (systemd ? SYSTEMD_STOP_SIGNAL : config.config?.StopSignal),
        ...(systemd ? { systemd: true } : {}),
        // podman's default is container: the container gets the socket whenever NOTIFY_SOCKET is set
        ...((opts.sdnotify ?? 'container') === 'container' ? { sdnotify: 'container' as const } : {}),
        ports: [
          ...ports,
          // -P: every port the image exposes, on a free host port
          ...(opts.publishAll ? [...new Set([...Object.keys(config.config?.ExposedPorts ?? {}), ...exposed])].flatMap((k) => parsePublish(k)) : []),
        ],
      },
      state: { status: 'created' },
    };
    rec.config.hostname = joinFrom && typeof utsMode === 'object' && 'container' in utsMode ? joinFrom.config.hostname : utsMode === 'host' ? hostHostname() : sharedUts ? opts.pod!.hostname : hostname(rec, opts.hostname);
    if (netRequires && !requires.includes(netRequires)) requires.push(netRequires);
    if (netFrom && !netRequires && network === 'host' && !requires.includes(netFrom.id)) requires.push(netFrom.id);
    if (requires.length) rec.config.requires = requires;
    if (joinFrom) rec.config.joinNamespaces = { container: joinFrom.id, kinds: joinKinds.map(([k]) => k) };
    if (opts.stopTimeout !== undefined) rec.config.stopTimeout = opts.stopTimeout;
    // global --runtime (a copy of tspod-launch, engine/system.ts applyGlobalOptions): kept as given, for inspect
    if (process.env.TSPOD_OCI_RUNTIME) rec.config.ociRuntime = process.env.TSPOD_OCI_RUNTIME;
    if (health.config) rec.config.healthcheck = health.config;
    if (opts.initCtr === 'always' || opts.initCtr === 'once') rec.config.initCtr = opts.initCtr;
    if (health.onFailure !== 'none') rec.config.healthOnFailure = health.onFailure;
    if (opts.rmi && opts.detach) rec.config.rmi = opts.image;
    rec.config.env = containerEnv({
      // podman's default environment (containers.conf's env): TERM=xterm with or without -t.
      defaults: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'container=podman', 'TERM=xterm'],
      image: config.config?.Env ?? [],
      host: opts.envHost ? Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`) : undefined,
      hostname: rec.config.hostname,
      extra: [...(opts.httpProxy === false ? [] : proxyEnv(process.env)), ...(systemd ? [`container_uuid=${rec.id.slice(0, 32)}`] : []), ...extraEnv],
      unset: opts.unsetenv ?? [],
      unsetAll: !!opts.unsetenvAll,
    });
    if (opts.envMerge?.length) rec.config.env = envMergeList(rec.config.env, opts.envMerge, extraEnv);
    if (userns.mode !== 'host') {
      rec.config.userns = userns;
      rec.config.hostConfig = { ...rec.config.hostConfig, ...usernsHostConfig(userns) };
    }
    const dir = store.containers.dir(id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // The upper directory's mode is the container's / mode, as podman's storage gives it: 0555 for
      // the base layer, each layer inheriting its parent's unless its tar names "./" (e.g. 0755).
      for (const d of ['upper', 'work', 'merged', 'userdata']) mkdirSync(join(dir, d), { mode: d === 'upper' ? 0o755 : 0o700 });
      writeFileSync(join(dir, 'userdata', 'hostname'), rec.config.hostname + '\n');
      // A pod member's network is the pod's (slirp4netns, held by the infra).
      const seen = sharedNet ? (podNetwork === 'host' ? 'host' : 'slirp4netns') : network;
      // the pod's infra holds the network: its slirp4netns options and, in /etc/hosts, its name beside the pod's hostname
      const infra = sharedNet ? store.containers.get(store.pods.get(opts.pod!.id)?.infraId ?? '') : undefined;
      const slirpAddr = slirpAddresses(infra ? parseSlirpOptions(infra.config.network.startsWith('slirp4netns') ? infra.config.network : 'slirp4netns') : slirpOpts ?? {});
      const hostsAddr = { guest: slirpAddr.guest, base: baseHosts, ...(conf.hostContainersInternalIp ? { hostIp: conf.hostContainersInternalIp } : {}), ...(infra ? { podInfra: { hostname: infra.config.hostname, name: infra.name } } : {}) };
      if (!noHosts) writeFileSync(join(dir, 'userdata', 'hosts'), hostsFile(rec.config.hostname, rec.name, seen, addHosts, hostsAddr));
      writeFileSync(join(dir, 'userdata', 'resolv.conf'), resolvConf(seen, undefined, dns, slirpAddr.dns));
      // on user networks tspod rewrites resolv.conf at each start, unless --dns* fixed it (kept here)
      if (netSpec.mode === 'bridge' && dns) writeFileSync(join(dir, 'userdata', 'resolv.conf.fixed'), resolvConf(seen, undefined, dns));
      // --tz: a copy of the zone file (podman's way: the container never sees the host's zoneinfo)
      if (localtime) writeFileSync(join(dir, 'userdata', 'localtime'), readFileSync(localtime), { mode: 0o644 });
      // mounts.conf: a copy of each source in userdata, bound read-write (as podman's for rootless
      // containers: the host's files are never written); a -v, --mount or --tmpfs at its place wins
      const defaults = (opts.infraFor ? [] : defaultMounts()).filter((d) => !mounts.some((m) => m.destination === d.destination) && !tmpfs.some((t) => t.destination === d.destination));
      const defaultBinds = defaults.map((d, i) => {
        const copy = join(dir, 'userdata', 'default-mounts', String(i));
        try {
          cpSync(realpathSync(d.source), copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        } catch (e) {
          throw new TspodError(`copying default mount ${d.source} to ${d.destination}: ${(e as Error).message}: fix or remove its line in the mounts.conf file`);
        }
        return { source: copy, destination: d.destination, readonly: false };
      });
      // --secret: copies in userdata (bound read-only), never in the writable layer (commit, export, diff)
      const { resolveSecrets, chownSecrets } = await import('./secrets.js');
      const secrets = resolveSecrets(store, secretRequests, join(dir, 'userdata'));
      await chownSecrets(secrets);
      if (secrets.config.length) rec.config.secrets = secrets.config;
      // /run/.containerenv: bound from userdata like the secrets, so only an empty mount point is in the
      // writable layer (left out of diff and commit, storage/diff.ts); a pod's infra has an empty root
      const containerenv = !opts.infraFor;
      if (containerenv) {
        writeFileSync(join(dir, 'userdata', '.containerenv'), containerenvText(opts.privileged, {
          name: rec.name, id: rec.id, image: rec.imageName, imageId: rec.imageId.replace(/^sha256:/, ''), rootless: process.getuid?.() !== 0, tspodVersion: packageVersion(),
        }), { mode: 0o444 });
      }
      // --passwd, --passwd-entry, --hostuser: the image's /etc/passwd with podman's added lines, bound over it
      const lowers = opts.infraFor ? [] : layerDirs;
      const imagePasswd = opts.infraFor ? '' : imageFileText(lowers, 'passwd');
      // keep-id writes podman's entries for the user itself (engine/userns.ts): these are for the rest
      const ownPasswd = opts.infraFor || userns.mode === 'keep-id';
      const passwdLines = ownPasswd ? [] : passwdAdditions({
        imagePasswd, user: rec.config.user, workdir: rec.config.workingDir, passwd: opts.passwd !== false, passwdEntry: opts.passwdEntry,
        hostUsers: opts.hostuser ?? [], hostPasswd: opts.hostuser?.length ? readFileSync('/etc/passwd', 'utf8') : '', containerId: id,
      });
      const imageGroup = opts.infraFor ? '' : imageFileText(lowers, 'group');
      const groupLines = ownPasswd ? [] : groupAdditions(imageGroup, rec.config.user, opts.passwd !== false);
      if (groupLines.length) writeFileSync(join(dir, 'userdata', 'group'), `${imageGroup}${imageGroup && !imageGroup.endsWith('\n') ? '\n' : ''}${groupLines.join('\n')}\n`, { mode: 0o644 });
      if (passwdLines.length) {
        writeFileSync(join(dir, 'userdata', 'passwd'), `${imagePasswd}${imagePasswd && !imagePasswd.endsWith('\n') ? '\n' : ''}${passwdLines.join('\n')}\n`, { mode: 0o644 });
      }
      // a pod's infra runs tspod-init on an empty root: no keep-id user or passwd entry for it
      const ul = usernsLaunch(opts.infraFor ? { ...userns, keepId: undefined } : userns, {
        lowerDirs: layerDirs, userdata: join(dir, 'userdata'), upper: join(dir, 'upper'), userGiven: opts.user !== undefined, mountProgram: storage.mountProgram,
        workingDir: rec.config.workingDir, readOnly: opts.readOnly, destinations: mounts.map((m) => m.destination),
      });
      if (ul.user) rec.config.user = ul.user;
      // --read-only (podman's --read-only-tmpfs) and systemd mode: tmpfs where the user mounts nothing
      const tmpfsDirs = [...(opts.readOnly && opts.readOnlyTmpfs !== false ? ['/tmp', '/var/tmp', '/run'] : []), ...(systemd ? SYSTEMD_TMPFS : [])];
      const readOnlyTmpfs = [...new Set(tmpfsDirs)].filter((t) => !tmpfs.some((m) => m.destination === t) && !mounts.some((m) => m.destination === t));
      const tmpfsVolume = (m: Mount) => {
        const v = m.type === 'volume' && m.volume ? store.volumes.get(m.volume) : undefined;
        return v?.options.type === 'tmpfs' ? v : undefined;
      };
      // --network container:REF: REF's own /etc/hosts and /etc/resolv.conf, the same files (as podman)
      const joinedFiles = netFrom && !netRequires ? joinedNetworkFiles(store, netFrom) : {};
      const plan: LaunchPlan = {
        mountProgram: ul.mountProgram ?? storage.mountProgram,
        mountProgramLog: join(dir, 'userdata', 'mount-program.log'),
        lowerDirs: layerDirs,
        ...(rootfs && !rootfs.overlay ? { rootfsBind: true } : {}),
        upperDir: join(dir, 'upper'),
        workDir: join(dir, 'work'),
        mergedDir: join(dir, 'merged'),
        // A pod member joins the infra's network namespace at start (podTarget): no network of its own.
        network: sharedNet ? (podNetwork === 'host' ? 'host' : 'none') : network,
        ...(shared ? { podShare: opts.pod!.share ?? ['ipc', 'net', 'uts'] } : {}),
        slirpArgs: sharedNet || !slirp.length ? [] : rec.config.ports?.length ? [...slirp, `--api-socket=${containerFiles(store, rec.id).slirpApi}`] : slirp,
        ...(netSpec.mode === 'bridge' && !sharedNet ? { netSync: true } : {}),
        ...(netSpec.mode === 'ns' ? { netPath: resolvePath(netSpec.path) } : {}),
        ...(nsPaths.length ? { nsPaths } : {}),
        slirpLog: join(dir, 'userdata', network === 'pasta' ? 'pasta.log' : 'slirp4netns.log'),
        hostname: rec.config.hostname,
        user: rec.config.user,
        cwd: rec.config.workingDir,
        ...(opts.workdir !== undefined && !opts.createWorkdir && !opts.infraFor ? { cwdCheck: rec.id } : {}),
        env: [...rec.config.env, ...secrets.env],
        argv,
        binds: [
          ...['hostname', ...(noHosts ? [] : ['hosts']), 'resolv.conf'].map((f) => ({ source: joinedFiles[f]?.source ?? join(dir, 'userdata', f), destination: `/etc/${f}`, readonly: joinedFiles[f]?.readonly ?? false })),
          ...(localtime ? [{ source: join(dir, 'userdata', 'localtime'), destination: '/etc/localtime', readonly: false }] : []),
          ...defaultBinds,
          ...secrets.binds,
          ...(containerenv ? [{ source: join(dir, 'userdata', '.containerenv'), destination: '/run/.containerenv', readonly: true }] : []),
          ...(passwdLines.length ? [{ source: join(dir, 'userdata', 'passwd'), destination: '/etc/passwd', readonly: false }] : []),
          ...(groupLines.length ? [{ source: join(dir, 'userdata', 'group'), destination: '/etc/group', readonly: false }] : []),
          // --chrootdirs: tspod's /etc files in each chroot too
          ...chrootdirs.flatMap((d) => ['hostname', ...(noHosts ? [] : ['hosts']), 'resolv.conf'].map((f) => ({ source: joinedFiles[f]?.source ?? join(dir, 'userdata', f), destination: posix.join(d, 'etc', f), readonly: joinedFiles[f]?.readonly ?? false }))),
          ...devices.map((d) => ({ source: d.host, destination: d.container, readonly: !d.write })),
          ...mounts.filter((m) => !tmpfsVolume(m)).map((m) => ({ source: m.source, destination: m.destination, readonly: m.readonly })),
          // The helper takes at most 256 binds; a host with more devices than that keeps the first ones.
          ...(opts.privileged ? hostDevices().slice(0, 200).map((d) => ({ source: d, destination: d, readonly: false })) : []),
        ],
        // A `volume create -o type=tmpfs` volume is a fresh tmpfs in each container (its -o o= options), as podman.
        tmpfs: [...tmpfs, ...readOnlyTmpfs, ...mounts.filter(tmpfsVolume).map((m) => parseTmpfs(`${m.destination}:${[...(tmpfsVolume(m)!.options.o ?? '').split(','), ...(m.readonly ? ['ro'] : [])].filter(Boolean).join(',')}`))],
        readOnly: opts.readOnly,
        tty: opts.tty,
        init: opts.init || !!opts.infraFor,
        security,
        seccompProfile: seccompProfileRef(securityOpts, opts.privileged),
        preserveFds: opts.preserveFds,
        ...(rlimits.length ? { rlimits } : {}),
        ...(umask !== undefined ? { umask } : {}),
        ...(shmSize !== undefined ? { shmSize } : {}),
        ...(oomScoreAdj !== undefined ? { oomScoreAdj } : {}),
        ...(groupAdd.groups.length ? { groupAdd: groupAdd.groups } : {}),
        ...(groupAdd.keepGroups ? { keepGroups: true } : {}),
        ...(shareHost.length ? { shareHost: [...shareHost] } : {}),
        ...(cgroupnsMode === 'private' ? { cgroupns: 'private' as const } : {}),
        ...(sysctls.length ? { sysctls } : {}),
        ...(ul.idMap ? { idMap: ul.idMap } : {}),
        ...(ul.usernsPath ? { usernsPath: ul.usernsPath } : {}),
      };
      plan.binds.push(...ul.binds);
      // Last, once tspod wrote what it writes into the layer (keep-id's /etc files): the upper
      // directory's mode is the container's / mode, as podman's storage gives it: 0555 for the base
      // layer, each layer inheriting its parent's unless its tar names "./" (e.g. 0755).
      if (!opts.infraFor && !rootfs && image.chainIds.length) {
        // the top layer that names "./" decides: read from the top down, stopping there
        let rootMode: number | undefined;
        for (let i = image.chainIds.length - 1; i >= 0 && rootMode === undefined; i--) rootMode = store.layers.rootMode(image.chainIds[i]!);
        chmodSync(join(dir, 'upper'), (rootMode ?? 0o555) & 0o7777);
      }
      rec.plan = plan;
      store.containers.save(rec);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw errnoCode(err) === 'ENOSPC' ? noSpace(dir, err) : err;
    }
    return rec;
  });
  if (opts.cidfile) writeFileSync(opts.cidfile, record.id);
  return record;
}

function markStarted(store: Store, record: ContainerRecord, pid: number, monitorPid?: number): void {
  record.state = { status: 'running', pid, pidStart: processStartTime(pid), monitorPid, startedAt: new Date().toISOString(), restartCount: record.state.restartCount, ports: record.state.ports };
  store.containers.save(record);
  if (record.config.healthcheck) resetHealth(store, record.id, record.state.startedAt!);
  // --pidfile, --conmon-pidfile: in the foreground tspod itself watches the container (podman's conmon)
  if (record.config.pidFile) writeFileSync(record.config.pidFile, String(pid));
  if (record.config.conmonPidFile) writeFileSync(record.config.conmonPidFile, String(monitorPid ?? process.pid));
  const plan = record.plan as LaunchPlan;
  recordConfinement(store.containers.dir(record.id), pid, plan, plan.seccompProfile);
}

/** Host ports are checked (and free ones picked for -P or a missing host port) right before each start. */
async function reservePorts(record: ContainerRecord): Promise<void> {
  record.state.ports = record.config.ports?.length ? await reserveHostPorts(record.config.ports) : undefined;
}

/** Once the command runs: forward the published ports, or stop the container. */
async function forwardPorts(store: Store, record: ContainerRecord, pid: number): Promise<void> {
  if (!record.state.ports?.length) return;
  if (parseNetworkSpec(record.config.network).mode === 'pasta') return; // pasta forwards them from the start
  if (record.config.networks) {
    // on user-defined networks: TCP through the rootless namespace's slirp4netns, UDP straight into the container
    try {
      const { publishContainerPorts } = await import('./networks.js');
      await publishContainerPorts(record, record.state.ports);
      for (const p of record.state.ports) if (p.protocol === 'udp') await startUdpForwarder(pid, p);
    } catch (err) {
      process.kill(pid, 'SIGKILL');
      throw err;
    }
    return;
  }
  try {
    // UDP replies reach the host through slirp4netns only when the container may reach the
    // host's loopback; otherwise tspod's own forwarder relays them (docs/networking.md).
    const ownUdp = !parseSlirpOptions(record.config.network).allowHostLoopback;
    const bySlirp = record.state.ports.filter((p) => p.protocol === 'tcp' || !ownUdp);
    await addForwards(containerFiles(store, record.id).slirpApi, bySlirp);
    for (const p of record.state.ports) if (!bySlirp.includes(p)) await startUdpForwarder(pid, p);
  } catch (err) {
    process.kill(pid, 'SIGKILL');
    throw err;
  }
}

/** The files bound at /etc/hosts and /etc/resolv.conf in REC (another container's own, when it joins one's
 * network), for a container that joins REC's network. */
function joinedNetworkFiles(store: Store, rec: ContainerRecord): Record<string, { source: string; readonly: boolean }> {
  const out: Record<string, { source: string; readonly: boolean }> = {};
  const own = join(store.containers.dir(rec.id), 'userdata');
  for (const b of (rec.plan as LaunchPlan | undefined)?.binds ?? []) {
    for (const f of ['hosts', 'resolv.conf']) {
      // the other's own file is shared as it has it (writable); a file of the user's mounted there
      // keeps the other's read-only flag (and sharedHostsEntry never edits it)
      if (b.destination === `/etc/${f}`) out[f] = { source: b.source, readonly: b.source === join(own, f) ? false : b.readonly };
    }
  }
  return out;
}

/** The launch plan for this start: a pod member joins its infra, started first when it is not running. */
async function podPlan(store: Store, record: ContainerRecord): Promise<LaunchPlan> {
  let plan = store.containers.withSeccomp(record).plan as LaunchPlan;
  // pasta: started with this start's published ports (free host ports are picked at each start)
  if (plan.network === 'pasta') plan = { ...plan, slirpArgs: pastaArgs(parsePastaOptions(record.config.network), record.state.ports ?? []) };
  // --userns container:ID: the target's namespace as it runs now
  const usernsPath = usernsTargetPath(store, record);
  if (usernsPath) plan = { ...plan, usernsPath };
  if (record.config.mounts.some((m) => m.chown)) {
    const { chownVolumes } = await import('./volumes.js');
    await chownVolumes(record, plan.lowerDirs);
  }
  if (record.config.mounts.some((m) => m.type === 'volume')) {
    const { copyUpVolumes } = await import('./volumes.js');
    await copyUpVolumes(store, record, plan.lowerDirs);
  }
  // --requires: the containers it needs run first (each started as `tspod start` would)
  if (record.config.requires?.length) {
    const { containerStart } = await import('./containers.js');
    for (const id of record.config.requires) {
      if (!store.containers.get(id)) throw new TspodError(`container ${record.name} requires container ${id.slice(0, 12)}, which no longer exists: remove ${record.name} and create it again`);
      await containerStart(id);
    }
  }
  // --pid/--ipc/--uts container:ID: that container runs first (podman makes it a dependency)
  const joining = record.config.joinNamespaces;
  if (joining) {
    const { containerStart, liveState } = await import('./containers.js');
    const from = store.containers.get(joining.container);
    if (!from) throw new TspodError(`container ${record.name} joins the namespaces of container ${joining.container.slice(0, 12)}, which no longer exists: remove ${record.name} and create it again`);
    if (liveState(from, store).state.status !== 'running') await containerStart(from.id);
    const pid = liveState(store.containers.get(from.id)!, store).state.pid;
    if (!pid) throw new TspodError(`container ${from.name} is not running: its namespaces cannot be joined`);
    plan = { ...plan, joinTarget: pid, joinNs: joining.kinds };
  }
  // --network container:ID: its name in the /etc/hosts it shares with ID, while it runs (as podman)
  if (record.config.network.startsWith('container:')) (await import('./dependencies.js')).sharedHostsEntry(record, true);
  const cgroup = prepareCgroup(record);
  if (cgroup) plan = { ...plan, cgroupProcs: join(cgroup, 'cgroup.procs') };
  if (!record.config.pod || !store.pods.get(record.config.pod)?.infraId) return plan;
  const { ensureInfraRunning } = await import('./pods.js');
  const podTarget = await ensureInfraRunning(store, record.config.pod);
  // a pod on user-defined networks: its members see the infra's /etc/hosts and resolv.conf
  const infraId = store.pods.get(record.config.pod)!.infraId;
  if (store.containers.get(infraId)?.config.networks) {
    for (const f of ['hosts', 'resolv.conf']) {
      const from = join(store.containers.dir(infraId), 'userdata', f);
      const to = join(store.containers.dir(record.id), 'userdata', f);
      if (existsSync(from) && existsSync(to)) writeFileSync(to, readFileSync(from));
    }
  }
  // Sharing the pod's IPC namespace is sharing a /dev/shm too (as podman): the pod's directory, bound
  // over each member's own (a mount of the infra's own namespace cannot be bound into another).
  let shm: LaunchPlan['binds'] = [];
  if ((plan.podShare ?? ['ipc']).includes('ipc') && !plan.binds.some((b) => b.destination === '/dev/shm')) {
    const dir = join(store.pods.dir(record.config.pod), 'shm');
    if (!existsSync(dir)) {
      mkdirSync(dir);
      chmodSync(dir, 0o1777);
    }
    shm = [{ source: dir, destination: '/dev/shm', readonly: false }];
  }
  return { ...plan, podTarget, binds: [...plan.binds, ...shm] };
}

/** Run in the foreground: tspod is the container's parent until it exits. */
export async function startAttached(store: Store, record: ContainerRecord, io: { tty: boolean; interactive: boolean; detachStdout?: boolean; detachStderr?: boolean; sigProxy?: boolean }): Promise<number> {
  let exitCode = 125;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    await reservePorts(record);
    await prepareNetworks(store, record);
    const result = await launch(await podPlan(store, record), { ...io, removeLayers: record.config.autoRemove, log: logTarget(store, record), passthrough: record.config.logDriver === 'passthrough' }, {
      netns: (pid) => wireNetworks(record, pid),
      started: async (pid) => {
        markStarted(store, record, pid);
        await forwardPorts(store, record, pid);
        // --timeout: podman's conmon kills the container then and reports 255.
        if (record.config.timeout) {
          timer = setTimeout(() => {
            timedOut = true;
            try {
              process.kill(pid, 'SIGKILL');
            } catch { /* already gone */ }
          }, record.config.timeout * 1000);
        }
      },
    });
    exitCode = timedOut ? 255 : result.exitCode;
    return exitCode;
  } catch (err) {
    if (err instanceof TspodError) exitCode = err.exitCode;
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    await releaseNetworks(record);
    removeCgroupOf(record.id);
    if (record.config.autoRemove) {
      await removeContainerFiles(store, record.id);
    } else {
      // killed by --timeout: run exits 255, the container's own status is unknown (-1 in inspect, as podman)
      record.state = { ...record.state, status: 'exited', exitCode: timedOut ? -1 : exitCode, pid: undefined, finishedAt: new Date().toISOString() };
      store.containers.save(record);
    }
    // A foreground member's exit counts for its pod's --exit-policy as a detached one's (the monitor's cleanup).
    if (record.config.pod) {
      const { applyExitPolicy } = await import('./pods.js');
      await applyExitPolicy(store, record.config.pod).catch(() => undefined);
    }
  }
}

/** Start under tspod-monitor, which outlives this command; returns once the command runs. */
export async function startDetached(store: Store, record: ContainerRecord, o: { waitAttach?: boolean } = {}): Promise<void> {
  if (record.config.logDriver === 'passthrough') throw new TspodError(`container ${record.name} uses the 'passthrough' log driver: only \`tspod run\` in the foreground runs it (tspod's monitor, which starts it otherwise, does not pass its standard streams down)`);
  const files = containerFiles(store, record.id);
  rmSync(files.exit, { force: true });
  const notify = containerNotify(store, record);
  // bin/tspod is tspod's one way in (it keeps Node from reading tspod's arguments and environment).
  const exitCommand = [join(packageRoot(), 'bin', 'tspod'), 'container-cleanup', record.id];
  await reservePorts(record);
  try {
    mkdirSync(dirname(files.attach), { recursive: true, mode: 0o700 });
    await prepareNetworks(store, record);
    let plan = await podPlan(store, record);
    if (notify) plan = { ...plan, env: [...plan.env.filter((e) => !e.startsWith('NOTIFY_SOCKET=')), 'NOTIFY_SOCKET=/run/notify/notify.sock'], binds: [...plan.binds, { source: notify.dir, destination: '/run/notify', readonly: false }] };
    await launch(plan, {
      tty: false, interactive: false, monitor: [files.exit, files.monitorPid, exitCommand],
      notifySocket: notify?.socket,
      // the attach socket: the terminal's, or without one the output streams (and -i's input)
      attachSocket: record.config.tty ? files.attach : undefined,
      streamSocket: record.config.tty ? undefined : files.attach,
      keepStdin: record.config.interactive && !record.config.tty,
      waitAttach: o.waitAttach,
      monitorTimeout: record.config.timeout,
      log: logTarget(store, record),
    }, {
      netns: (pid) => wireNetworks(record, pid),
      started: async (pid) => {
        markStarted(store, record, pid, readPid(files.monitorPid));
        await forwardPorts(store, record, pid);
      },
    });
    // --sdnotify=container: the monitor is the main pid (each start has a new one); READY is the container's
    if (notify) notifyMainPid(store, record.id);
  } catch (err) {
    // The monitor records the failure and its exit command cleans up; wait for it, briefly.
    await waitUntil(() => !existsSync(files.monitorPid) && existsSync(files.exit), 5000);
    throw err;
  }
}

/** --seccomp-policy image: the label's profile kept as a file named by its digest in the store (the
 * container's filter is compiled from it now; inspect names the file), written once. */
function imageSeccompProfile(text: string): string {
  parseProfile(text, 'the seccomp profile in the image\'s io.containers.seccomp.profile label');
  const digest = createHash('sha256').update(text).digest('hex');
  const dir = join(tspodPaths().data, 'seccomp-profiles');
  const path = join(dir, `sha256-${digest}.json`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, text, 0o600);
  }
  return path;
}

/** ns:PATH: podman stats the path at create (its words); the helper joins it at each start. */
function checkNamespacePath(what: string, path: string): void {
  try {
    statSync(path);
  } catch (err) {
    const code = errnoCode(err);
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : (err as Error).message;
    throw new TspodError(`cannot find specified ${what} namespace path: stat ${path}: ${why}`);
  }
}

/** Where the container's output goes: its k8s-file log (json-file is the same; --log-opt path=
 * elsewhere, max-size= bounds it), the journal, or nowhere (none; passthrough, which is never relayed). */
function logTarget(store: Store, record: ContainerRecord): LogTarget | undefined {
  if (record.config.logDriver === 'journald') return { journald: [record.id, record.name, logTagOf(record)] };
  const file = logFileOf(store, record);
  return file === undefined ? undefined : { file, maxSize: record.config.logMaxSize };
}

/** User-defined networks: addresses (and /etc/hosts, resolv.conf) before the launch, the interfaces
 * while the launch waits (netns hook), released when the container stops (lib/engine/networks.ts). */
async function prepareNetworks(store: Store, record: ContainerRecord): Promise<void> {
  if (!record.config.networks) return;
  const { prepareContainerNetworks } = await import('./networks.js');
  await prepareContainerNetworks(store, record);
}

async function wireNetworks(record: ContainerRecord, pid: number): Promise<void> {
  const { wireContainerNetworks } = await import('./networks.js');
  await wireContainerNetworks(record, pid);
}

async function releaseNetworks(record: ContainerRecord): Promise<void> {
  // --network container:ID: its line in the /etc/hosts it shares with ID goes (nothing else to release)
  if (record.config.network.startsWith('container:')) (await import('./dependencies.js')).sharedHostsEntry(record, false);
  if (!record.config.networks) return;
  const { releaseContainerNetworks } = await import('./networks.js');
  await releaseContainerNetworks(record).catch((err: Error) => process.stderr.write(`WARN[0000] container ${record.name}: leaving its networks: ${err.message}\n`));
}

/** The monitor writes its pid file right after it starts the helper. */
function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Remove a container's files and name; its anonymous volumes go too unless another container names them. */
export async function removeContainerFiles(store: Store, id: string): Promise<void> {
  const { removeContainerDir } = await import('./containers.js');
  const rec = store.containers.get(id);
  await removeContainerDir(store, id, rec?.name);
  if (rec) {
    const { removeAnonymousVolumes } = await import('./volumes.js');
    await removeAnonymousVolumes(store, rec);
  }
}
