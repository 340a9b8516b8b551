// The user's one user namespace, as podman keeps it with its pause process.
//
// The first command that needs the namespace starts a holder (`tspod-userns --pause`, named
// tspod-pause) that makes a new user namespace mapped from all of the user's /etc/subuid and
// /etc/subgid ranges (the user's own id as 0: idmap.ts), then sleeps on a signalfd. Its pid and
// start time are kept in the runtime directory (`pause.pid`, "PID START"), so a reused pid is
// never trusted. Containers (tspod-launch), tspod-userns commands (extraction, rm, cp, unshare,
// mount), the monitor's cleanup and pods' infra JOIN that namespace (helpers-c/common.h:
// join_userns_pid): newuidmap/newgidmap run once per holder, not once per container.
//
// Creation happens under a lock, so two concurrent commands make one holder; a dead holder is
// replaced by the next command. The holder exits when the user has no container left: the
// removal of the last container record, and a command that needed the namespace without any
// container existing (pull, load, volume rm...), tell it so (SIGUSR1); it lingers for
// TSPOD_PAUSE_LINGER seconds (default 10; 0 stops it at once), so that a script's next `run`
// finds it, then exits unless a container exists again (helpers-c/tspod-userns.c). `system
// reset` stops it at once. While any container exists the holder stays, and `run --rm` then
// costs no id mapping at all.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helperPath, tspodPaths, privateRuntimeDir } from '../config/paths.js';
import { withLockAsync } from '../storage/lock.js';
import { TspodError } from '../util/errors.js';
import { SyncChannel, helperError } from './sync.js';
import { writeIdMaps } from './idmap.js';

export interface UserNamespaceHolder {
  pid: number;
  /** field 22 of /proc/PID/stat when the holder was recorded */
  start: string;
  /** a holder that lingers when told the namespace is unused (SIGUSR1); one of an older tspod
   * (its pid file has no third field) ignores that signal and is stopped with SIGTERM */
  lingers?: boolean;
}

function pidFile(): string {
  return join(privateRuntimeDir(), 'pause.pid');
}

/** Field 22 of /proc/PID/stat. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2);
    if (rest[0] === 'Z') return undefined; // a zombie holds no namespace
    return rest.split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The holder this process started or found last (a `system reset` removes the pid file under it). */
let known: UserNamespaceHolder | undefined;

/** The live holder the pid file names, if any (checked by start time). */
export function currentHolder(): UserNamespaceHolder | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile(), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+) (\d+)( linger)?\n?$/.exec(text);
  if (!m) return undefined;
  const h = { pid: Number(m[1]), start: m[2]!, lingers: m[3] !== undefined };
  return startTime(h.pid) === h.start ? h : undefined;
}

/** The lock that serialises starting and stopping the holder (in the store, whose secret it uses). */
function lockSpec(): { root: string; name: string } {
  const root = tspodPaths().data;
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return { root, name: 'pause' };
}

/** The user's shared user namespace: the holder's pid (`/proc/PID/ns/user` is the namespace)
 * and start time, starting a holder when none lives. */
export async function ensureUserNamespace(): Promise<UserNamespaceHolder> {
  const live = currentHolder();
  if (live) return (known = live);
  return withLockAsync(lockSpec(), async () => {
    // Another command may have started one while we waited for the lock.
    const again = currentHolder();
    if (again) return (known = again);
    return (known = await startHolder());
  });
}

async function startHolder(): Promise<UserNamespaceHolder> {
  const ch = await SyncChannel.open();
  try {
    const path = helperPath('tspod-userns');
    // Its own session, no stdio of ours: it outlives this command.
    const env = {
      ...process.env, TSPOD_SYNC_SOCKET: ch.path, TSPOD_PAUSE_LINGER: String(lingerSeconds()),
      TSPOD_PAUSE_CONTAINERS: join(tspodPaths().data, 'containers'), TSPOD_PAUSE_PIDFILE: pidFile(),
    };
    const child = spawn(path, ['--pause'], { env, stdio: 'ignore', detached: true, cwd: '/' });
    child.unref();
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new TspodError(`cannot run ${path}: ${err.message} (was \`npm run build\` run?)`)));
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0)));
    });
    const fail = async (line: string | undefined): Promise<never> => {
      child.kill('SIGKILL');
      if (line?.startsWith('error\t')) throw helperError(line);
      const code = await exited;
      throw new TspodError(`the user namespace holder (${path} --pause) exited with ${code} before it was ready`);
    };
    await ch.waitConnected(exited);
    let line = await ch.next();
    if (!line?.startsWith('userns\t')) return await fail(line);
    try {
      await writeIdMaps(Number(line.split('\t')[1]));
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    ch.send('mapped');
    line = await ch.next();
    if (!line?.startsWith('ready\t')) return await fail(line);
    const [, pid, start] = line.split('\t');
    const holder = { pid: Number(pid), start: start!, lingers: true };
    const file = pidFile();
    const tmp = `${file}.${process.pid}`;
    // "linger": this holder understands SIGUSR1 (tspod-userns.c writes the same line back when it
    // takes up its namespace again after retiring)
    writeFileSync(tmp, `${holder.pid} ${holder.start} linger\n`, { mode: 0o600 });
    renameSync(tmp, file);
    // Only now does it detach from us: had we died before the pid file, it would have exited.
    ch.send('recorded');
    return holder;
  } finally {
    ch.close();
  }
}

/** Stop the holder (the pid file's, else the one this process knew), checked by start time. */
export async function stopUserNamespace(): Promise<void> {
  await withLockAsync(lockSpec(), async () => stopLocked());
}

function stopLocked(): void {
  const h = currentHolder() ?? (known && startTime(known.pid) === known.start ? known : undefined);
  rmSync(pidFile(), { force: true });
  known = undefined;
  if (!h) return;
  try {
    process.kill(h.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

/** Does the user have any container (a record directory in the store)? */
function anyContainer(): boolean {
  try {
    return readdirSync(join(tspodPaths().data, 'containers')).some((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return false;
  }
}

/** How long an unused holder stays (TSPOD_PAUSE_LINGER seconds, default 10). */
function lingerSeconds(): number {
  const v = process.env.TSPOD_PAUSE_LINGER;
  return v !== undefined && /^\d{1,6}$/.test(v) ? Number(v) : 10;
}

/** Tell the holder the user has no container left: after a container's removal, and after a
 * command that needed the namespace while no container existed. It lingers, then exits
 * (or stops at once with a linger of 0). */
export async function stopUserNamespaceIfUnused(): Promise<void> {
  if (anyContainer()) return;
  if (!currentHolder() && !known) return;
  // No store any more (`system reset` removed it): nothing to serialise with, and a lock would
  // make the store's directory again.
  if (!existsSync(tspodPaths().data)) return stopLocked();
  await withLockAsync(lockSpec(), async () => {
    // Checked again under the lock: a container made meanwhile keeps it.
    if (anyContainer()) return;
    const h = currentHolder();
    if (!h || lingerSeconds() === 0 || !h.lingers) return stopLocked();
    try {
      process.kill(h.pid, 'SIGUSR1');
    } catch {
      stopLocked();
    }
  });
}

/** The namespace the holder PID holds (`user:[INODE]`), for tests and `info`. */
export function holderNamespace(h: UserNamespaceHolder): string | undefined {
  try {
    return readlinkSync(`/proc/${h.pid}/ns/user`);
  } catch {
    return undefined;
  }
}
