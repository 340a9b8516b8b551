// Finding and listing containers (ps, the name/id lookup, --filter, --all/--latest selection):
// the light half of the container engine, kept apart so that ps and lookups load no run path.
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord, ContainerSummary } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { nameRegExp } from '../util/filters.js';
import { processAlive, processStartTime, readExit } from './container-state.js';
import { openStore } from './store.js';
import { containerHealth } from './health.js';

/** The record with its state corrected when its process has vanished (or its
 * pid now names another process: the start time tells). */
export function liveState<T extends ContainerSummary>(rec: T, store?: Store): T {
  const pid = rec.state.pid;
  const same = pid !== undefined && processAlive(pid) && (rec.state.pidStart === undefined || processStartTime(pid) === rec.state.pidStart);
  if (rec.state.status === 'running' && !same) {
    const exit = store ? readExit(store, rec.id) : undefined;
    return { ...rec, state: { ...rec.state, status: 'exited', exitCode: exit?.exitCode ?? rec.state.exitCode ?? -1, finishedAt: exit?.finishedAt ?? rec.state.finishedAt } };
  }
  return rec;
}

/** What ps lists: the summaries only (one small file per container). An unreadable record is
 * listed with status 'error' (and a warning): it spoils only its own container. */
export function containerList(all: boolean): ContainerSummary[] {
  const store = openStore();
  return store.containers.summaries().map((c) => liveState(c, store)).filter((c) => all || c.state.status === 'running');
}

export function findContainer<T extends ContainerSummary>(list: T[], ref: string): T {
  const byName = list.find((c) => c.name === ref);
  if (byName) return byName;
  const hits = list.filter((c) => c.id.startsWith(ref));
  if (hits.length === 1 && ref.length >= 1) return hits[0]!;
  if (hits.length > 1) throw new TspodError(`container id prefix "${ref}" is ambiguous: ${hits.length} containers match`);
  throw new TspodError(`no container with name or ID "${ref}" found: no such container`);
}

/** One container by name or id (prefix), reading its record only: the name index, then the
 * ids (directory names). A miss looks through every summary before it fails (an index entry a
 * crash lost), so the index can only make things faster, never wrong. */
export function findContainerIn(store: Store, ref: string): ContainerRecord {
  const named = store.containers.byName(ref);
  if (named) return named;
  const hits = ref ? store.containers.ids().filter((id) => id.startsWith(ref)) : [];
  if (hits.length > 1) throw new TspodError(`container id prefix "${ref}" is ambiguous: ${hits.length} containers match`);
  const rec = hits.length === 1 ? store.containers.get(hits[0]!) : undefined;
  if (rec) return rec;
  const scanned = store.containers.summaries().find((c) => c.name === ref && c.state.status !== 'error');
  const full = scanned && store.containers.get(scanned.id);
  if (full) {
    store.containers.repairName(full);
    return full;
  }
  throw new TspodError(`no container with name or ID "${ref}" found: no such container`);
}

export interface ContainerFilter {
  key: string;
  match(c: ContainerSummary): boolean;
}

/** podman's container filters (ps, and --filter on start, stop, kill, restart, rm, pause, prune):
 * id (prefix), name (regular expression), label (KEY or KEY=VALUE), exited (exit code), status,
 * ancestor (image), before/since (a container), volume, network, health, pod. Several values of
 * one key match any of them; different keys must all match (podman's rule). */
export function parseFilters(specs: string[], podIds: (ref: string) => string[] = () => []): ContainerFilter[] {
  let store: Store | undefined;
  const full = (c: ContainerSummary): ContainerRecord | undefined => (store ??= openStore()).containers.get(c.id);
  const createdOf = (ref: string) => Date.parse(findContainerIn(store ??= openStore(), ref).created);
  const one = specs.map((spec): ContainerFilter => {
    const eq = spec.indexOf('=');
    if (eq < 1) throw new TspodError(`invalid filter "${spec}": expected KEY=VALUE`);
    const key = spec.slice(0, eq), value = spec.slice(eq + 1);
    switch (key) {
      case 'status': {
        const known = ['created', 'running', 'paused', 'stopped', 'exited', 'unknown'];
        if (!known.includes(value)) throw new TspodError(`unknown container state: ${value}: invalid argument`);
        return { key, match: (c) => c.state.status === value || (value === 'stopped' && c.state.status === 'exited') || (value === 'unknown' && c.state.status === 'error') };
      }
      case 'exited': {
        if (!/^-?\d+$/.test(value)) throw new TspodError(`exited code out of range "${value}": give the exit code as a number`);
        return { key, match: (c) => c.state.status === 'exited' && (c.state.exitCode ?? -1) === Number(value) };
      }
      case 'name': {
        const re = nameRegExp(value);
        return { key, match: (c) => re.test(c.name) };
      }
      case 'id':
        return { key, match: (c) => c.id.startsWith(value) };
      case 'pod': {
        // By the pod's name or id (prefix); its infra container counts as in the pod.
        const ids = podIds(value);
        return { key, match: (c) => ids.includes(c.config.pod ?? c.config.infraOf ?? '') };
      }
      case 'label': {
        // label=KEY matches any value; label=KEY=VALUE that value.
        const eq2 = value.indexOf('=');
        const k = eq2 < 0 ? value : value.slice(0, eq2);
        return { key, match: (c) => c.config.labels?.[k] !== undefined && (eq2 < 0 || c.config.labels[k] === value.slice(eq2 + 1)) };
      }
      case 'ancestor':
        return { key, match: (c) => c.imageName === value || c.imageName.endsWith(`/${value}`) || c.imageName.endsWith(`/${value}:latest`) || c.imageId.slice(7).startsWith(value) };
      case 'before': {
        const t = createdOf(value);
        return { key, match: (c) => Date.parse(c.created) < t };
      }
      case 'since': {
        const t = createdOf(value);
        return { key, match: (c) => Date.parse(c.created) > t };
      }
      case 'volume':
        // A named volume's name, or a mount's destination in the container (podman's VOLUME or /DEST).
        return { key, match: (c) => (full(c)?.config.mounts ?? []).some((m) => (m.type === 'volume' && m.volume === value) || m.destination === value) };
      case 'network':
        return { key, match: (c) => full(c)?.config.network === value || full(c)?.config.networks?.[value] !== undefined };
      case 'health':
        // the status `healthcheck run` recorded for the current start; none: no healthcheck
        if (!['starting', 'healthy', 'unhealthy', 'none'].includes(value)) throw new TspodError(`${value} is not a valid health status`);
        return { key, match: (c) => (healthOf(c.id, c.state.startedAt) ?? 'none') === value };
      default:
        throw new TspodError(`${key} is an invalid filter`);
    }
  });
  const keys = [...new Set(one.map((f) => f.key))];
  return keys.map((key) => {
    const same = one.filter((f) => f.key === key);
    return { key, match: (c: ContainerSummary) => same.some((f) => f.match(c)) };
  });
}

export interface Selection {
  /** names or ids given */
  refs: string[];
  all?: boolean;
  latest?: boolean;
  filters?: string[];
  /** with --all: only the running containers (stop, kill, pause) or only the others (start) */
  allRunning?: boolean;
  allStopped?: boolean;
}

/** The containers a verb acts on: those named, or --all, --latest (the last created) or those
 * --filter matches; each as its full id, newest first (podman's order for --all). */
export function selectContainers(sel: Selection, verb: string): string[] {
  const modes = [sel.all, sel.latest, sel.filters?.length].filter(Boolean).length;
  if (modes && sel.refs.length) {
    if (verb === 'start' && sel.all) throw new TspodError('either start all containers or the container(s) provided in the arguments');
    throw new TspodError(sel.filters?.length ? '--filter takes no arguments' : sel.latest ? '--latest and containers cannot be used together' : 'no arguments are needed with --all');
  }
  if (!modes) return sel.refs;
  const store = openStore();
  let list = store.containers.summaries().filter((c) => c.state.status !== 'error' || sel.all).map((c) => liveState(c, store));
  list = list.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
  if (sel.latest) {
    if (!list.length) throw new TspodError('no containers to act on: no such container');
    return [list[0]!.id];
  }
  if (sel.filters?.length) {
    const fs = parseFilters(sel.filters, podIdsFor);
    list = list.filter((c) => fs.every((f) => f.match(c)));
  }
  if (sel.all && sel.allRunning) list = list.filter((c) => c.state.status === 'running');
  if (sel.all && sel.allStopped) list = list.filter((c) => c.state.status !== 'running');
  return list.map((c) => c.id);
}

/** Bytes under DIR (files only, not following links); files the user cannot read count 0. */
export function dirSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      try {
        const st = lstatSync(join(d, n));
        if (st.isDirectory()) walk(join(d, n));
        else total += st.size;
      } catch {
        /* gone meanwhile */
      }
    }
  };
  walk(dir);
  return total;
}

/** The size of a container's writable layer (ps --size): its upper directory. */
export function containerRwSize(id: string): number {
  const store = openStore();
  const rec = store.containers.get(id);
  const upper = (rec?.plan as { upperDir?: string } | undefined)?.upperDir;
  return upper ? dirSize(upper) : 0;
}

/** ps --ns: the inode of each namespace of a running container's process (empty when it is not running). */
export function containerNamespaces(pid: number | undefined): Record<'cgroup' | 'ipc' | 'mnt' | 'net' | 'pid' | 'user' | 'uts', string> {
  const read = (ns: string) => {
    if (!pid) return '';
    try {
      return /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${ns}`))?.[1] ?? '';
    } catch {
      return '';
    }
  };
  return { cgroup: read('cgroup'), ipc: read('ipc'), mnt: read('mnt'), net: read('net'), pid: read('pid'), user: read('user'), uts: read('uts') };
}

/** Ids of the pods a name or id prefix names (for ps --filter pod=). */
export function podIdsFor(ref: string): string[] {
  return openStore().pods.list().filter((p) => p.name === ref || p.id.startsWith(ref)).map((p) => p.id);
}

/** Pod id to name, for ps --pod. */
export function podNames(): Map<string, string> {
  return new Map(openStore().pods.list().map((p) => [p.id, p.name]));
}

/** Each image's size by id, for ps --size's virtual size (the records only, no image engine). */
export function imageSizes(): Map<string, number> {
  return new Map(openStore().images.list().map((i) => [i.id, i.size]));
}

/** What ps says about containers on user networks that lost their network (lib/network/leases.ts). */
export { netnsProblem as networkProblem } from '../network/leases.js';
/** The health status of a container's current start (`healthcheck run`), undefined without a healthcheck. */
export function healthOf(id: string, startedAt: string | undefined): string | undefined {
  // health.json exists only for containers with a healthcheck (written at each of their starts)
  return containerHealth(openStore(), id, startedAt)?.Status;
}
