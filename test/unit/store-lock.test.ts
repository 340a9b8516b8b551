// The store's locks: held by a bound abstract socket, so the kernel frees them when the holder
// dies; the same locks from C (helpers-c/lock.h); one set per store root; old lock directories go.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireLock, acquireLockAsync, lockHolders, lockSecret, withLockAsync } from '../../lib/storage/lock.js';

const work = mkdtempSync(join(tmpdir(), 'tspod-lock-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function store(name: string): string {
  const root = join(work, name);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return root;
}

// A holder written in C with helpers-c/lock.h: `hold STORE NAME TIMEOUT-MS` prints "locked" and
// waits to be killed, or prints "busy" and exits 1.
const cc = spawnSync('cc', ['--version']).status === 0;
const holder = join(work, 'hold');
if (cc) {
  const src = join(work, 'hold.c');
  writeFileSync(src, `#define _GNU_SOURCE
#include "lock.h"
#include <stdlib.h>
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int fd = tspod_lock(argv[1], argv[2], atoi(argv[3]));
  if (fd < 0) { printf("%s\\n", errno == EADDRINUSE ? "busy" : strerror(errno)); return 1; }
  printf("locked\\n"); fflush(stdout);
  for (;;) pause();
}
`);
  const r = spawnSync('cc', ['-Wall', '-Werror', '-I', resolve(import.meta.dirname, '../../helpers-c'), '-o', holder, src]);
  if (r.status !== 0) throw new Error(String(r.stderr));
}

/** Start the C holder and wait for its verdict. */
function hold(root: string, name: string, timeoutMs = 0): Promise<{ child: ChildProcess; verdict: string }> {
  const child = spawn(holder, [root, name, String(timeoutMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((res) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) res({ child, verdict: out.trim() });
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGKILL');
  });
}

describe('store locks', () => {
  it('keep a 128-bit secret per store in a 0600 file', () => {
    const root = store('secret');
    const s = lockSecret(root);
    expect(s).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(join(root, 'lock-secret')).mode & 0o777).toBe(0o600);
    expect(lockSecret(store('secret-2'))).not.toBe(s);
  });

  it('exclude each other within one process, and are free again once released', async () => {
    const root = store('inproc');
    const release = acquireLock({ root, name: 'store' });
    await expect(acquireLockAsync({ root, name: 'store' }, 50)).rejects.toThrow(/timed out after 0 s waiting for the lock "store" of the store .*inproc.*ss -xlp \| grep tspod-lock/);
    release();
    const again = acquireLock({ root, name: 'store' }, 0);
    again();
  });

  it('are per store root: the same name in another store is another lock', async () => {
    const a = store('root-a'), b = store('root-b');
    const release = acquireLock({ root: a, name: 'store' });
    const other = await acquireLockAsync({ root: b, name: 'store' }, 0);
    other();
    release();
  });

  it('remove a lock directory an earlier tspod left with an empty pid file (the full-disk wedge)', async () => {
    const root = store('legacy');
    const legacyDir = join(root, 'store.lock');
    mkdirSync(legacyDir);
    writeFileSync(join(legacyDir, 'pid'), '');
    await withLockAsync({ root, name: 'store', legacyDir }, async () => undefined, 0);
    expect(existsSync(legacyDir)).toBe(false);
  });

  it('keep a lock directory whose owner still runs (an older tspod at work)', async () => {
    const root = store('legacy-live');
    const legacyDir = join(root, 'store.lock');
    mkdirSync(legacyDir);
    writeFileSync(join(legacyDir, 'pid'), '1');
    await withLockAsync({ root, name: 'store', legacyDir }, async () => undefined, 0);
    expect(existsSync(legacyDir)).toBe(true);
  });
});

describe.skipIf(!cc)('store locks from C (helpers-c/lock.h)', () => {
  it('a C holder excludes tspod, the timeout names the holder, and kill -9 frees the lock at once', async () => {
    const root = store('c-holder');
    lockSecret(root);
    const { child, verdict } = await hold(root, 'ctr-0123');
    expect(verdict).toBe('locked');
    expect(lockHolders({ root, name: 'ctr-0123' })).toContain(child.pid);
    expect(() => acquireLock({ root, name: 'ctr-0123' }, 20)).toThrow(new RegExp(`held by pid ${child.pid}`));
    await killed(child);
    // No stale lock: the kernel released it with the holder.
    acquireLock({ root, name: 'ctr-0123' }, 0)();
  });

  it('tspod excludes a C taker, which gets the lock once tspod releases it', async () => {
    const root = store('c-taker');
    const release = acquireLock({ root, name: 'store' });
    expect((await hold(root, 'store', 0)).verdict).toBe('busy');
    release();
    const { child, verdict } = await hold(root, 'store', 0);
    expect(verdict).toBe('locked');
    await killed(child);
  });
});
