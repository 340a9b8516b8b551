// Listing and removing containers (the full lifecycle is issue 4's): a
// container whose helper is gone is reported as exited, never waited for.
import { readFileSync } from 'node:fs';
import type { ContainerRecord } from '../storage/containers.js';
import { openStore } from './store.js';
import { TspodError } from '../util/errors.js';


/** A pid names a live process: it exists and is not a zombie. */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The record with its state corrected when its process has vanished. */
export function liveState(rec: ContainerRecord): ContainerRecord {
  if (rec.state.status === 'running' && (!rec.state.pid || !processAlive(rec.state.pid))) {
    return { ...rec, state: { ...rec.state, status: 'exited', exitCode: rec.state.exitCode ?? -1 } };
  }
  return rec;
}

export function containerList(all: boolean): ContainerRecord[] {
  return openStore().containers.list().map(liveState).filter((c) => all || c.state.status === 'running');
}

export function findContainer(list: ContainerRecord[], ref: string): ContainerRecord {
  const byName = list.find((c) => c.name === ref);
  if (byName) return byName;
  const hits = list.filter((c) => c.id.startsWith(ref));
  if (hits.length === 1 && ref.length >= 1) return hits[0]!;
  if (hits.length > 1) throw new TspodError(`container id prefix "${ref}" is ambiguous: ${hits.length} containers match`);
  throw new TspodError(`no container with name or ID "${ref}" found: no such container`);
}

export interface RmReport {
  id: string;
  error?: string;
}

export async function containerRemove(refs: string[], force: boolean, all: boolean): Promise<RmReport[]> {
  const store = openStore();
  const list = store.containers.list().map(liveState);
  const targets: Array<{ ref: string; rec?: ContainerRecord; error?: string }> = (all ? list.map((c) => c.name) : refs).map((ref) => {
    try {
      return { ref, rec: findContainer(list, ref) };
    } catch (err) {
      return { ref, error: (err as Error).message };
    }
  });
  const reports: RmReport[] = [];
  for (const t of targets) {
    if (!t.rec) {
      reports.push({ id: t.ref, error: t.error });
      continue;
    }
    if (t.rec.state.status === 'running') {
      if (!force) {
        reports.push({ id: t.ref, error: `cannot remove container ${t.rec.id.slice(0, 12)} as it is running - running or paused containers cannot be removed without force` });
        continue;
      }
      try {
        process.kill(t.rec.state.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await store.ops.remove([store.containers.dir(t.rec.id)]);
    reports.push({ id: t.rec.id });
  }
  return reports;
}
