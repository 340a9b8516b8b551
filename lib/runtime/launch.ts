// Starting one container through tspod-launch: the launch plan (what the
// helper mounts and execs), the helper process on our stdio (which it relays
// to the container's pipes or terminal) or under tspod-monitor, and the sync
// protocol (started/failed); the container joins the user's shared user namespace (pause.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { helperPath, tspodPaths } from '../config/paths.js';
import { TspodError } from '../util/errors.js';
import { SyncChannel, helperError } from './sync.js';
import { ensureUserNamespace } from './pause.js';
import { currentIdMappings, splitAtRanges } from './idmap.js';
import type { TmpfsMount } from './mounts.js';
import type { SeccompProfileRef } from './confinement.js';
import { SECCOMP_REF } from '../storage/containers.js';

export interface LaunchPlan {
  mountProgram?: string; // fuse-overlayfs path; undefined = native overlay
  mountProgramLog?: string;
  lowerDirs: string[]; // top first
  /** --rootfs DIR (without :O): DIR itself, bound, is the root (lowerDirs[0]) */
  rootfsBind?: boolean;
  upperDir: string;
  workDir: string;
  mergedDir: string;
  network: 'slirp4netns' | 'pasta' | 'none' | 'host';
  /** slirp4netns (or pasta) and its options when network is slirp4netns (pasta) */
  slirpArgs: string[];
  slirpLog?: string;
  /** on a user-defined network: the helper stops once its network namespace exists so that tspod wires it (LaunchHooks.netns) */
  netSync?: boolean;
  hostname: string;
  user: string;
  cwd: string;
  /** --workdir given: the container's id; the helper refuses a cwd missing from the image and the mounts */
  cwdCheck?: string;
  env: string[];
  argv: string[];
  binds: Array<{ source: string; destination: string; readonly: boolean }>;
  /** a destination alone (nosuid, nodev, mode 1777) or one with its --tmpfs options */
  tmpfs: Array<string | TmpfsMount>;
  readOnly: boolean;
  tty: boolean;
  init: boolean;
  /** caps, no_new_privs, masks, read-only paths and seccomp lines (runtime/security.ts) */
  security: string[][];
  /** the seccomp profile the security lines were built from, for inspect (not sent to the helper) */
  seccompProfile?: SeccompProfileRef;
  /** fds 3..3+N-1 of tspod passed on to the container */
  preserveFds: number;
  /** --ulimit: [RLIMIT_* number, soft, hard] ("-1": unlimited), set right before exec */
  rlimits?: Array<[number, string, string]>;
  /** --shm-size in bytes (default 64 MiB, as podman) */
  shmSize?: number;
  /** --oom-score-adj, written to /proc/self/oom_score_adj before exec */
  oomScoreAdj?: number;
  /** --umask (octal) */
  umask?: string;
  /** --group-add: gids or names of the container's /etc/group; keepGroups: no setgroups at all */
  groupAdd?: string[];
  keepGroups?: boolean;
  /** a pod member: the infra process whose user, net, ipc and uts namespaces it joins (set at each start) */
  podTarget?: number;
  /** the namespaces of the infra a pod member joins (net, ipc, uts, pid, cgroup); absent: net, ipc, uts */
  podShare?: string[];
  /** --pid/--ipc/--uts host: namespaces not unshared */
  shareHost?: Array<'pid' | 'ipc' | 'uts'>;
  /** --cgroupns private: a cgroup namespace of its own */
  cgroupns?: 'private';
  /** --pid/--ipc/--uts/--network container:ID: that container's process, whose user namespace and these namespaces are joined (set at each start) */
  joinTarget?: number;
  joinNs?: Array<'pid' | 'ipc' | 'uts' | 'net'>;
  /** --network ns:PATH: the network namespace at PATH, joined instead of a new one */
  netPath?: string;
  /** --pid/--ipc/--uts ns:PATH: the namespaces at those paths, joined instead of made */
  nsPaths?: Array<['pid' | 'ipc' | 'uts', string]>;
  /** cgroup v2 delegation: the container's cgroup.procs, joined by the container process before exec (set at each start) */
  cgroupProcs?: string;
  /** --sysctl: KEY, VALUE (namespaced keys, checked by spec/namespaces.ts) */
  sysctls?: Array<[string, string]>;
  /** --userns keep-id|nomap|auto, --uidmap/--gidmap: a user namespace nested in the shared one with these
   * maps (container id, id in the shared namespace, size); the rootfs then needs fuse-overlayfs */
  idMap?: { uid: IdMapLine[]; gid: IdMapLine[] };
  /** --userns ns:PATH (container:ID resolves to the target's /proc/PID/ns/user at each start) */
  usernsPath?: string;
}

export interface IdMapLine {
  container: number;
  host: number;
  size: number;
}

/** The container runs in a user namespace below the user's shared one. */
function nested(p: LaunchPlan): boolean {
  return !!p.idMap?.uid.length || !!p.usernsPath;
}

export interface LaunchIO {
  tty: boolean;
  interactive: boolean;
  /** fds for the process's stdin and stdout instead of tspod's own (tspod cp) */
  stdinFd?: number;
  stdoutFd?: number;
  /** Detached: run the helper under tspod-monitor with [exit file, pid file, exit command]. */
  monitor?: [string, string, string[]];
  /** run's log (the monitor's, or in the foreground the relay's): none without */
  log?: LogTarget;
  /** Detached with a terminal: the monitor's attach socket. */
  attachSocket?: string;
  /** Detached without a terminal: the monitor's attach socket for the output streams (and with
   * keepStdin, input); waitAttach: the first client is waited for (start -a -i) */
  streamSocket?: string;
  keepStdin?: boolean;
  waitAttach?: boolean;
  /** --sdnotify=container: the socket the monitor binds and passes on to $NOTIFY_SOCKET */
  notifySocket?: string;
  /** Detached with --timeout: the monitor kills the container after these seconds (status 255) */
  monitorTimeout?: number;
  /** run -a/--attach without stdout or stderr: that stream of the container goes to /dev/null */
  detachStdout?: boolean;
  detachStderr?: boolean;
  /** run --rm in the foreground: the helper, still root of the user namespace, removes the
   * container's writable layer once the container has exited (no process spawned for it later). */
  removeLayers?: boolean;
  /** run --sig-proxy=false: the signals tspod gets are not passed on to the container */
  sigProxy?: boolean;
  /** --log-driver passthrough: the container gets tspod's own standard streams (no relay, no log;
   * podman's conmon passes its own the same way; never with a terminal) */
  passthrough?: boolean;
}

/** A k8s-file log (truncated when it would grow past maxSize bytes), or the journal with the
 * container's id, name and tag (helpers-c/logsink.c). */
export type LogTarget = { file: string; maxSize?: number } | { journald: [string, string, string] };

export interface LaunchHooks {
  /** Called once the container's command runs (PID on the host). */
  started(pid: number): void | Promise<void>;
  /** With plan.netSync: the container's network namespace is /proc/PID/ns/net; its command has not run yet. */
  netns?(pid: number): Promise<void>;
}

/** A plan read from a record without its seccomp rules (storage/containers.ts SECCOMP_REF) must
 * never reach the helper: it would run the container without them. */
function withRules(security: string[][]): string[][] {
  if (security.some((l) => l[0] === SECCOMP_REF)) throw new Error('internal error: a launch plan without its seccomp rules (read the record with withSeccomp)');
  return security;
}

export function planLines(p: LaunchPlan): string[][] {
  const lines: string[][] = [];
  if (p.rootfsBind) {
    lines.push(['mode', 'bind']);
  } else if (p.mountProgram) {
    lines.push(['mode', 'fuse'], ['fuse_program', p.mountProgram]);
    if (p.mountProgramLog) lines.push(['fuse_log', p.mountProgramLog]);
  } else {
    lines.push(['mode', 'native']);
  }
  for (const l of p.lowerDirs) lines.push(['lower', l]);
  lines.push(['upper', p.upperDir], ['work', p.workDir], ['merged', p.mergedDir]);
  lines.push(['network', p.network], ['hostname', p.hostname], ['user', p.user], ['cwd', p.cwd]);
  if (p.cwdCheck) lines.push(['cwd_check', p.cwdCheck]);
  if (p.netSync) lines.push(['net_sync', '1']);
  for (const a of p.slirpArgs) lines.push(['slirp_arg', a]);
  if (p.slirpLog) lines.push(['slirp_log', p.slirpLog]);
  lines.push(['tty', p.tty ? '1' : '0'], ['readonly', p.readOnly ? '1' : '0'], ['preserve_fds', String(p.preserveFds)]);
  lines.push(...withRules(p.security), ...seccompCache(p.security));
  for (const r of p.rlimits ?? []) lines.push(['rlimit', String(r[0]), r[1], r[2]]);
  if (p.umask !== undefined) lines.push(['umask', p.umask]);
  if (p.oomScoreAdj !== undefined) lines.push(['oom_score_adj', String(p.oomScoreAdj)]);
  if (p.shmSize !== undefined) lines.push(['shm_size', String(p.shmSize)]);
  for (const g of p.groupAdd ?? []) lines.push(['group_add', g]);
  if (p.keepGroups) lines.push(['keep_groups', '1']);
  if (p.init) lines.push(['init', helperPath('tspod-init')]);
  if (p.podTarget) lines.push(['pod_target', String(p.podTarget)]);
  if (p.podTarget && p.podShare) for (const ns of p.podShare.length ? p.podShare : ['none']) lines.push(['pod_share', ns]);
  for (const n of p.shareHost ?? []) lines.push(['share_host', n]);
  if (p.cgroupns) lines.push(['cgroupns', p.cgroupns]);
  for (const [k, v] of p.sysctls ?? []) lines.push(['sysctl', k, v]);
  if (p.cgroupProcs) lines.push(['cgroup_procs', p.cgroupProcs]);
  if (p.joinTarget) {
    lines.push(['join_target', String(p.joinTarget)]);
    for (const k of p.joinNs ?? []) lines.push(['join_ns', k]);
  }
  if (p.netPath) lines.push(['net_path', p.netPath]);
  for (const [kind, path] of p.nsPaths ?? []) lines.push(['ns_path', kind, path]);
  if (p.idMap) {
    const ids = currentIdMappings();
    for (const m of splitAtRanges(p.idMap.uid, ids.subuids)) lines.push(['uid_map', String(m.container), String(m.host), String(m.size)]);
    for (const m of splitAtRanges(p.idMap.gid, ids.subgids)) lines.push(['gid_map', String(m.container), String(m.host), String(m.size)]);
  }
  if (p.usernsPath) lines.push(['userns_path', p.usernsPath]);
  // Once the container runs, tspod-launch becomes tspod-wait: the process left beside each container is small.
  lines.push(['waiter', helperPath('tspod-wait')]);
  for (const e of p.env) lines.push(['env', e]);
  for (const a of p.argv) lines.push(['arg', a]);
  for (const b of p.binds) lines.push(['bind', b.source, b.destination, b.readonly ? 'ro' : 'rw']);
  for (const t of p.tmpfs) lines.push(typeof t === 'string' ? ['tmpfs', t] : [t.fstype ?? 'tmpfs', t.destination, String(t.flags), t.data]);
  return lines;
}

/** Where the helper keeps compiled seccomp filters (keyed by rules, kernel and libseccomp:
 * a start with a known filter skips libseccomp's compilation). `system reset` removes it with the store. */
function seccompCache(security: string[][]): string[][] {
  return security.some((l) => l[0] === 'seccomp_default') ? [['seccomp_cache', join(tspodPaths().data, 'seccomp-bpf')]] : [];
}

interface HelperProcess {
  pid: number;
  exited: Promise<number>;
  kill(sig: NodeJS.Signals): void;
}

/** In front of tspod the helper gets our stdio as it is and relays it: to
 * pipes it gives the container (podman's conmon does the same; our own
 * descriptors could be a host file or directory the container would reach
 * through /proc/self/fd/0), or with -t to the terminal it allocates in the
 * container's devpts (node can neither receive a pty master nor switch off
 * output processing). --preserve-fds hands the real descriptors 3.. over, as
 * podman does; `tspod cp` passes its own tar pipes (stdinFd/stdoutFd). */
function relays(io: LaunchIO): boolean {
  return !io.monitor && !io.passthrough && io.stdinFd === undefined && io.stdoutFd === undefined;
}

function spawnHelper(path: string, env: NodeJS.ProcessEnv, io: LaunchIO, preserveFds: number): HelperProcess {
  const extra = Array.from({ length: preserveFds }, (_, i) => 3 + i);
  const stdin = io.stdinFd ?? (io.interactive ? 'inherit' : 'ignore');
  const child = spawn(path, [], { env, stdio: [stdin, io.stdoutFd ?? (io.detachStdout ? 'ignore' : 'inherit'), io.detachStderr ? 'ignore' : 'inherit', ...extra] });
  return helperProcess(path, child);
}

function helperProcess(path: string, child: ChildProcess): HelperProcess {
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (err) => reject(new TspodError(`cannot run ${path}: ${err.message} (was \`npm run build\` run?)`)));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? osSignal(signal) : 0)));
  });
  return { pid: child.pid ?? -1, exited, kill: (sig) => child.kill(sig) };
}

/** tspod-monitor daemonizes at once; the helper it starts connects to the sync socket. */
function spawnUnderMonitor(env: NodeJS.ProcessEnv, [exit, pidfile, exitCommand]: [string, string, string[]], io: LaunchIO): HelperProcess {
  const monitor = helperPath('tspod-monitor');
  const log = io.log;
  // tspod-monitor's options come in this order: -S or -j, -T, -t; a log file of "-" keeps none
  const logOpts = !log ? [] : 'journald' in log ? ['-j', ...log.journald] : log.maxSize ? ['-S', String(log.maxSize)] : [];
  const timeout = io.monitorTimeout ? ['-T', String(io.monitorTimeout)] : [];
  const tty = io.attachSocket ? ['-t', io.attachSocket] : io.streamSocket ? ['-s', io.streamSocket, ...(io.keepStdin ? ['-i'] : []), ...(io.waitAttach ? ['-w'] : [])] : [];
  if (io.notifySocket) tty.push('-n', io.notifySocket);
  const logFile = log && 'file' in log ? log.file : '-';
  const child = spawn(monitor, [...logOpts, ...timeout, ...tty, logFile, exit, pidfile, helperPath('tspod-launch'), '--', ...exitCommand], { env, stdio: 'ignore', detached: true });
  child.unref();
  const daemonized = new Promise<number>((resolve, reject) => {
    child.once('error', (err) => reject(new TspodError(`cannot run ${monitor}: ${err.message} (was \`npm run build\` run?)`)));
    child.once('exit', (code) => resolve(code ?? 125));
  });
  // The helper is the monitor's child: signals for it go through the container's pid later.
  return { pid: -1, exited: daemonized, kill: () => undefined };
}

function osSignal(name: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

export interface LaunchResult {
  exitCode: number;
}

export async function launch(plan: LaunchPlan, io: LaunchIO, hooks: LaunchHooks): Promise<LaunchResult> {
  const lines = planLines(plan);
  // The container joins the user's shared user namespace (a pod member joins its infra's; one
  // with a mapping of its own first mounts its rootfs in the shared one).
  if (!plan.podTarget || nested(plan)) {
    const holder = await ensureUserNamespace();
    lines.push(['userns_join', String(holder.pid), holder.start]);
  }
  // In a nested namespace the helper is not root over every file of the writable layer: tspod
  // removes it afterwards, as root of the shared namespace.
  return runHelper(lines, nested(plan) ? { ...io, removeLayers: false } : io, hooks, plan.preserveFds);
}

/** `tspod exec`: the same helper in exec mode, joining the namespaces of `target`. */
export interface ExecPlan {
  target: number;
  user: string;
  cwd: string;
  env: string[];
  argv: string[];
  tty: boolean;
  /** the container's caps, no_new_privs and seccomp lines (masks are already in place) */
  security: string[][];
  /** exec --preserve-fds: descriptors 3..3+N-1 handed to the process */
  preserveFds?: number;
}

export function execInContainer(p: ExecPlan, io: LaunchIO, hooks: LaunchHooks): Promise<LaunchResult> {
  const lines: string[][] = [['exec_target', String(p.target)], ['user', p.user], ['cwd', p.cwd], ['tty', p.tty ? '1' : '0'], ['preserve_fds', String(p.preserveFds ?? 0)]];
  for (const e of p.env) lines.push(['env', e]);
  for (const a of p.argv) lines.push(['arg', a]);
  lines.push(...withRules(p.security).filter((l) => l[0] !== 'mask' && l[0] !== 'readonly_path'), ...seccompCache(p.security));
  return runHelper(lines, io, hooks, p.preserveFds ?? 0);
}

async function runHelper(lines: string[][], io: LaunchIO, hooks: LaunchHooks, preserveFds: number): Promise<LaunchResult> {
  const ch = await SyncChannel.open();
  const env = { ...process.env, TSPOD_SYNC_SOCKET: ch.path };
  const path = helperPath('tspod-launch');
  const helper = io.monitor ? spawnUnderMonitor(env, io.monitor, io) : spawnHelper(path, env, io, preserveFds);
  // With -t, SIGHUP (our terminal went away) makes the helper hang up the container's terminal.
  const forwarded: NodeJS.Signals[] = io.sigProxy === false ? [] : ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP'];
  const forward = (sig: NodeJS.Signals) => helper.kill(sig);
  for (const s of forwarded) process.on(s, forward);
  let failure: TspodError | undefined;
  try {
    // The monitor's first process exits once it has daemonized: wait for the helper instead.
    await ch.waitConnected(io.monitor ? new Promise((_, reject) => setTimeout(() => reject(new TspodError('the container helper did not start within 30 s (see the container log)')), 30_000).unref()) : helper.exited);
    for (const fields of lines) ch.send(...fields);
    // The helper reads our stdin only for -i; it relays our stdio unless a monitor or `cp` gives it other fds.
    ch.send('interactive', io.interactive ? '1' : '0');
    ch.send('relay', relays(io) ? '1' : '0');
    // In front of tspod the relay logs run's output, as the monitor does a detached container's.
    if (io.log && relays(io)) ch.send(...('journald' in io.log ? ['log_journald', ...io.log.journald] : ['log_file', io.log.file, String(io.log.maxSize ?? 0)]));
    if (io.removeLayers && relays(io)) ch.send('remove_layers', '1');
    ch.send('end');
    for (;;) {
      const line = await ch.next();
      if (line === undefined) break;
      const [kind, a = '', b = ''] = line.split('\t');
      if (kind === 'started') {
        await hooks.started(Number(a));
        if (b === 'ack') ch.send('recorded');
      } else if (kind === 'execfail') {
        const errno = Number(a);
        failure = errno === 2
          ? new TspodError(`${b}: executable file not found in $PATH: no such file or directory in the container`, 127)
          : new TspodError(`${b}: cannot be executed in the container: ${({ 13: 'permission denied', 7: 'argument list too long', 8: 'exec format error (a binary for another architecture?)', 21: 'is a directory' } as Record<number, string>)[errno] ?? `errno ${errno}`}`, 126);
      } else if (kind === 'netns') {
        if (!hooks.netns) throw new TspodError('tspod-launch asked for network wiring that nothing provides');
        await hooks.netns(Number(a));
        ch.send('networked');
      } else if (kind === 'error') {
        failure = helperError(line);
      }
    }
    const exitCode = await helper.exited;
    if (failure) throw failure;
    return { exitCode: io.monitor ? 0 : exitCode };
  } catch (err) {
    helper.kill('SIGKILL');
    await helper.exited.catch(() => undefined);
    throw err;
  } finally {
    ch.close();
    for (const s of forwarded) process.off(s, forward);
  }
}
