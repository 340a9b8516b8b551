// The processes a container run may leave behind, found through /proc.
import { readdirSync, readFileSync, statSync } from 'node:fs';

/** Live processes of this user whose command name is one of `names`. Zombies are
 * left out: they hold nothing, and on machines whose PID 1 does not reap orphans
 * they stay in the process table after the test that made them. */
export function userProcesses(names: string[]): Array<{ pid: number; comm: string }> {
  const uid = process.getuid!();
  const out: Array<{ pid: number; comm: string }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (statSync(`/proc/${d}`).uid !== uid) continue;
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      const state = readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      if (names.includes(comm) && state !== 'Z') out.push({ pid: Number(d), comm });
    } catch {
      /* gone */
    }
  }
  return out;
}

export const containerProcesses = ['fuse-overlayfs', 'slirp4netns', 'tspod-launch', 'tspod-wait', 'tspod-userns', 'tspod-init', 'tspod-udpfwd', 'sleep'];


/** Live processes named `name` whatever /proc says their owner is (a helper that joined a
 * user namespace is no longer dumpable, and its /proc directory then belongs to root). */
export function namedProcesses(name: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      const state = readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      if (comm === name && state !== 'Z') out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
