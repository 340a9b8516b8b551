// Inter-process locks for the store: a lock is an abstract unix socket bound by its holder, so
// the kernel releases it when the holder dies (crash, kill -9, full disk): no lock outlives it.
//
// The socket's name is "\0tspod-lock/SECRET/NAME". SECRET is 128 random bits kept in the store's
// 0600 file `lock-secret` (in the 0700 store): abstract names are visible to every user
// (/proc/net/unix), so without it another user could squat on our names (while a lock is held its
// name is visible, and another user can bind it once it is free: a denial of service that the
// timeout names, docs/security.md); and each store root
// has its own secret, so a second --root has locks of its own. bind() fails with EADDRINUSE while
// the name is held. libuv opens sockets with SOCK_CLOEXEC: children never inherit a lock.
// Abstract names belong to a network namespace: every taker must be in the host's (tspod's own),
// never inside a container's. helpers-c/lock.h takes the same locks from C.
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import type { Server } from 'node:net';
import { createHash, lazyNet, randomBytes } from '../util/builtins.js';
import { join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { errnoCode, TspodError } from '../util/errors.js';

const SECRET_FILE = 'lock-secret';
const secrets = new Map<string, string>();

/** The store's lock secret, made once per store root (atomically: a link that loses a race reads the winner's). */
export function lockSecret(root: string): string {
  const known = secrets.get(root);
  if (known) return known;
  const path = join(root, SECRET_FILE);
  const read = (): string | undefined => {
    try {
      const s = readFileSync(path, 'utf8').trim();
      return /^[0-9a-f]{32}$/.test(s) ? s : undefined;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  };
  let secret = read();
  if (!secret) {
    const tmp = join(root, `.${SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
    const fresh = randomBytes(16).toString('hex');
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, fresh + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(tmp, path);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        // A file that exists but holds no valid secret (an earlier full disk): replace it.
        if (!read()) {
          rmSync(path, { force: true });
          linkSync(tmp, path);
        }
      }
    } catch (err) {
      throw new TspodError(`cannot create the store's lock secret ${path}: ${(err as Error).message}${errnoCode(err) === 'ENOSPC' ? ': the file system is full; free some space and try again' : ''}`);
    } finally {
      rmSync(tmp, { force: true });
    }
    secret = read();
    if (!secret) throw new TspodError(`the store's lock secret ${path} is unreadable: remove it (no tspod command may run meanwhile)`);
  }
  secrets.set(root, secret);
  return secret;
}

/** A lock: the store it belongs to and its name there ("store", "ctr-<id>", "layer-<hex>"). */
export interface LockSpec {
  root: string;
  name: string;
  /** the `*.lock/` directory an earlier tspod used for the same lock: removed once its owner is gone */
  legacyDir?: string;
}

/** Lock names are short: an abstract name holds at most 107 bytes. */
export function lockName(kind: string, hexId: string): string {
  return `${kind}-${hexId.slice(0, 32)}`;
}

function abstractName(spec: LockSpec): string {
  const name = /^[A-Za-z0-9_.-]{1,48}$/.test(spec.name) ? spec.name : createHash('sha256').update(spec.name).digest('hex').slice(0, 32);
  return `\0tspod-lock/${lockSecret(spec.root)}/${name}`;
}

/** libuv's pipe handle as Node's own net module uses it (process.binding('pipe_wrap')): bind()
 * is all a lock needs, and net.Server.listen() loads node:cluster (with child_process and dgram,
 * 3-7 ms) on every first lock of a command. undefined where that binding is not offered. */
interface PipeHandle { bind(name: string): number; close(): void }
type PipeBinding = { Pipe: new (type: number) => PipeHandle; constants: { SERVER: number } };
let pipeBinding: PipeBinding | null | undefined;
function pipes(): PipeBinding | undefined {
  if (pipeBinding === undefined) {
    try {
      const b = (process as unknown as { binding(name: string): PipeBinding }).binding('pipe_wrap');
      pipeBinding = typeof b?.Pipe === 'function' && typeof b.constants?.SERVER === 'number' ? b : null;
    } catch {
      pipeBinding = null;
    }
  }
  return pipeBinding ?? undefined;
}

/** One attempt: the release function, or undefined while another process holds the lock. The
 * socket is made close-on-exec by libuv: a child never inherits a lock. */
function tryLock(address: string): (() => void) | undefined {
  const b = pipes();
  if (b) {
    const handle = new b.Pipe(b.constants.SERVER);
    const err = handle.bind(address);
    if (err !== 0) {
      handle.close();
      // libuv's negative errno; its name through node:util (loaded with Node itself)
      const name = getSystemErrorName(err);
      if (name === 'EADDRINUSE') return undefined; // held
      throw new TspodError(`cannot take the lock ${JSON.stringify(address.slice(1))}: bind: ${name}`);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      handle.close();
    };
  }
  const server: Server = lazyNet().createServer();
  // A failed bind is also reported as an 'error' event later: swallow it (the result is read below).
  server.on('error', () => undefined);
  server.listen({ path: address });
  if (!server.listening) {
    server.close(() => undefined);
    return undefined;
  }
  server.unref(); // a held lock never keeps the process alive
  let released = false;
  return () => {
    if (released) return;
    released = true;
    server.close();
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** An earlier tspod's lock directory (mkdir + pid file) whose owner is gone, unknown (an empty pid
 * file: the full-disk case) or not alive: removed, so nothing an old version left wedges the store. */
function removeLegacyDir(dir: string | undefined): void {
  if (!dir || !existsSync(dir)) return;
  let owner = 0;
  try {
    owner = Number(readFileSync(join(dir, 'pid'), 'utf8').trim()) || 0;
  } catch {
    /* no pid file: the owner never wrote it */
  }
  if (owner > 0 && owner !== process.pid && pidAlive(owner)) return;
  rmSync(dir, { recursive: true, force: true });
}

/** The pids of this user's processes that hold the lock (from /proc/net/unix and /proc/PID/fd). */
export function lockHolders(spec: LockSpec): number[] {
  const shown = '@' + abstractName(spec).slice(1);
  let inode = '';
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      // Node binds the whole zero-padded sun_path; /proc shows each NUL as '@'.
      if (f[7]?.replace(/@+$/, '') === shown) inode = f[6]!;
    }
  } catch {
    return [];
  }
  if (!inode) return [];
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) out.push(Number(pid));
        } catch {
          /* closed meanwhile */
        }
      }
    } catch {
      /* not ours, or gone */
    }
  }
  return [...new Set(out)];
}

function timedOut(spec: LockSpec, timeoutMs: number): TspodError {
  const holders = lockHolders(spec);
  // No process of this user holds it: the name is visible in /proc/net/unix while held, so another
  // user may have bound it after seeing it (a denial of service; nothing of the store is reachable).
  const who = holders.length ? `held by pid ${holders.join(', ')}` : 'held by a process of ANOTHER USER (not one of yours: the lock\'s name can be seen by every user while it is held, and someone took it; an administrator can find and end that process with `ss -xlp`)';
  return new TspodError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for the lock "${spec.name}" of the store ${spec.root}, ${who} (\`ss -xlp | grep tspod-lock\` shows the holders; the lock goes when its holder ends)`);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** One try at the lock per call: its release, or how long to back off before the next try
 * (2 ms doubling to 100 ms); past the timeout, the error naming the holder. */
function attempts(spec: LockSpec, timeoutMs: number): () => (() => void) | number {
  const address = abstractName(spec);
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  return () => {
    const release = tryLock(address);
    if (release) {
      removeLegacyDir(spec.legacyDir);
      return release;
    }
    if (Date.now() > deadline) throw timedOut(spec, timeoutMs);
    delay = Math.min(delay * 2, 100);
    return delay;
  };
}

export function acquireLock(spec: LockSpec, timeoutMs = 30000): () => void {
  const attempt = attempts(spec, timeoutMs);
  for (;;) {
    const r = attempt();
    if (typeof r === 'function') return r;
    Atomics.wait(sleeper, 0, 0, r);
  }
}

/** As acquireLock, but waits without blocking the event loop: a process may hold
 * one lock while its own child works and wait for another at the same time. */
export async function acquireLockAsync(spec: LockSpec, timeoutMs = 30000): Promise<() => void> {
  const attempt = attempts(spec, timeoutMs);
  for (;;) {
    const r = attempt();
    if (typeof r === 'function') return r;
    await new Promise((res) => setTimeout(res, r));
  }
}

export function withLock<T>(spec: LockSpec, fn: () => T, timeoutMs = 30000): T {
  const release = acquireLock(spec, timeoutMs);
  try {
    return fn();
  } finally {
    release();
  }
}

export async function withLockAsync<T>(spec: LockSpec, fn: () => Promise<T>, timeoutMs = 30000): Promise<T> {
  const release = await acquireLockAsync(spec, timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}
