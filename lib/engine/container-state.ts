// Where a container's runtime files live and how to read its processes:
// shared by run (which starts containers) and the lifecycle verbs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../storage/store.js';
import { tspodPaths } from '../config/paths.js';

export function containerFiles(store: Store, id: string) {
  const userdata = join(store.containers.dir(id), 'userdata');
  return {
    log: join(userdata, 'ctr.log'), exit: join(userdata, 'exit'), monitorPid: join(userdata, 'monitor.pid'),
    // Unix socket paths are short (108 bytes): this one lives in the runtime directory.
    attach: join(tspodPaths().runtime, `attach-${id.slice(0, 16)}`),
    slirpApi: join(tspodPaths().runtime, `slirp-${id.slice(0, 16)}.sock`),
  };
}

export async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
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

