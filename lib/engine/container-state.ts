// Where a container's runtime files live and how to read its processes:
// shared by run (which starts containers) and the lifecycle verbs; and finding them without a record.
import { readdirSync, readFileSync, rmSync, statSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { errnoCode } from '../util/errors.js';
import { join } from 'node:path';
import type { Store } from '../storage/store.js';
import type { ContainerRecord } from '../storage/containers.js';
import { tspodPaths } from '../config/paths.js';

/** The file a container's log driver writes (k8s-file and json-file: --log-opt path= or
 * userdata/ctr.log); none for none, passthrough and journald. */
export function logFileOf(store: Store, rec: ContainerRecord): string | undefined {
  const d = rec.config.logDriver;
  if (d === 'none' || d === 'passthrough' || d === 'journald') return undefined;
  return rec.config.logPath ?? containerFiles(store, rec.id).log;
}

export function containerFiles(store: Store, id: string) {
  const userdata = join(store.containers.dir(id), 'userdata');
  return {
    log: join(userdata, 'ctr.log'), exit: join(userdata, 'exit'), monitorPid: join(userdata, 'monitor.pid'),
    // Unix socket paths are short (108 bytes): this one lives in the runtime directory.
    attach: join(tspodPaths().runtime, `attach-${id.slice(0, 16)}`),
    slirpApi: join(tspodPaths().runtime, `slirp-${id.slice(0, 16)}.sock`),
  };
}

/** Wait until COND holds, at most MS. With WATCH (directories whose files change when COND may
 * turn: the monitor's exit file, a record's state), COND is checked on each change (inotify),
 * with a slow backstop for what is not a file event (a process ending); without, every 20 ms. */
export async function waitUntil(cond: () => boolean, ms: number, watch: string[] = []): Promise<boolean> {
  if (cond()) return true;
  if (!watch.length) {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }
  return new Promise<boolean>((resolve, reject) => {
    const watchers: FSWatcher[] = [];
    let done = false;
    const finish = (v: boolean | Error) => {
      if (done) return;
      done = true;
      clearInterval(backstop);
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      if (v instanceof Error) reject(v);
      else resolve(v);
    };
    // COND runs in watcher and timer callbacks: what it throws (an unreadable record) ends the
    // wait with that error instead of escaping as an uncaught exception.
    const holds = (): boolean | Error => {
      try {
        return cond();
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    };
    const check = () => {
      if (done) return;
      const v = holds();
      if (v !== false) finish(v);
    };
    for (const dir of watch) {
      try {
        const w = fsWatch(dir, { persistent: true }, check);
        w.on('error', () => undefined); // the directory went away: the backstop still checks
        watchers.push(w);
      } catch {
        /* gone already */
      }
    }
    const backstop = setInterval(check, 100);
    // setTimeout holds at most 2^31-1 ms; longer waits have no deadline
    const timer = ms < 2 ** 31 ? setTimeout(() => finish(holds()), ms) : undefined;
    check(); // once more now that the watches are set: no change between the first check and them is missed
  });
}

/** Field 22 of /proc/PID/stat: tells a process apart from a later one with the same pid. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A pid names a live process: it exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export interface ExitRecord {
  exitCode: number;
  finishedAt: string;
}

export function readExit(store: Store, id: string): ExitRecord | undefined {
  try {
    return JSON.parse(readFileSync(containerFiles(store, id).exit, 'utf8')) as ExitRecord;
  } catch {
    return undefined;
  }
}


interface ProcEntry {
  pid: number;
  ppid: number;
  start: string;
  uid: number;
  comm: string;
  cmd: string;
}

function procTable(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.push({ pid: Number(d), ppid: Number(f[1]), start: f[19]!, uid: statSync(`/proc/${d}`).uid, comm, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8') });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The processes of one container (or, without an id, of every container of this store) found
 * without its record: the monitor and fuse-overlayfs name the container's directory in their
 * arguments (a path under this store's root, so never another store's or podman's process),
 * slirp4netns its API socket; the helper that started them and everything below them follow.
 * Each comes with its start time, to be checked again right before it is signalled. */
export function containerProcesses(store: Store, id?: string): Array<{ pid: number; start: string }> {
  const table = procTable();
  const me = process.getuid!();
  const marks = id ? [`${store.containers.dir(id)}/`, containerFiles(store, id).slirpApi] : [`${join(store.root, 'containers')}/`];
  const ancestors = new Set<number>();
  for (let p: number | undefined = process.pid; p && !ancestors.has(p); p = table.find((e) => e.pid === p)?.ppid) ancestors.add(p);
  const byPid = new Map(table.map((e) => [e.pid, e]));
  const found = new Map<number, ProcEntry>();
  for (const e of table) {
    if (e.uid !== me || ancestors.has(e.pid) || !marks.some((m) => e.cmd.includes(m))) continue;
    found.set(e.pid, e);
    // fuse-overlayfs and slirp4netns are children of the helper, whose other child is the container.
    const parent = byPid.get(e.ppid);
    if (parent && parent.uid === me && !ancestors.has(parent.pid) && /^(tspod-[a-z]+|\d+)$/.test(parent.comm)) found.set(parent.pid, parent);
  }
  // Everything below them (the container's processes), best effort.
  for (let grew = true; grew;) {
    grew = false;
    for (const e of table) {
      if (!found.has(e.pid) && found.has(e.ppid) && !ancestors.has(e.pid)) {
        found.set(e.pid, e);
        grew = true;
      }
    }
  }
  return [...found.values()].map((e) => ({ pid: e.pid, start: e.start }));
}

/** SIGKILL each process that is still the one found (same start time), then wait for them to go. */
export async function killProcesses(procs: Array<{ pid: number; start: string }>): Promise<void> {
  for (const p of procs) {
    if (processStartTime(p.pid) !== p.start) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone, or not ours to signal (a subordinate id in the container): it dies with the helper */
    }
  }
  await waitUntil(() => procs.every((p) => processStartTime(p.pid) !== p.start || !processAlive(p.pid)), 10_000);
}

/** Unix socket paths some socket is bound to in this network namespace (undefined: cannot tell). */
function boundSocketPaths(): Set<string> | undefined {
  try {
    return new Set(readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)[7] ?? '').filter((p) => p.startsWith('/')));
  } catch {
    return undefined;
  }
}

/** Remove the sync and slirp API sockets a killed tspod (kill -9 during `run -d`) left in the
 * runtime directory. A path some socket is still bound to is never touched (a connect to a live
 * sync socket would take the place of the helper it waits for); the others go once a connect
 * is refused, which proves nobody listens there. */
export async function sweepRuntimeSockets(): Promise<string[]> {
  const dir = tspodPaths().runtime;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^(sync|slirp)-[0-9a-f]+\.sock$/.test(n));
  } catch {
    return [];
  }
  const removed: string[] = [];
  if (!names.length) return removed;
  const bound = boundSocketPaths();
  if (!bound) return removed;
  // Loaded only when there is a leftover to probe: every command opens the store, few sweep.
  const { connect } = await import('node:net');
  for (const n of names) {
    const path = join(dir, n);
    if (bound.has(path)) continue;
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(path);
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (err) => resolve(errnoCode(err) === 'ECONNREFUSED'));
    });
    if (refused && boundSocketPaths()?.has(path) === false) {
      rmSync(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
