// One user namespace per user (the pause process, runtime/pause.ts) and the --userns family.
// Budget: about 60 s.
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tspod, userProcesses, waitFor } from './helpers.js';

const none = ['--network', 'none'];
const pauseFile = () => join(inject('tspodEnv').XDG_RUNTIME_DIR!, 'tspod', 'pause.pid');

/** The holder the pid file names: pid and start time, or undefined. */
function holder(): { pid: number; start: string } | undefined {
  try {
    const [pid, start] = readFileSync(pauseFile(), 'utf8').trim().split(' ');
    return { pid: Number(pid), start: start! };
  } catch {
    return undefined;
  }
}

const holders = () => userProcesses(['tspod-pause']);

beforeAll(async () => {
  await tspod(['rm', '-a', '-f']);
});

afterAll(async () => {
  await tspod(['rm', '-a', '-f']);
});

describe('the pause process: one user namespace per user', () => {
  it('containers and exec share one namespace, mapped once, and the holder goes with the last container', async () => {
    const bg = await tspod(['run', '-d', ...none, '--name', 'ns-a', 'busybox', 'sleep', '300']);
    expect(bg.exitCode).toBe(0);
    const h = holder();
    expect(h).toBeDefined();
    expect(holders().map((p) => p.pid)).toEqual([h!.pid]);
    const ns = readlinkSync(`/proc/${h!.pid}/ns/user`);

    const b = await tspod(['run', '-d', ...none, '--name', 'ns-b', 'busybox', 'sleep', '300']);
    expect(b.exitCode).toBe(0);
    const inA = await tspod(['exec', 'ns-a', 'readlink', '/proc/self/ns/user']);
    const inB = await tspod(['exec', 'ns-b', 'sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map']);
    const once = await tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(inA.stdout).toBe(ns);
    expect(once.stdout).toBe(ns);
    const [nsB, ...map] = inB.stdout.split('\n');
    expect(nsB).toBe(ns);
    // The user's own uid as 0, the subordinate ranges from 1, as before.
    expect(map[0]!.trim().split(/\s+/)).toEqual(['0', String(process.getuid!()), '1']);
    expect(map[1]!.trim().split(/\s+/)[0]).toBe('1');
    // Same holder all along: the id maps were written once, not per container.
    expect(holder()).toEqual(h);

    expect((await tspod(['rm', '-f', 'ns-a'])).exitCode).toBe(0);
    expect(holder()).toEqual(h); // ns-b still exists
    expect((await tspod(['rm', '-f', 'ns-b'])).exitCode).toBe(0);
    expect(holder()).toBeUndefined();
    expect(await waitFor(() => holders().length === 0)).toBe(true);
  });

  it('a holder killed with SIGKILL is replaced by the next command', async () => {
    expect((await tspod(['create', ...none, '--name', 'ns-keep', 'busybox', 'true'])).exitCode).toBe(0);
    const first = await tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(first.exitCode).toBe(0);
    const h = holder()!;
    expect(h).toBeDefined();
    process.kill(h.pid, 'SIGKILL');
    expect(await waitFor(() => !holders().some((p) => p.pid === h.pid))).toBe(true);
    const next = await tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user']);
    expect(next.exitCode).toBe(0);
    const h2 = holder()!;
    expect(h2.pid).not.toBe(h.pid);
    expect(next.stdout).toBe(readlinkSync(`/proc/${h2.pid}/ns/user`));
    expect((await tspod(['rm', 'ns-keep'])).exitCode).toBe(0);
    expect(await waitFor(() => holders().length === 0)).toBe(true);
  });

  it('concurrent first commands start one holder; unshare shows the same mapping and leaves none behind', async () => {
    expect((await tspod(['create', ...none, '--name', 'ns-keep2', 'busybox', 'true'])).exitCode).toBe(0);
    const runs = await Promise.all([1, 2, 3].map(() => tspod(['run', '--rm', ...none, 'busybox', 'readlink', '/proc/self/ns/user'])));
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    expect(holders()).toHaveLength(1);
    const un = await tspod(['unshare', 'sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map']);
    expect(un.stdout.split('\n')[0]).toBe(runs[0]!.stdout);
    expect((await tspod(['rm', 'ns-keep2'])).exitCode).toBe(0);
    // With no container, a command that needs the namespace stops its holder when done.
    const alone = await tspod(['unshare', 'cat', '/proc/self/uid_map']);
    expect(alone.stdout.split('\n')[0]!.trim().split(/\s+/)).toEqual(['0', String(process.getuid!()), '1']);
    expect(holder()).toBeUndefined();
    expect(await waitFor(() => holders().length === 0)).toBe(true);
  });
});
