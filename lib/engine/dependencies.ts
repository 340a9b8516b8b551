// Containers that depend on another, as podman counts them: one that joins its namespaces
// (--network/--pid/--ipc/--uts container:ID, --userns container:ID) or requires it (--requires).
// `rm` refuses a container with dependents; `rm --depend` removes them first. And the line a
// container that joins another's network adds to that one's /etc/hosts while it runs (podman's).
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchPlan } from '../runtime/launch.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { hostsWithEntry, hostsWithoutEntry } from '../network/etc-files.js';
import { findContainerIn } from './container-list.js';
import { openStore } from './store.js';

/** The ids of the containers REC depends on. */
export function dependenciesOf(rec: ContainerRecord): string[] {
  const ids = new Set<string>(rec.config.requires ?? []);
  if (rec.config.joinNamespaces) ids.add(rec.config.joinNamespaces.container);
  if (rec.config.network.startsWith('container:')) ids.add(rec.config.network.slice('container:'.length));
  if (rec.config.userns?.mode === 'container' && rec.config.userns.container) ids.add(rec.config.userns.container);
  ids.delete(rec.id);
  return [...ids];
}

/** Each container's direct dependents, by id (sorted), from one reading of the records. */
export type DependentsIndex = Map<string, string[]>;

export function dependentsIndex(store: Store): DependentsIndex {
  const index: DependentsIndex = new Map();
  for (const c of store.containers.list()) {
    for (const d of dependenciesOf(c)) index.set(d, [...(index.get(d) ?? []), c.id]);
  }
  for (const list of index.values()) list.sort();
  return index;
}

/** ID's dependents, theirs, and so on: each before the containers it depends on, ID last. */
function removalOrder(index: DependentsIndex, id: string, order: string[] = []): string[] {
  const visit = (cur: string, path: Set<string>) => {
    if (order.includes(cur) || path.has(cur)) return;
    path.add(cur);
    for (const d of index.get(cur) ?? []) visit(d, path);
    path.delete(cur);
    order.push(cur);
  };
  visit(id, new Set());
  return order;
}

/** IDS reordered so that each comes after those of IDS that depend on it (rm of several, -a, prune). */
export function dependentsFirst(index: DependentsIndex, ids: string[]): string[] {
  const set = new Set(ids);
  const order: string[] = [];
  for (const id of ids) removalOrder(index, id, order);
  return order.filter((d) => set.has(d));
}

/** `rm --depend REF`: the ids to remove, in order (REF's dependents first, REF last); REF itself
 * when no container has that name or id (rm reports it). */
export function removalOrderFor(ref: string): string[] {
  const store = openStore();
  try {
    return removalOrder(dependentsIndex(store), findContainerIn(store, ref).id);
  } catch {
    return [ref];
  }
}

/** --network container:ID: the /etc/hosts it shares with ID, when that is ID's own file (tspod's,
 * in ID's directory): never a file of the user's that ID mounts there, nor REC's own (--no-hosts). */
function sharedHostsFile(rec: ContainerRecord): string | undefined {
  if (!rec.config.network.startsWith('container:')) return undefined;
  const file = (rec.plan as LaunchPlan | undefined)?.binds.find((b) => b.destination === '/etc/hosts')?.source;
  let own: string;
  try {
    own = join(openStore().containers.dir(rec.config.network.slice('container:'.length)), 'userdata', 'hosts');
  } catch {
    return undefined;
  }
  return file === own && existsSync(file) ? file : undefined;
}

/** At start: REC's hostname and name in the shared /etc/hosts, at 127.0.0.1 (podman's line); at stop, gone. */
export function sharedHostsEntry(rec: ContainerRecord, present: boolean): void {
  const file = sharedHostsFile(rec);
  if (!file) return;
  try {
    const text = readFileSync(file, 'utf8');
    const names = [rec.config.hostname, rec.name];
    const next = present ? hostsWithEntry(text, '127.0.0.1', names) : hostsWithoutEntry(text, names);
    // written in place (the file is bound into the running containers), never through a link
    if (next !== text) {
      const fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
      try {
        writeSync(fd, next);
      } finally {
        closeSync(fd);
      }
    }
  } catch {
    /* the other container is gone: nothing to keep */
  }
}
