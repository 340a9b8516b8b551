// Inter-process locks for the store: a lock is a directory created with
// mkdir (atomic) holding the owner's pid; a lock whose owner is gone is stale.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, TspodError } from '../util/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** One attempt: the release function, or the live owner's pid (0 if unknown) to wait for. */
function tryLock(path: string): (() => void) | number {
  try {
    mkdirSync(path);
    writeFileSync(join(path, 'pid'), String(process.pid));
    return () => rmSync(path, { recursive: true, force: true });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  let owner = NaN;
  try {
    owner = Number(readFileSync(join(path, 'pid'), 'utf8'));
  } catch {
    /* being created or removed right now */
  }
  if (owner && !alive(owner)) {
    rmSync(path, { recursive: true, force: true });
    return 0;
  }
  return owner || 0;
}

function timedOut(path: string, owner: number): TspodError {
  return new TspodError(`timed out waiting for lock ${path} held by pid ${owner}`);
}

export function acquireLock(path: string, timeoutMs = 30000): () => void {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const r = tryLock(path);
    if (typeof r === 'function') return r;
    if (Date.now() > deadline) throw timedOut(path, r);
    Atomics.wait(sleeper, 0, 0, delay);
  }
}

/** As acquireLock, but waits without blocking the event loop: a process may hold
 * one lock while its own child works and wait for another at the same time. */
export async function acquireLockAsync(path: string, timeoutMs = 30000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const r = tryLock(path);
    if (typeof r === 'function') return r;
    if (Date.now() > deadline) throw timedOut(path, r);
    await new Promise((res) => setTimeout(res, delay));
  }
}

export function withLock<T>(path: string, fn: () => T): T {
  const release = acquireLock(path);
  try {
    return fn();
  } finally {
    release();
  }
}

export async function withLockAsync<T>(path: string, fn: () => Promise<T>, timeoutMs = 30000): Promise<T> {
  const release = await acquireLockAsync(path, timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}
