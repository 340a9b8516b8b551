// The container lifecycle after `run`: list, remove, stop, kill, wait, start,
// logs, restart policies, rename, top, diff, export, commit. A container whose process is
// gone is reported as exited (from its exit file), never waited for.
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { currentIdMappings } from '../runtime/idmap.js';
import { stopUserNamespaceIfUnused } from '../runtime/pause.js';
import { exportFilesystem, insideUserNamespace, mountContainerRoot, mountPoints, packUpperLayer, runInUserns, unmountContainerRoot } from '../runtime/userns.js';
import { commitImage } from '../image/commit.js';
import { localImageName } from '../image/resolve.js';
import type { ImageRecord } from '../storage/images.js';
import type { ContainerRecord, ContainerSummary, PortSpec } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { containerCleanup } from './cleanup.js';
import { containerFiles, containerProcesses, logFileOf, killProcesses, processAlive, processStartTime, readExit, waitUntil } from './container-state.js';
import { openStore } from './store.js';
import { parseSignal } from '../spec/signals.js';
import { constants } from 'node:os';

const osSignals = constants.signals as Record<string, number>;
import { dirSize, findContainerIn, liveState, parseFilters, podIdsFor, selectContainers } from './container-list.js';

// The lookups and listing live in container-list.ts (light enough for ps); re-exported for the verbs.
export { containerList, containerNamespaces, healthOf, containerRwSize, dirSize, findContainer, findContainerIn, liveState, parseFilters, podIdsFor, podNames, selectContainers } from './container-list.js';
export type { ContainerFilter, Selection } from './container-list.js';

export interface RmReport {
  id: string;
  /** the name or id as the user gave it (podman prints that back) */
  ref?: string;
  error?: string;
  /** podman's code for this failure: 1 no such container, 2 running without force */
  exitCode?: number;
}

/** `volumes` (rm -v): the container's anonymous volumes go too. */
export async function containerRemove(refs: string[], force: boolean, all: boolean, volumes = false): Promise<RmReport[]> {
  const store = openStore();
  const { dependentsIndex, dependentsFirst } = await import('./dependencies.js');
  const dependents = dependentsIndex(store);
  const found: Array<{ ref: string; rec?: ContainerRecord; error?: string }> = (all ? store.containers.list().map((c) => c.id) : refs).map((ref) => {
    try {
      return { ref, rec: liveState(findContainerIn(store, ref), store) };
    } catch (err) {
      return { ref, error: (err as Error).message };
    }
  });
  // each container after those of the others that depend on it (rm -a, pod rm, several names)
  const ids = found.flatMap((t) => (t.rec ? [t.rec.id] : []));
  const order = dependentsFirst(dependents, ids);
  const targets = order.join() === ids.join() ? found : [...found.filter((t) => !t.rec), ...order.map((id) => found.find((t) => t.rec?.id === id)!)];
  const reports: RmReport[] = [];
  for (const t of targets) {
    if (!t.rec) {
      reports.push({ id: t.ref, ref: t.ref, error: t.error, exitCode: /no such container/.test(t.error ?? '') ? 1 : 125 });
      continue;
    }
    if (!all && t.rec.config.infraOf && store.pods.get(t.rec.config.infraOf)) {
      reports.push({ id: t.ref, error: `container ${t.rec.id} is the infra container of pod ${t.rec.config.infraOf} and cannot be removed without removing the pod\n(remove the pod: \`tspod pod rm ${store.pods.get(t.rec.config.infraOf)!.name}\`)` });
      continue;
    }
    // podman's refusal (after the one for a running container without -f): its dependents go first (rm --depend)
    // (those this rm removed already are gone from the store)
    const left = t.rec.state.status === 'running' && !force ? [] : (dependents.get(t.rec.id) ?? []).filter((d) => existsSync(store.containers.dir(d)));
    if (left.length) {
      reports.push({ id: t.ref, ref: t.ref, error: `container ${t.rec.id} has dependent containers which must be removed before it: ${left.join(', ')}: container already exists\n(remove them first, or all together with \`tspod rm --depend ${t.ref}\`)`, exitCode: 125 });
      continue;
    }
    if (t.rec.state.status === 'error') {
      // Its record cannot tell its processes: the store's runtime files and /proc do.
      const procs = containerProcesses(store, t.rec.id);
      if (procs.length && !force) {
        reports.push({ id: t.ref, error: `container ${t.rec.id.slice(0, 12)} has an unreadable record and still runs: remove it with -f` });
        continue;
      }
      await killProcesses(procs);
    } else if (t.rec.state.status === 'running') {
      if (!force) {
        reports.push({ id: t.ref, ref: t.ref, error: `cannot remove container ${t.rec.id} as it is running - running or paused containers cannot be removed without force: container state improper`, exitCode: 2 });
        continue;
      }
      await markStoppedByUser(store, t.rec.id);
      try {
        if (processStartTime(t.rec.state.pid!) === t.rec.state.pidStart || t.rec.state.pidStart === undefined) process.kill(t.rec.state.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      // Let the monitor log the end and its cleanup record it before the files go.
      const pid = t.rec.state.pid!;
      await waitUntil(() => !processAlive(pid), 10_000, [join(store.containers.dir(t.rec.id), 'userdata')]);
      await waitForExitRecorded(store, t.rec, 10_000);
    }
    await store.lockedContainer(t.rec.id, () => removeContainerDir(store, t.rec!.id, t.rec!.name));
    if (volumes) {
      const { removeAnonymousVolumes } = await import('./volumes.js');
      await removeAnonymousVolumes(store, t.rec);
    }
    reports.push({ id: t.rec.id, ref: all ? undefined : t.ref });
  }
  return reports;
}

/** Remove a container's directory: the record first (the user's own files, so this works even
 * when the user namespace cannot be entered), then the rest as root of the user namespace. */
export async function removeContainerDir(store: Store, id: string, name?: string): Promise<void> {
  const dir = store.containers.dir(id);
  // its leases on user networks go with it (its cleanup may come after the record is gone: rm -f)
  let onNetworks: ContainerRecord | undefined;
  try {
    onNetworks = store.containers.get(id);
  } catch {
    onNetworks = undefined;
  }
  if (onNetworks?.config.networks) {
    const { releaseContainerNetworks } = await import('./networks.js');
    await releaseContainerNetworks(onNetworks).catch(() => undefined);
  }
  (await import('./cgroups.js')).removeCgroupOf(id);
  for (const f of ['state.json', 'container.json']) rmSync(join(dir, f), { force: true });
  store.containers.forget(id, name);
  // Plain removal first: a container that never ran, or whose writable layer its helper already
  // removed (run --rm), holds only the user's own files. Files of subordinate ids need the
  // user namespace's root.
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    await store.ops.remove([dir]);
  }
  // The last container gone: the user namespace's holder goes too (runtime/pause.ts).
  await stopUserNamespaceIfUnused();
}

// ---- the detached lifecycle -------------------------------------------------
/** `container-cleanup ID`: what the monitor's exit command runs once the container exited. */
/** `container cleanup` as a user runs it: the named (or --all, --latest) containers that are not
 * running get the cleanup the monitor does at exit; --rm removes them, --rmi their images too,
 * --exec SESSION only removes that exec session's files. Returns the ids acted on. */
export async function cleanupRequested(o: { refs: string[]; all: boolean; latest: boolean; rm: boolean; rmi: boolean; exec?: string }): Promise<string[]> {
  const store = openStore();
  const ids = selectContainers({ refs: o.refs, all: o.all, latest: o.latest }, 'cleanup').map((r) => findContainerIn(store, r).id);
  const done: string[] = [];
  for (const id of ids) {
    const rec = liveState(findContainerIn(store, id), store);
    if (o.exec !== undefined) {
      if (!/^[0-9a-f]{1,64}$/.test(o.exec)) throw new TspodError(`invalid exec session id "${o.exec}"`);
      const dir = join(store.containers.dir(id), 'userdata');
      const match = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`exec-${o.exec}`)) : [];
      if (!match.length) throw new TspodError(`no exec session with ID ${o.exec} found in container ${id.slice(0, 12)}: no such exec session`);
      for (const m of match) rmSync(join(dir, m), { recursive: true, force: true });
      done.push(id);
      continue;
    }
    if (rec.state.status === 'running') {
      if (o.all) continue;
      throw new TspodError(`container ${id} is running or paused, refusing to clean up: container state improper`);
    }
    if (rec.state.status !== 'created') await containerCleanup(id);
    if (o.rm || o.rmi) {
      const [r] = await containerRemove([id], false, false);
      if (r?.error) throw new TspodError(r.error);
      if (o.rmi) {
        const { imageRemove } = await import('./images.js');
        const [ir] = await imageRemove([rec.imageId.slice(7)], false);
        if (ir?.error && !/in use|used by/.test(ir.error)) throw new TspodError(ir.error);
      }
    }
    done.push(id);
  }
  return done;
}

/** stop, kill and rm say the user wants it down: no restart. */
async function markStoppedByUser(store: Store, id: string, stopping = false): Promise<void> {
  await store.lockedContainer(id, async () => {
    const rec = store.containers.get(id);
    if (!rec) return;
    rec.state.stoppedByUser = true;
    // stop, while it waits for the container: inspect says 'stopping' (podman); the next start clears it
    if (stopping && rec.state.status === 'running') rec.state.stopping = true;
    store.containers.save(rec);
  });
}

function running(rec: ContainerSummary): boolean {
  return liveState(rec).state.status === 'running';
}


function lookup(ref: string): { store: Store; rec: ContainerRecord } {
  const store = openStore();
  const rec = findContainerIn(store, ref);
  if (rec.state.status === 'error') throw new TspodError(`container ${rec.id.slice(0, 12)}: ${rec.state.error}: only \`tspod rm -f ${rec.id.slice(0, 12)}\` applies to it`);
  return { store, rec };
}

export async function containerKill(ref: string, sig = 'KILL'): Promise<string> {
  const { store, rec } = lookup(ref);
  const n = parseSignal(sig);
  if (!running(rec)) throw new TspodError(`can only kill running containers. ${rec.id.slice(0, 12)} is in state ${liveState(rec).state.status}`);
  if (n === 9 || n === 15) await markStoppedByUser(store, rec.id);
  process.kill(rec.state.pid!, n);
  return rec.id;
}

/** The states `wait --condition` accepts (podman's names). */
export const waitConditions = ['configured', 'created', 'exited', 'paused', 'running', 'stopped', 'stopping', 'removing'];

/** Wait until the container reaches CONDITION (default: it has stopped) and answer its exit code
 * (-1 while it has none), as podman's wait prints. `interval`: milliseconds between looks. */
export async function containerWait(ref: string, condition = 'stopped', interval = 250): Promise<number> {
  if (!waitConditions.includes(condition)) throw new TspodError(`unknown container state: ${condition}: invalid argument`);
  const { store, rec } = lookup(ref);
  const poll = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setTimeout(r, Math.max(1, interval)));
  };
  const now = () => liveState(store.containers.get(rec.id) ?? rec, store).state.status;
  if (condition === 'running') {
    await poll(() => now() === 'running');
    return store.containers.get(rec.id)?.state.exitCode ?? -1;
  }
  if (condition === 'created' || condition === 'configured') {
    await poll(() => now() === 'created');
    return -1;
  }
  if (condition === 'paused') throw new TspodError('tspod cannot pause containers (no cgroup freezer): waiting for "paused" would never end');
  const dir = store.containers.dir(rec.id);
  await waitUntil(() => !running(store.containers.get(rec.id) ?? rec), 365 * 24 * 3600_000, [dir, join(dir, 'userdata')]);
  // The monitor's cleanup writes the final state a moment after the process ends.
  await waitUntil(() => readExit(store, rec.id) !== undefined || store.containers.get(rec.id)?.state.status === 'exited', 5000, [dir, join(dir, 'userdata')]);
  const after = store.containers.get(rec.id);
  return readExit(store, rec.id)?.exitCode ?? after?.state.exitCode ?? -1;
}

/** SIGTERM (or the image's StopSignal), then SIGKILL after `timeout` seconds (the container's
 * --stop-timeout when not given, else 10). */
export async function containerStop(ref: string, timeoutGiven?: number, stopSignal?: string): Promise<string> {
  const { store, rec } = lookup(ref);
  const timeout = timeoutGiven ?? rec.config.stopTimeout ?? 10;
  const sig = parseSignal(stopSignal ?? rec.config.stopSignal ?? 'TERM');
  // Marked first, even when it is not running: a restart policy must not bring it back.
  await markStoppedByUser(store, rec.id, true);
  const fresh = store.containers.get(rec.id) ?? rec;
  if (!running(fresh)) return rec.id; // podman: stopping a stopped container is not an error
  rec.state = fresh.state;
  const gone = () => !running(store.containers.get(rec.id) ?? rec);
  const userdata = join(store.containers.dir(rec.id), 'userdata');
  // As podman: with a timeout of 0 the container gets SIGKILL at once; otherwise the stop
  // signal, and SIGKILL with a warning when the timeout passes.
  if (timeout > 0) {
    try {
      process.kill(rec.state.pid!, sig);
    } catch {
      /* exited meanwhile */
    }
  }
  if (timeout === 0 || !(await waitUntil(gone, timeout * 1000, [userdata]))) {
    if (timeout > 0) {
      const name = Object.entries(osSignals).find(([, n]) => n === sig)?.[0] ?? String(sig);
      process.stderr.write(`WARN[${String(timeout).padStart(4, '0')}] StopSignal ${name} failed to stop container ${rec.name} in ${timeout} seconds, resorting to SIGKILL\n`);
    }
    try {
      process.kill(rec.state.pid!, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
    await waitUntil(gone, 10_000, [userdata]);
  }
  await waitForExitRecorded(store, rec, 5000);
  return rec.id;
}

/** After the container's process ended: until the monitor's cleanup recorded the exit (the
 * record no longer names that monitor, or is gone with --rm), or the monitor is gone. Woken by
 * the record's changes, not by polling. */
async function waitForExitRecorded(store: Store, rec: ContainerRecord, ms: number): Promise<void> {
  const monitor = rec.state.monitorPid;
  if (!monitor) return;
  // A pod member (the pod's exit policy), --rm and --rmi: the cleanup goes on after recording the
  // exit, and what it does must be done when stop returns: until the monitor's process ends.
  if (rec.config.pod || rec.config.autoRemove || rec.config.rmi) {
    await waitUntil(() => !processAlive(monitor), ms);
    return;
  }
  const dir = store.containers.dir(rec.id);
  await waitUntil(() => {
    if (!processAlive(monitor)) return true;
    const now = store.containers.get(rec.id);
    return !now || now.state.status !== 'running' || now.state.monitorPid !== monitor;
  }, ms, [dir]);
}

/** waitAttach (start -a -i of a container without a terminal): its monitor holds the output back
 * until the attach that follows has connected. */
export async function containerStart(ref: string, o: { waitAttach?: boolean } = {}): Promise<string> {
  const { store, rec } = lookup(ref);
  if (running(rec)) return rec.id;
  if (!rec.plan) throw new TspodError(`container ${rec.id.slice(0, 12)} has no launch plan (made by an older tspod): remove it and run it again`);
  const { startDetached } = await import('./run.js');
  // Under its lock: two starts, or a start and a restart policy's, launch it once.
  await store.lockedContainer(rec.id, async () => {
    const now = store.containers.get(rec.id);
    if (!now) throw new TspodError(`container ${rec.id.slice(0, 12)} was removed meanwhile`);
    if (running(liveState(now, store))) return;
    now.state.stoppedByUser = false;
    now.state.restartCount = 0;
    try {
      await startDetached(store, now, o);
    } catch (err) {
      // podman's start: a command that cannot be found or run is its own error (125), not run's 126/127
      if (err instanceof TspodError && (err.exitCode === 126 || err.exitCode === 127)) throw new TspodError(`unable to start container "${rec.id}": ${err.message}`, 125);
      throw err;
    }
  });
  return rec.id;
}

export interface LogEntry {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseLogLine(line: string): LogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
  return m ? { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4]! } : undefined;
}

export interface LogsOptions {
  follow: boolean;
  tail?: number;
  since?: string;
  /** show only lines before this time (podman's --until: a duration before now, or a time) */
  until?: string;
  timestamps: boolean;
}

/** Parse --since: a duration (10s, 5m, 2h) before now, or a time. */
export function parseSince(since: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(since);
  if (d) return now - Number(d[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[d[2]!]!;
  const t = Date.parse(since);
  if (Number.isNaN(t)) throw new TspodError(`--since "${since}": give a duration (10s, 5m, 2h) or a time (2026-11-25T10:00:00Z)`);
  return t;
}

/** Write the container's log to `out`/`err`; with follow, until the container exits. */
export async function containerLogs(ref: string, opts: LogsOptions, write: (e: LogEntry, text: string) => void): Promise<void> {
  const { store, rec } = lookup(ref);
  if (rec.config.logDriver === 'none' || rec.config.logDriver === 'passthrough') throw new TspodError(`this container is using the '${rec.config.logDriver}' log driver, cannot read logs: this container is not logging output`);
  const path = logFileOf(store, rec) ?? containerFiles(store, rec.id).log;
  const since = opts.since ? parseSince(opts.since) : undefined;
  const until = opts.until ? parseSince(opts.until) : undefined;
  const show = (e: LogEntry) => {
    if (since !== undefined && Date.parse(e.time) < since) return;
    if (until !== undefined && Date.parse(e.time) > until) return;
    write(e, `${opts.timestamps ? `${e.time} ` : ''}${e.text}${e.partial ? '' : '\n'}`);
  };
  let offset = 0;
  let pending = '';
  let cursor: string | undefined;
  const journal = rec.config.logDriver === 'journald' ? await import('./journal.js') : undefined;
  const readNew = (): LogEntry[] => {
    if (journal) {
      const r = journal.readJournal(rec.id, cursor);
      cursor = r.cursor;
      return r.entries;
    }
    if (!existsSync(path)) return [];
    const size = statSync(path).size;
    if (size <= offset) return [];
    const buf = Buffer.alloc(size - offset);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, offset);
    } finally {
      closeSync(fd);
    }
    offset = size;
    const lines = (pending + buf.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    return lines.map(parseLogLine).filter((e): e is LogEntry => e !== undefined);
  };
  let first = readNew();
  if (opts.tail !== undefined) first = opts.tail === 0 ? [] : first.slice(-opts.tail);
  first.forEach(show);
  if (!opts.follow) return;
  for (;;) {
    const stillRunning = running(store.containers.get(rec.id) ?? rec);
    readNew().forEach(show);
    if (!stillRunning) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  readNew().forEach(show);
}

/** `container prune`: remove every stopped (exited or created) container the filters match; the
 * ids removed and the space their directories took. */
export async function containerPrune(filters: string[]): Promise<Array<{ id: string; size: number }>> {
  const store = openStore();
  const fs = parseFilters(filters.filter((f) => !f.startsWith('until=')), podIdsFor);
  const until = filters.filter((f) => f.startsWith('until=')).map((f) => parseSince(f.slice(6)));
  const victims = store.containers.summaries().map((c) => liveState(c, store))
    .filter((c) => (c.state.status === 'exited' || c.state.status === 'created') && !c.config.infraOf)
    .filter((c) => fs.every((f) => f.match(c)) && until.every((t) => Date.parse(c.created) < t));
  // one rm of them all: it puts dependents first
  const sizes = new Map(victims.map((c) => [c.id, dirSize(store.containers.dir(c.id))]));
  const reports = await containerRemove(victims.map((c) => c.id), false, false);
  return reports.filter((r) => !r.error && sizes.has(r.id)).map((r) => ({ id: r.id, size: sizes.get(r.id)! }));
}

/** How logs of several containers name each line: the short id, or the name. */
export function containerLabel(ref: string, byName: boolean): string {
  const rec = findContainerIn(openStore(), ref);
  return byName ? rec.name : rec.id.slice(0, 12);
}

/** `container init`: prepare a created container so that start has nothing left to do. tspod
 * prepares everything at create time, so init checks the container and answers its id. */
export function containerInit(ref: string): string {
  const { store, rec } = lookup(ref);
  const st = liveState(rec, store).state.status;
  if (st !== 'created') throw new TspodError(`container ${rec.id} has already been created in runtime: container state improper`);
  return rec.id;
}

export async function containerRename(ref: string, name: string): Promise<void> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new TspodError(`invalid container name "${name}": use letters, digits, '_', '.', '-'`);
  const store = openStore();
  await store.locked(async () => {
    const rec = lookup(ref).rec;
    const clash = store.containers.nameTaken(name);
    if (clash && clash !== rec.id) throw new TspodError(`the container name "${name}" is already in use by ${clash.slice(0, 12)}`);
    rec.name = name;
    store.containers.save(rec);
  });
}

export interface TopRow {
  USER: string;
  PID: string;
  PPID: string;
  '%CPU': string;
  ELAPSED: string;
  TTY: string;
  TIME: string;
  COMMAND: string;
  /** more columns, for top's format descriptors */
  GROUP: string;
  NI: string;
  VSZ: string;
  HPID: string;
  HUSER: string;
  COMM: string;
  STATE: string;
}

/** podman's top descriptors (AIX format) and the column each shows. */
export const topDescriptors: Record<string, keyof TopRow> = {
  user: 'USER', pid: 'PID', ppid: 'PPID', pcpu: '%CPU', etime: 'ELAPSED', tty: 'TTY', time: 'TIME', args: 'COMMAND',
  comm: 'COMM', group: 'GROUP', nice: 'NI', vsz: 'VSZ', hpid: 'HPID', huser: 'HUSER', state: 'STATE',
};

/** `top`: the processes in the container's pid namespace, read from the host's /proc. */
export function containerTop(ref: string): TopRow[] {
  const { store, rec } = lookup(ref);
  const live = liveState(rec, store);
  if (live.state.status !== 'running') throw new TspodError(`top can only be used on running containers: ${rec.id.slice(0, 12)} is ${live.state.status}`);
  const nsOf = (pid: string) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/pid`);
    } catch {
      return undefined;
    }
  };
  const ns = nsOf(String(rec.state.pid));
  const hz = 100;
  const bootSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const rows: TopRow[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (nsOf(pid) !== ns) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const field = (k: string) => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '';
      const nspid = field('NSpid').split(/\s+/);
      const nsppid = (() => {
        const ppid = field('PPid');
        const p = readFileSync(`/proc/${ppid}/status`, 'utf8');
        return /^NSpid:\s+(.*)$/m.exec(p)?.[1]?.split(/\s+/).pop() ?? '0';
      })();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / hz;
      const elapsed = bootSeconds - Number(f[19]) / hz;
      const uid = Number(field('Uid').split(/\s+/)[0]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      const dur = (s: number) => `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${(s % 60).toFixed(9).replace(/\.?0+$/, '')}s`.replace(/^0h/, '').replace(/^0m/, '');
      const gid = Number(field('Gid').split(/\s+/)[0]);
      rows.push({
        GROUP: containerUid(gid, 'gid'), NI: f[16]!, VSZ: String(Math.round(Number(f[20]) / 1024)), HPID: pid, HUSER: String(uid),
        COMM: field('Name'), STATE: f[0]!,
        USER: containerUid(uid),
        PID: nspid[nspid.length - 1]!, PPID: nspid[nspid.length - 1] === '1' ? '0' : nsppid,
        '%CPU': elapsed > 0 ? ((cpu / elapsed) * 100).toFixed(3) : '0.000', ELAPSED: dur(elapsed), TTY: '?', TIME: dur(cpu), COMMAND: cmd,
      });
    } catch {
      /* exited while we looked */
    }
  }
  return rows.sort((a, b) => Number(a.PID) - Number(b.PID));
}

/** A host uid as the container sees it: the user is root, the subuid range 1..N. */
function containerUid(hostUid: number, kind: 'uid' | 'gid' = 'uid'): string {
  if (hostUid === (kind === 'uid' ? process.getuid?.() : process.getgid?.())) return 'root';
  try {
    const m = currentIdMappings();
    const range = kind === 'uid' ? m.subuid : m.subgid;
    if (hostUid >= range.start && hostUid < range.start + range.count) return String(hostUid - range.start + 1);
  } catch {
    /* no mapping known: show the host uid */
  }
  return String(hostUid);
}

/** `export`: a tar of the container's file system to FD (a file, or stdout). */
export async function containerExport(ref: string, fd: number): Promise<void> {
  const { rec } = lookup(ref);
  const plan = rec.plan as { upperDir: string; lowerDirs: string[] } | undefined;
  if (!plan) throw new TspodError(`container ${rec.id.slice(0, 12)} has no layer information (made by an older tspod)`);
  await exportFilesystem(plan.upperDir, plan.lowerDirs, fd);
}

/** `unshare [COMMAND]`: a command as root of the user's user namespace, in a mount namespace of its own. */
export async function unshareRun(command: string[]): Promise<number> {
  const argv = command.length ? command : [process.env.SHELL || '/bin/sh'];
  const r = await runInUserns(['unshare', '-m', '--propagation', 'private', '--', ...argv], { inherit: true });
  return r.exitCode;
}

function mustBeUnshared(verb: string): void {
  if (!insideUserNamespace()) {
    throw new TspodError(`cannot run \`tspod ${verb}\` in rootless mode outside the user namespace: the container's files belong to it. Run it inside \`tspod unshare\` (e.g. \`tspod unshare tspod ${verb} CONTAINER\`)`);
  }
}

/** `mount CONTAINER`: its file system at its merged directory, in this (unshared) mount namespace;
 * read-write while the container is stopped, read-only while it runs (its own mount writes then). */
export function containerMount(ref: string): string {
  mustBeUnshared('mount');
  const { store, rec } = lookup(ref);
  const plan = rec.plan as { upperDir: string; lowerDirs: string[]; mergedDir: string } | undefined;
  if (!plan) throw new TspodError(`container ${rec.id.slice(0, 12)} has no layer information (made by an older tspod)`);
  if (mountPoints().has(plan.mergedDir)) return plan.mergedDir;
  const running = liveState(rec, store).state.status === 'running';
  const workDir = join(store.containers.dir(rec.id), 'kwork');
  mkdirSync(workDir, { recursive: true });
  mkdirSync(plan.mergedDir, { recursive: true });
  mountContainerRoot({ upperDir: plan.upperDir, lowerDirs: plan.lowerDirs, workDir: running ? undefined : workDir }, plan.mergedDir);
  return plan.mergedDir;
}

/** `mount` without arguments: the containers mounted in this mount namespace. */
export function mountedContainers(): Array<{ id: string; name: string; path: string }> {
  mustBeUnshared('mount');
  const store = openStore();
  const points = mountPoints();
  return store.containers.list()
    .map((c) => ({ id: c.id, name: c.name, path: (c.plan as { mergedDir?: string } | undefined)?.mergedDir ?? '' }))
    .filter((c) => c.path && points.has(c.path));
}

export function containerUnmount(ref: string): string {
  mustBeUnshared('unmount');
  const { rec } = lookup(ref);
  const merged = (rec.plan as { mergedDir?: string } | undefined)?.mergedDir;
  if (!merged || !mountPoints().has(merged)) throw new TspodError(`container ${rec.id.slice(0, 12)} is not mounted in this mount namespace`);
  unmountContainerRoot(merged);
  return rec.id;
}

export interface CommitRequest {
  changes: string[];
  message?: string;
  author?: string;
  /** the new image's name; none leaves it unnamed, as podman */
  name?: string;
  /** --format oci|docker */
  format?: string;
  /** --include-volumes: the container's volume and bind destinations become image VOLUMEs */
  includeVolumes?: boolean;
  /** --squash: the whole file system as the image's one layer */
  squash?: boolean;
}

/** `commit`: the container's writable layer over its image, as a new image. */
export async function containerCommit(ref: string, req: CommitRequest): Promise<ImageRecord> {
  const { store, rec } = lookup(ref);
  const plan = rec.plan as { upperDir: string } | undefined;
  if (!plan) throw new TspodError(`container ${rec.id.slice(0, 12)} has no layer information (made by an older tspod)`);
  if (rec.config.infraOf) throw new TspodError(`container ${rec.id.slice(0, 12)} is a pod's infra container: it has no image to build on`);
  const base = store.images.get(rec.imageId);
  if (!base) throw new TspodError(`the image of container ${rec.id.slice(0, 12)} (${rec.imageName}) is no longer stored; its layers cannot be committed`);
  const format = req.format ?? 'oci';
  if (format !== 'oci' && format !== 'docker') throw new TspodError(`unrecognized image format "${format}"`);
  const changes = [...req.changes];
  if (req.includeVolumes) {
    const dests = rec.config.mounts.filter((m) => m.type !== 'tmpfs').map((m) => m.destination);
    if (dests.length) changes.push(`VOLUME ${JSON.stringify(dests)}`);
  }
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const work = mkdtempSync(join(store.root, 'tmp', 'commit-'));
  try {
    const tarFile = join(work, 'layer.tar');
    if (req.squash) {
      const fd = openSync(tarFile, 'w', 0o600);
      try {
        await exportFilesystem(plan.upperDir, (plan as { lowerDirs?: string[] }).lowerDirs ?? [], fd);
      } finally {
        closeSync(fd);
      }
    } else {
      await packUpperLayer(plan.upperDir, tarFile);
    }
    return await commitImage(store, base, tarFile, {
      changes, message: req.message, author: req.author,
      names: req.name ? [localImageName(req.name)] : [],
      createdBy: rec.command.join(' '),
      format, squash: req.squash,
      // as podman: the image runs what the container ran (--entrypoint, the command)
      ...(rec.config.entrypoint ? { run: { entrypoint: rec.config.entrypoint, cmd: rec.command.slice(rec.config.entrypoint.length) } } : {}),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface DiffEntry {
  kind: 'A' | 'C' | 'D';
  path: string;
}

/** `diff`: what the container's writable layer adds (A), changes (C) or deletes (D). */
export function containerDiff(ref: string): DiffEntry[] {
  const { rec } = lookup(ref);
  const plan = rec.plan as { upperDir: string; lowerDirs: string[] } | undefined;
  if (!plan) throw new TspodError(`container ${rec.id.slice(0, 12)} has no layer information (made by an older tspod)`);
  // tspod's own mount targets appear in every container: not the user's changes.
  // /run/secrets (--secret) is an empty directory tspod made to bind the secrets on, /run/.containerenv
  // an empty file; /run itself changes with them, or is made for them (podman leaves all out of diff).
  const entries = layerDiff(plan.upperDir, plan.lowerDirs, ['etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'run/secrets', 'run/.containerenv']);
  const runHasOthers = entries.some((e) => e.path.startsWith('/run/'));
  // the /etc/mtab link tspod-launch adds to an image without one (podman's diff leaves it out too)
  const mtab = join(plan.upperDir, 'etc', 'mtab');
  const ownMtab = (() => {
    try {
      return lstatSync(mtab).isSymbolicLink() && readlinkSync(mtab) === '/proc/mounts';
    } catch {
      return false;
    }
  })();
  return entries.filter((e) => !(e.path === '/run' && (e.kind === 'C' || !runHasOthers)) && !(ownMtab && e.kind === 'A' && e.path === '/etc/mtab'));
}

/** What directory UPPER adds (A), changes (C) or deletes (D, overlay whiteouts) over LOWER
 * directories; `skipEmpty`: relative paths left out when they are empty files. */
export function layerDiff(upper: string, lowers: string[], skipEmpty: string[] = []): DiffEntry[] {
  const inLower = (rel: string) => lowers.some((l) => {
    try {
      lstatSync(join(l, rel));
      return true;
    } catch {
      return false;
    }
  });
  const out: DiffEntry[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(upper, rel));
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(upper, r));
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path: `/${r}` });
        continue;
      }
      if (skipEmpty.includes(r) && (st.isDirectory() ? readdirSync(join(upper, r)).length === 0 : st.size === 0)) continue;
      out.push({ kind: inLower(r) ? 'C' : 'A', path: `/${r}` });
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

/** Whether /sys/fs/cgroup is the cgroup v2 unified hierarchy. */
export function cgroupV2(): boolean {
  let mountinfo = '';
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    /* no /proc: treated as no cgroup v2 */
  }
  return mountinfo.split('\n').some((l) => l.includes(' /sys/fs/cgroup ') && l.includes(' - cgroup2 '));
}

/** pause/unpause need the cgroup freezer: podman's refusal on a cgroup v1 rootless host, and
 * tspod's own reason on v2 (containers have no cgroup of their own yet). */
export function containerPause(ref: string, pause: boolean): never {
  const { store, rec } = lookup(ref);
  const verb = pause ? 'pause' : 'unpause';
  const st = liveState(rec, store).state.status;
  if (pause && st !== 'running') throw new TspodError(`"${st}" is not running, can't pause: container state improper`);
  if (!cgroupV2()) throw new TspodError(`${verb} is not supported for cgroupv1 rootless containers`);
  throw new TspodError(`cannot ${verb} ${rec.name}: tspod does not place containers in cgroups of their own yet, so there is no freezer to use`);
}

/** stats (and pod stats) read the container's cgroup: refused as podman does without cgroup v2. */
export function statsUnsupported(verb: string): never {
  if (!cgroupV2()) throw new TspodError(`${verb} is not supported in rootless mode without cgroups v2`);
  throw new TspodError(`${verb}: tspod does not place containers in cgroups of their own yet, so there are no statistics to read`);
}

/** The ports a running container publishes (as bound by its current start). */
export function containerPorts(ref: string): PortSpec[] {
  const { store, rec } = lookup(ref);
  return liveState(rec, store).state.status === 'running' ? rec.state.ports ?? [] : [];
}
