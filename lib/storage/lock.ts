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

export function acquireLock(path: string, timeoutMs = 30000): () => void {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
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
      continue;
    }
    if (Date.now() > deadline) throw new TspodError(`timed out waiting for lock ${path} held by pid ${owner}`);
    Atomics.wait(sleeper, 0, 0, delay);
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

export async function withLockAsync<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const release = acquireLock(path);
  try {
    return await fn();
  } finally {
    release();
  }
}
