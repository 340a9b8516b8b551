// `tspod doctor`, `info` and `version`: what this host offers rootless
// containers, each prerequisite checked the way `run` needs it.
import { accessSync, closeSync, constants, existsSync, mkdtempSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, rmSync, statSync } from 'node:fs';
import { arch, cpus, freemem, hostname, release, tmpdir, totalmem, uptime } from 'node:os';
import { join } from 'node:path';
import { loadStorageConfig } from '../config/storage-conf.js';
import { resolveStorageConfig } from '../runtime/overlay-probe.js';
import { helperPath, packageRoot, tspodPaths } from '../config/paths.js';
import { currentIdMappings, checkIdMapTool } from '../runtime/idmap.js';
import { runInUserns } from '../runtime/userns.js';
import { defaultProfilePath, seccompAvailable } from '../runtime/seccomp.js';
import { openStore } from './store.js';
import { packageVersion, versionInfo } from './version.js';

export { packageVersion, versionInfo };
import { TspodError } from '../util/errors.js';
import { programPath } from '../util/fs.js';
import { liveState } from './containers.js';
import { containerProcesses, killProcesses } from './container-state.js';

export interface Check {
  name: string;
  ok: boolean;
  /** true: a limitation to know about, not a reason `run` fails */
  note?: boolean;
  detail: string;
}

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}


export type CgroupLayout = 'v2' | 'hybrid' | 'v1' | 'none';

/** Read the cgroup layout from a mountinfo text: v2 unified, v1, or hybrid. */
export function cgroupLayout(mountinfo: string): CgroupLayout {
  const mounts = mountinfo.split('\n').map((l) => {
    const [pre, post = ''] = l.split(' - ');
    return { point: pre?.split(' ')[4] ?? '', type: post.split(' ')[0] ?? '' };
  });
  const root = mounts.find((m) => m.point === '/sys/fs/cgroup');
  if (root?.type === 'cgroup2') return 'v2';
  const v1 = mounts.some((m) => m.type === 'cgroup');
  const v2 = mounts.some((m) => m.type === 'cgroup2');
  if (v1 && v2) return 'hybrid';
  return v1 ? 'v1' : 'none';
}

/** Controllers the user could use in a v2 tree: read from cgroup.subtree_control along its path. */
export function delegatedControllers(cgroupRoot: string, ownCgroup: string): string[] {
  const ctrl = readTrim(join(cgroupRoot, ownCgroup, 'cgroup.controllers'));
  return ctrl ? ctrl.split(/\s+/).filter(Boolean) : [];
}

function cgroupCheck(): Check {
  const layout = cgroupLayout(readTrim('/proc/self/mountinfo') ?? '');
  if (layout === 'v2') {
    const own = (readTrim('/proc/self/cgroup') ?? '').split('\n').find((l) => l.startsWith('0::'))?.slice(3) ?? '/';
    const ctrls = delegatedControllers('/sys/fs/cgroup', own);
    return { name: 'cgroups', ok: true, note: ctrls.length === 0, detail: ctrls.length ? `v2, controllers delegated: ${ctrls.join(' ')}: resource limits apply (tspod makes a cgroup per container)` : 'v2, but no controllers are delegated to this user: resource limits need systemd delegation (Delegate=yes for user@.service)' };
  }
  if (layout === 'hybrid') {
    return { name: 'cgroups', ok: true, note: true, detail: 'v1/v2 hybrid with the controllers on v1: rootless resource limits (--memory, --cpus, --pids-limit) and pause are not available on this host; containers run without them' };
  }
  return { name: 'cgroups', ok: true, note: true, detail: `${layout === 'v1' ? 'v1 only' : 'no cgroup mount found'}: rootless resource limits are not available` };
}

function fileCheck(name: string, fn: () => string): Check {
  try {
    return { name, ok: true, detail: fn() };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  }
}

export async function runDoctor(): Promise<Check[]> {
  const checks: Check[] = [];
  const maxNs = Number(readTrim('/proc/sys/user/max_user_namespaces') ?? '0');
  const clone = readTrim('/proc/sys/kernel/unprivileged_userns_clone');
  checks.push(maxNs > 0 && clone !== '0'
    ? { name: 'user namespaces', ok: true, detail: `enabled (max_user_namespaces=${maxNs})` }
    : { name: 'user namespaces', ok: false, detail: 'unprivileged user namespaces are disabled. As root: `sysctl -w user.max_user_namespaces=15000` and `sysctl -w kernel.unprivileged_userns_clone=1`' });
  checks.push(fileCheck('subuid/subgid', () => {
    const m = currentIdMappings();
    return `${m.user}: uids ${m.subuid.start}+${m.subuid.count}, gids ${m.subgid.start}+${m.subgid.count}`;
  }));
  for (const tool of ['newuidmap', 'newgidmap'] as const) {
    checks.push(fileCheck(tool, () => {
      const p = checkIdMapTool(tool);
      if (!(statSync(p).mode & 0o4000)) return `${p} (not setuid: it must carry file capabilities instead)`;
      return `${p} (setuid)`;
    }));
  }
  checks.push(fileCheck('/dev/fuse', () => {
    try {
      accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
    } catch {
      throw new Error('not accessible to this user: as root, `chmod 666 /dev/fuse` (Debian\'s default mode)');
    }
    return 'accessible';
  }));
  checks.push(fileCheck('fuse-overlayfs', () => {
    if (!existsSync('/usr/bin/fuse-overlayfs')) throw new Error('not installed: as root, `apt-get install fuse-overlayfs` (needed only where the kernel\'s overlay cannot mount rootless)');
    const cfg = loadStorageConfig([]);
    return `/usr/bin/fuse-overlayfs${cfg.auto ? ' (installed; the fallback when native overlay cannot mount)' : cfg.mountProgram ? ' (the configured mount program)' : ' (installed; storage.conf selects native overlay)'}`;
  }));
  checks.push(fileCheck('helpers', () => {
    for (const h of ['tspod-launch', 'tspod-userns', 'tspod-init', 'tspod-whiteout'] as const) {
      const p = helperPath(h);
      if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\``);
      if (statSync(p).mode & 0o6000) throw new Error(`${p} is setuid/setgid: tspod's helpers must never be; \`chmod ug-s ${p}\``);
    }
    return join(packageRoot(), 'helpers-c', 'bin');
  }));
  const mapped = checks.every((c) => c.ok);
  if (mapped) checks.push(await nativeOverlayCheck());
  if (mapped) {
    try {
      checks.push({ name: 'storage', ok: true, detail: `new containers mount with ${(await resolveStorageConfig([])).why}` });
    } catch (err) {
      checks.push({ name: 'storage', ok: false, detail: (err as Error).message });
    }
  }
  checks.push(fileCheck('slirp4netns', () => {
    if (!existsSync('/usr/bin/slirp4netns')) throw new Error('not installed: as root, `apt-get install slirp4netns` (or run containers with --network none)');
    try {
      accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    } catch {
      throw new Error('/dev/net/tun is not accessible to this user: as root, `chmod 666 /dev/net/tun` (Debian\'s default mode)');
    }
    return '/usr/bin/slirp4netns, /dev/net/tun accessible';
  }));
  checks.push(cgroupCheck());
  const rt = process.env.XDG_RUNTIME_DIR;
  if (!rt) {
    checks.push({ name: 'XDG_RUNTIME_DIR', ok: true, note: true, detail: `not set: runtime state goes to ${tspodPaths().runtime} (log in through a session manager, or export XDG_RUNTIME_DIR=/run/user/$UID)` });
  } else {
    checks.push(fileCheck('XDG_RUNTIME_DIR', () => {
      const st = statSync(rt);
      if (st.uid !== process.getuid!()) throw new Error(`${rt} is not owned by this user: fix XDG_RUNTIME_DIR`);
      return rt;
    }));
  }
  return checks;
}

/** Try a native overlay mount inside a mapped user namespace. */
async function nativeOverlayCheck(): Promise<Check> {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-doctor-'));
  try {
    for (const d of ['l', 'u', 'w', 'm']) mkdirSync(join(dir, d));
    const r = await runInUserns(['unshare', '-m', 'mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w,userxattr`, `${dir}/m`]);
    return r.exitCode === 0
      ? { name: 'user namespace mapping', ok: true, detail: 'newuidmap/newgidmap map a new user namespace; native overlay mounts in it too (--storage-opt overlay.mount_program= uses it)' }
      : { name: 'user namespace mapping', ok: true, note: true, detail: `mapping works; native overlay does not (${r.stderr.trim()}): fuse-overlayfs is used` };
  } catch (err) {
    return { name: 'user namespace mapping', ok: false, detail: (err as Error).message };
  } finally {
    await runInUserns(['rm', '-rf', dir]).catch(() => rmSync(dir, { recursive: true, force: true }));
  }
}

export async function systemInfo(): Promise<Record<string, unknown>> {
  const paths = tspodPaths();
  let idMappings: Record<string, unknown> = {};
  try {
    const m = currentIdMappings();
    idMappings = {
      uidmap: [{ container_id: 0, host_id: m.uid, size: 1 }, { container_id: 1, host_id: m.subuid.start, size: m.subuid.count }],
      gidmap: [{ container_id: 0, host_id: m.gid, size: 1 }, { container_id: 1, host_id: m.subgid.start, size: m.subgid.count }],
    };
  } catch {
    /* reported by doctor */
  }
  const store = openStore();
  const containers = store.containers.list().map((c) => liveState(c, store));
  const storage = await resolveStorageConfig([]).catch(() => ({ mountProgram: undefined }));
  const osRelease = Object.fromEntries((readTrim('/etc/os-release') ?? '').split('\n').map((l) => /^(\w+)="?(.*?)"?$/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
  const host = {
    arch: arch() === 'x64' ? 'amd64' : arch(),
    os: 'linux',
    kernel: release(),
    hostname: hostname(),
    distribution: { distribution: osRelease.ID ?? 'unknown', version: osRelease.VERSION_ID ?? 'unknown', codename: osRelease.VERSION_CODENAME ?? '' },
    cgroupVersion: cgroupLayout(readTrim('/proc/self/mountinfo') ?? '') === 'v2' ? 'v2' : 'v1',
    cgroupManager: 'none',
    // the controllers resource limits can use (a cgroup per container under cgroup v2 delegation); none: limits are ignored
    cgroupControllers: (await import('./cgroups.js')).findDelegation()?.controllers ?? [],
    // tspod keeps no event log yet; every container's log is a k8s-file one.
    eventLogger: 'none',
    logDriver: 'k8s-file',
    networkBackend: 'tspod',
    // not buildah: the buildah release whose build behaviour tspod's build follows (podman 4.3.1's), as
    // scripts that read podman's field expect one (docs/build.md)
    buildahVersion: '1.28.2',
    cpus: cpus().length,
    memTotal: totalmem(),
    memFree: freemem(),
    uptime: `${Math.floor(uptime() / 3600)}h ${Math.floor((uptime() % 3600) / 60)}m ${Math.floor(uptime() % 60)}.00s`,
    idMappings,
    security: { rootless: process.getuid!() !== 0, seccompEnabled: seccompAvailable(), seccompProfilePath: defaultProfilePath(), capabilities: 'CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT' },
    slirp4netns: { executable: existsSync('/usr/bin/slirp4netns') ? '/usr/bin/slirp4netns' : '' },
    // --runtime PATH (a copy of tspod-launch): named by that path, as podman names a runtime given by path
    ociRuntime: process.env.TSPOD_OCI_RUNTIME?.includes('/') ? { name: process.env.TSPOD_OCI_RUNTIME, path: process.env.TSPOD_OCI_RUNTIME } : { name: 'tspod-launch', path: helperPath('tspod-launch') },
  };
  // podman's Go field is CgroupsVersion (its JSON key cgroupVersion): templates reach it by
  // that name, JSON shows the key once.
  Object.defineProperty(host, 'cgroupsVersion', { get: () => host.cgroupVersion, enumerable: false });
  return {
    host,
    store: {
      configFile: join(paths.config, 'storage.conf'),
      graphDriverName: 'overlay',
      graphOptions: storage.mountProgram ? { 'overlay.mount_program': { Executable: storage.mountProgram } } : {},
      graphStatus: { 'Native Overlay Diff': storage.mountProgram ? 'false' : 'true', 'Supports d_type': 'true' },
      graphRoot: paths.data,
      runRoot: paths.runtime,
      imageStore: { number: store.images.list().length },
      containerStore: {
        number: containers.length,
        running: containers.filter((c) => c.state.status === 'running').length,
        stopped: containers.filter((c) => c.state.status !== 'running').length,
        paused: 0,
      },
    },
    version: versionInfo(),
  };
}


/** `system reset`: every container (stopped first), image and layer of this user's tspod. */
export async function systemReset(): Promise<void> {
  const { containerRemove } = await import('./containers.js');
  const store = openStore();
  await containerRemove([], true, true);
  // What no record tells any more (unreadable records, half-made containers): found in /proc
  // by this store's paths in their arguments, checked by start time, then killed.
  await killProcesses(containerProcesses(store));
  const paths = tspodPaths();
  await store.ops.remove([store.root, paths.runtime].filter((p) => existsSync(p)));
}

export interface DfRow {
  type: 'Images' | 'Containers' | 'Local Volumes';
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/** Bytes under each directory, counted as root of the user namespace (container
 * files belong to subordinate ids the user cannot read). */
async function diskUsage(dirs: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const present = dirs.filter((d) => existsSync(d));
  if (!present.length) return out;
  const tmp = join(tmpdir(), `tspod-du-${process.pid}-${Date.now()}`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    await runInUserns(['du', '-s', '-B1', '--', ...present], { stdoutFd: fd });
    for (const line of readFileSync(tmp, 'utf8').split('\n')) {
      const m = /^(\d+)\t(.*)$/.exec(line);
      if (m) out.set(m[2]!, Number(m[1]));
    }
  } finally {
    closeSync(fd);
    rmSync(tmp, { force: true });
  }
  return out;
}

/** `system df`: space used by images (each blob counted once), containers' writable layers, volumes. */
export async function systemDf(): Promise<DfRow[]> {
  const store = openStore();
  const images = store.images.list();
  const containers = store.containers.list().map((c) => liveState(c, store));
  const usedImages = new Set(containers.map((c) => c.imageId));
  const blobSize = (d: string) => (store.blobs.has(d) ? store.blobs.size(d) : 0);
  const blobsOf = (i: (typeof images)[number]) => [i.id, i.digest, ...i.layerBlobs];
  const all = new Set(images.flatMap(blobsOf));
  const kept = new Set(images.filter((i) => usedImages.has(i.id)).flatMap(blobsOf));
  const sum = (ds: Iterable<string>) => [...ds].reduce((n, d) => n + blobSize(d), 0);
  const uppers = containers.map((c) => join(store.containers.dir(c.id), 'upper'));
  const du = await diskUsage(uppers);
  const sizes = containers.map((c, i) => ({ running: c.state.status === 'running', size: du.get(uppers[i]!) ?? 0 }));
  return [
    { type: 'Images', total: images.length, active: images.filter((i) => usedImages.has(i.id)).length, size: sum(all), reclaimable: sum([...all].filter((d) => !kept.has(d))) },
    { type: 'Containers', total: containers.length, active: sizes.filter((s) => s.running).length, size: sizes.reduce((n, s) => n + s.size, 0), reclaimable: sizes.filter((s) => !s.running).reduce((n, s) => n + s.size, 0) },
    { type: 'Local Volumes', total: 0, active: 0, size: 0, reclaimable: 0 },
  ];
}

/** `system prune`: containers that are not running, then unnamed (with -a: unused) images. */
export async function systemPrune(all: boolean, filters: string[] = [], volumes = false): Promise<{ containers: string[]; images: string[]; volumes: string[]; reclaimed: number }> {
  for (const f of filters) {
    const key = f.split('=')[0]!;
    if (key !== 'label' && key !== 'label!' && key !== 'until') throw new TspodError(`${key} is an invalid filter`);
  }
  const { containerPrune } = await import('./containers.js');
  const { imagePrune } = await import('./images.js');
  const before = await systemDf();
  // label!= is not a container filter key; the container side takes label and until.
  const removed = (await containerPrune(filters.filter((f) => !f.startsWith('label!=')))).map((r) => r.id);
  let vols: string[] = [];
  if (volumes) {
    const { volumePrune } = await import('./volumes.js');
    vols = await volumePrune(filters.filter((f) => f.startsWith('label')));
  }
  const images = await imagePrune(all, filters);
  const after = await systemDf();
  const total = (rows: DfRow[]) => rows.reduce((n, r) => n + r.size, 0);
  return { containers: removed, images, volumes: vols, reclaimed: Math.max(0, total(before) - total(after)) };
}

export interface DfVerbose {
  images: Array<{ names: string[]; id: string; created: string; size: number; shared: number; unique: number; containers: number }>;
  containers: Array<{ id: string; image: string; command: string; volumes: number; size: number; created: string; status: string; name: string }>;
  volumes: Array<{ name: string; links: number; size: number }>;
}

/** `system df -v`: each image (its blobs, those shared with other images), each container's
 * writable layer, each volume and the containers that use it. */
export async function systemDfVerbose(): Promise<DfVerbose> {
  const store = openStore();
  const images = store.images.list();
  const containers = store.containers.list().map((c) => liveState(c, store));
  const blobSize = (d: string) => (store.blobs.has(d) ? store.blobs.size(d) : 0);
  const owners = new Map<string, number>();
  for (const i of images) for (const b of new Set([i.id, i.digest, ...i.layerBlobs])) owners.set(b, (owners.get(b) ?? 0) + 1);
  const imageRows = images.map((i) => {
    const blobs = [...new Set([i.id, i.digest, ...i.layerBlobs])];
    const shared = blobs.filter((b) => (owners.get(b) ?? 0) > 1).reduce((n, b) => n + blobSize(b), 0);
    const total = blobs.reduce((n, b) => n + blobSize(b), 0);
    return { names: i.names, id: i.id.slice(7), created: i.created, size: total, shared, unique: total - shared, containers: containers.filter((c) => c.imageId === i.id).length };
  });
  const uppers = containers.map((c) => join(store.containers.dir(c.id), 'upper'));
  const du = await diskUsage(uppers);
  const { volumeList, volumeUsers } = await import('./volumes.js');
  const vols = volumeList([], store);
  const users = volumeUsers(store);
  const vdu = await diskUsage(vols.map((v) => v.Mountpoint));
  return {
    images: imageRows,
    containers: containers.map((c, i) => ({
      id: c.id, image: c.imageName, command: c.command.join(' '), volumes: c.config.mounts.filter((m) => m.type === 'volume').length,
      size: du.get(uppers[i]!) ?? 0, created: c.created, status: c.state.status, name: c.name,
    })),
    volumes: vols.map((v) => ({ name: v.Name, links: users.get(v.Name)?.length ?? 0, size: vdu.get(v.Mountpoint) ?? 0 })),
  };
}

/** podman's global flags, as tspod can honour them on this host. */
export interface GlobalOptions {
  root?: string;
  runroot?: string;
  tmpdir?: string;
  runtime?: string;
  runtimeFlags: string[];
  conmon?: string;
  hooksDirs: string[];
  networkCmdPath?: string;
  volumepath?: string;
  namespace?: string;
  storageDriver?: string;
  /** --default-mounts-file: podman's mounts.conf for every container tspod makes (engine/run.ts defaultMounts) */
  defaultMountsFile?: string;
  /** the verb (as in lib/cli/flags.ts) and its operands: --runtime-flag matters to those that start a container */
  command?: string;
  operands?: string[];
}

/** The verbs that start a container process, where podman's runtime sees the --runtime-flag
 * values (the others never invoke it, and podman takes any value there). */
const runtimeCommands = ['run', 'start', 'restart', 'pod start', 'pod restart', 'play kube'];
const buildCommands = ['build'];

/** Whether A and B hold the same bytes (the size first; then the content, chunk by chunk). */
function sameFileContent(a: string, b: string): boolean {
  try {
    if (realpathSync(a) === realpathSync(b)) return true;
    const sa = statSync(a);
    const sb = statSync(b);
    if (!sa.isFile() || !sb.isFile() || sa.size !== sb.size) return false;
    const fa = openSync(a, 'r');
    try {
      const fb = openSync(b, 'r');
      try {
        const ba = Buffer.alloc(65536);
        const bb = Buffer.alloc(65536);
        for (let off = 0; off < sa.size;) {
          const na = readSync(fa, ba, 0, ba.length, off);
          const nb = readSync(fb, bb, 0, bb.length, off);
          if (na !== nb || na === 0 || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
          off += na;
        }
        return true;
      } finally {
        closeSync(fb);
      }
    } finally {
      closeSync(fa);
    }
  } catch {
    return false;
  }
}

/** Apply --root/--runroot/--tmpdir (for this command and every tspod it starts later: the
 * environment carries them to the monitor's container-cleanup and restart policies), and refuse
 * what tspod cannot do, naming what it does instead. */
export async function applyGlobalOptions(g: GlobalOptions): Promise<void> {
  const { resolve } = await import('node:path');
  const { readdirSync, realpathSync } = await import('node:fs');
  const { setStorageLocations, helperPath: helper } = await import('../config/paths.js');
  const launchPath = helper('tspod-launch');
  if (g.runtime !== undefined && g.runtime !== 'tspod-launch') {
    const found = programPath(g.runtime);
    // a name that is no program here reads as podman's
    if (!found) throw new TspodError(`default OCI runtime "${g.runtime}" not found: invalid argument: tspod runs every container with its own runtime, tspod-launch (${launchPath}); drop --runtime`);
    if (found !== launchPath && !sameFileContent(found, launchPath)) {
      throw new TspodError(`--runtime ${g.runtime}: tspod runs every container with its own runtime, tspod-launch (${launchPath}); it cannot use another OCI runtime`);
    }
    // tspod-launch itself or a copy of it (the same bytes): containers made now record the
    // runtime as given (inspect .OCIRuntime, info .Host.OCIRuntime), as podman keeps its full
    // path; they run with the installed helper, which is the same program.
    process.env.TSPOD_OCI_RUNTIME = g.runtime.includes('/') ? resolve(g.runtime) : g.runtime;
  }
  // build hands them to the runtime of each RUN step (engine/build.ts refuses at the first RUN, as buildah's runtime fails it)
  if (g.runtimeFlags.length && g.command !== undefined && buildCommands.includes(g.command)) process.env.TSPOD_BUILD_RUNTIME_FLAGS = JSON.stringify(g.runtimeFlags);
  if (g.runtimeFlags.length && g.command !== undefined && runtimeCommands.includes(g.command)) {
    const { checkRuntimeFlags } = await import('../spec/runtime-flags.js');
    checkRuntimeFlags(g.runtimeFlags, g.command === 'run' ? {} : { starting: g.operands?.[0] ?? '' });
  }
  if (g.conmon !== undefined) {
    throw new TspodError(`--conmon ${g.conmon}: tspod monitors containers with its own tspod-monitor (${helper('tspod-monitor')}), not conmon`);
  }
  for (const dir of g.hooksDirs) {
    let hooks: string[] = [];
    try {
      hooks = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      /* podman ignores a hooks directory that does not exist */
    }
    if (hooks.length) throw new TspodError(`--hooks-dir ${dir}: holds OCI hooks (${hooks.join(', ')}), and tspod does not run OCI hooks`);
  }
  if (g.networkCmdPath !== undefined) {
    const { slirpProgram } = await import('../network/slirp.js');
    let same = false;
    let ours = '';
    try {
      ours = slirpProgram();
      same = realpathSync(g.networkCmdPath) === realpathSync(ours);
    } catch {
      /* no slirp4netns here, or the path does not exist */
    }
    if (!same) throw new TspodError(`--network-cmd-path ${g.networkCmdPath}: tspod runs slirp4netns from ${ours || '/usr/bin or /usr/local/bin'} only`);
  }
  if (g.namespace) throw new TspodError(`--namespace ${g.namespace}: tspod has no libpod namespaces; use --root for a separate store`);
  if (g.storageDriver !== undefined && g.storageDriver !== 'overlay') {
    throw new TspodError(`--storage-driver ${g.storageDriver}: driver "${g.storageDriver}" is not supported; tspod stores layers with the "overlay" driver`);
  }
  // in the environment, so the tspod processes this one starts (restart policies) read it too
  if (g.defaultMountsFile !== undefined) process.env.TSPOD_DEFAULT_MOUNTS_FILE = resolve(g.defaultMountsFile);
  // podman's tmpdir holds libpod's per-container state; tspod keeps that in its runtime directory.
  setStorageLocations({ root: g.root, runroot: g.runroot ?? g.tmpdir });
  if (g.volumepath !== undefined) {
    const volumes = join(tspodPaths().data, 'volumes');
    if (resolve(g.volumepath) !== volumes) throw new TspodError(`--volumepath ${g.volumepath}: tspod keeps volumes in its store (${volumes}); move them with --root`);
  }
}
