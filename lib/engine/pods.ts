// Pods: containers sharing one network, IPC and UTS namespace (and so
// localhost, ports and hostname), held by an infra container that runs
// `tspod-init -P` on an empty root, with the pod's slirp4netns and published
// ports. Members join its namespaces at each start and keep their own mount
// and pid namespaces.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readIdFiles } from '../util/fs.js';
import { join } from 'node:path';
import type { ContainerRecord } from '../storage/containers.js';
import type { PodMemberDefaults, PodRecord } from '../storage/pods.js';
import type { ResourceFlags } from '../spec/options.js';
import type { Store } from '../storage/store.js';
import { parsePodShare } from '../spec/namespaces.js';
import { TspodError } from '../util/errors.js';
import { newId, randomName } from '../util/ids.js';
import { containerRemove, containerStart, containerStop, liveState } from './containers.js';
import { createContainer, type RunOptions } from './run.js';
import type { UsernsFlags } from '../spec/userns.js';
import { openStore } from './store.js';

export interface PodCreateOptions {
  /** --pod-id-file: the new pod's id is written there */
  podIdFile?: string;
  infraPidFile?: string;
  exitPolicy?: string;
  /** --replace: remove a pod of the same name first */
  replace?: boolean;
  /** --infra=false: a pod that only groups its containers (no shared namespaces, no ports) */
  infra?: boolean;
  name?: string;
  hostname?: string;
  publish: string[];
  labels: Record<string, string>;
  storageOpts: string[];
  /** --network and its companions: the infra's (so the pod's) network; on user networks the pod's name is an alias */
  network?: string;
  networkAliases?: string[];
  ip?: string;
  ip6?: string;
  macAddress?: string;
  /** --label-file */
  labelFiles?: string[];
  /** --infra-name: the infra container's name */
  infraName?: string;
  /** --infra-image: the infra runs this image (its entrypoint, or --infra-command) instead of tspod-init -P on an empty root */
  infraImage?: string;
  /** --infra-command: the infra image's entrypoint replaced */
  infraCommand?: string;
  /** the container flags of pod create: for the infra and every member */
  memberDefaults?: PodMemberDefaults;
  /** the resource flags: the infra's (its cgroup under cgroup v2 delegation; podman's warning on v1) */
  resources?: ResourceFlags;
  cgroupParent?: string;
  /** --userns and its family: the infra's user namespace, which every member joins */
  userns?: UsernsFlags;
  /** --share as given: the namespaces members share (podman's default ipc, net, uts) */
  share?: string;
  /** the command line that made it, kept in the record for pod clone */
  createCommand?: { globals: string[]; options: string[]; operands: string[] };
}

/** A --network value naming a network (a bridge), not a mode (host, none, ns:..., container:...). */
function isBridgeName(n: string): boolean {
  return !['host', 'none', 'private', 'slirp4netns', 'pasta', 'bridge'].includes(n) && !/^(ns|container|slirp4netns|pasta):/.test(n);
}

/** A container's options with nothing asked for: the base of the infra's. */
export function plainRunOptions(image: string, command: string[]): RunOptions {
  return {
    image, command, rm: false, interactive: false, tty: false, env: [], envFile: [], volumes: [], tmpfs: [], readOnly: false,
    network: 'slirp4netns', init: false, storageOpts: [], detach: true, publish: [], publishAll: false, restart: 'no',
    capAdd: [], capDrop: [], privileged: false, securityOpt: [], preserveFds: 0,
  };
}

export function findPod(store: Store, ref: string): PodRecord {
  const pods = store.pods.list();
  const exact = pods.find((p) => p.name === ref || p.id === ref);
  if (exact) return exact;
  const byPrefix = pods.filter((p) => p.id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw new TspodError(`pod id prefix "${ref}" is ambiguous: give more characters`);
  throw new TspodError(`no pod with name or ID ${ref} found: no such pod`);
}

export function podMembers(store: Store, pod: PodRecord): ContainerRecord[] {
  return store.containers.list().filter((c) => c.config.pod === pod.id).map((c) => liveState(c, store));
}

export async function podCreate(o: PodCreateOptions, store: Store = openStore()): Promise<PodRecord> {
  if (o.name !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.name)) throw new TspodError(`invalid pod name "${o.name}": use letters, digits, '_', '.', '-'`);
  if (o.exitPolicy !== undefined && o.exitPolicy !== 'stop' && o.exitPolicy !== 'continue') throw new TspodError(`running pod create option: invalid pod exit policy: "${o.exitPolicy}"\nuse --exit-policy stop or continue`);
  const share = parsePodShare(o.share);
  // podman's refusal: a pod's infra holds a network of its own (container:, ns: would be another's)
  const joined = o.network?.startsWith('container:') ? 'container' : o.network?.startsWith('ns:') ? 'path' : undefined;
  if (joined) throw new TspodError(`pods presently do not support network mode ${joined}\n(give --network container:... to the containers, outside a pod)`);
  if (o.infra === false && o.share !== undefined && share.length) throw new TspodError('--share needs the infra container that holds the shared namespaces: drop --infra=false');
  if (o.infra === false && o.publish.length) throw new TspodError('a pod without an infra container has no network of its own to publish ports on: drop -p or --infra=false');
  if (o.replace) {
    if (!o.name) throw new TspodError('--replace needs --name: it replaces the pod of that name');
    if (store.pods.list().some((p) => p.name === o.name)) await podRemove(o.name, true);
  }
  if (o.labelFiles?.length) {
    const { parseLabels, readLabelFiles } = await import('./run.js');
    o = { ...o, labels: { ...parseLabels(readLabelFiles(o.labelFiles)), ...o.labels } };
  }
  const infraClash = o.infraName !== undefined ? store.containers.nameTaken(o.infraName) : undefined;
  if (infraClash) {
    throw new TspodError(`${o.infraName}: the container name "${o.infraName}" is already in use by ${infraClash}. You have to remove that container to be able to reuse that name: that name is already in use\n(pick another --infra-name, or remove the pod that holds it)`);
  }
  const pod = await store.locked(async () => {
    const pods = store.pods.list();
    if (o.name && pods.some((p) => p.name === o.name)) throw new TspodError(`the pod name "${o.name}" is already in use; remove it (\`tspod pod rm ${o.name}\`) or pick another`);
    const id = newId();
    const rec: PodRecord = {
      version: 1, id, name: o.name ?? randomName((n) => pods.some((p) => p.name === n)), created: new Date().toISOString(),
      hostname: o.hostname ?? '', infraId: '', labels: o.labels, share: o.infra === false ? [] : share,
      infraPidFile: o.infraPidFile, exitPolicy: (o.exitPolicy as 'stop' | 'continue' | undefined) ?? 'continue',
      ...(o.createCommand ? { createCommand: o.createCommand } : {}),
      ...(o.memberDefaults && Object.values(o.memberDefaults).some((v) => (Array.isArray(v) ? v.length : v !== undefined && v !== false)) ? { memberDefaults: o.memberDefaults } : {}),
    };
    rec.hostname ||= rec.name;
    store.pods.save(rec);
    return rec;
  });
  if (o.infra === false) {
    if (o.podIdFile) writeFileSync(o.podIdFile, pod.id);
    return pod;
  }
  try {
    const rootfs = join(store.pods.dir(pod.id), 'rootfs');
    mkdirSync(rootfs, { mode: 0o755 });
    const infra = await createContainer(store, {
      ...plainRunOptions('', []), name: o.infraName ?? `${pod.id.slice(0, 12)}-infra`, hostname: pod.hostname, publish: o.publish,
      storageOpts: o.storageOpts, infraFor: { podId: pod.id, rootfs, ...(o.infraImage ? { image: o.infraImage } : {}) }, userns: o.userns,
      ...(o.infraImage && o.infraCommand ? { entrypoint: o.infraCommand.startsWith('[') ? o.infraCommand : JSON.stringify([o.infraCommand]) } : {}),
      // the namespaces the members join are the infra's: its sysctls, /dev/shm and uts/pid modes are the pod's
      sysctl: o.memberDefaults?.sysctl, uts: o.memberDefaults?.uts, pid: o.memberDefaults?.pid, securityOpt: o.memberDefaults?.securityOpt ?? [],
      resources: o.resources, cgroupParent: o.cgroupParent,
      // on a bridge network the pod's name is an alias; host, none and the like take none
      ...(o.network && o.network !== 'slirp4netns' && o.network !== 'private' ? {
        network: o.network, networkAliases: isBridgeName(o.network) ? [pod.name, ...(o.networkAliases ?? [])] : o.networkAliases ?? [], ip: o.ip, ip6: o.ip6, macAddress: o.macAddress,
      } : {}),
    });
    pod.infraId = infra.id;
    await store.locked(async () => store.pods.save(pod));
    if (o.podIdFile) writeFileSync(o.podIdFile, pod.id);
    return pod;
  } catch (err) {
    store.pods.delete(pod.id);
    throw err;
  }
}

/** The infra's container process (whose namespaces members join), started when it is not running. */
export async function ensureInfraRunning(store: Store, podId: string): Promise<number> {
  const pod = store.pods.get(podId);
  if (!pod) throw new TspodError(`the container's pod ${podId.slice(0, 12)} no longer exists`);
  const running = () => {
    const infra = store.containers.get(pod.infraId);
    const live = infra && liveState(infra, store);
    return live?.state.status === 'running' ? live.state.pid : undefined;
  };
  if (!running()) await containerStart(pod.infraId);
  const pid = running();
  if (!pid) throw new TspodError(`the infra container of pod ${pod.name} did not start (see \`tspod logs ${pod.infraId.slice(0, 12)}\`)`);
  const monitor = store.containers.get(pod.infraId)?.state.monitorPid;
  if (pod.infraPidFile && monitor) writeFileSync(pod.infraPidFile, `${monitor}\n`);
  return pid;
}

export async function podStart(ref: string): Promise<string> {
  const store = openStore();
  const pod = findPod(store, ref);
  if (pod.infraId) await ensureInfraRunning(store, pod.id);
  // create --init-ctr: the pod's init containers run to completion first, in the order they were
  // created; `once` ones are removed after their run (as podman)
  const members = podMembers(store, pod).sort((a, b) => a.created.localeCompare(b.created));
  const { containerWait } = await import('./containers.js');
  for (const c of members.filter((m) => m.config.initCtr)) {
    await containerStart(c.id);
    await containerWait(c.id);
    if (c.config.initCtr === 'once') await containerRemove([c.id], true, false);
  }
  for (const c of members) if (!c.config.initCtr && c.state.status !== 'running') await containerStart(c.id);
  return pod.id;
}

/** Members first, then the infra (as podman). */
/** Without a timeout each member waits its own --stop-timeout (10 s when it has none). */
export async function podStop(ref: string, timeout?: number): Promise<string> {
  const store = openStore();
  const pod = findPod(store, ref);
  await Promise.all(podMembers(store, pod).map((c) => containerStop(c.id, timeout)));
  if (store.containers.get(pod.infraId)) await containerStop(pod.infraId, timeout);
  return pod.id;
}

/** `timeout` (pod rm -f -t N): running members get N seconds to stop before they are killed. */
export async function podRemove(ref: string, force: boolean, timeout?: number): Promise<string> {
  const store = openStore();
  const pod = findPod(store, ref);
  const members = podMembers(store, pod);
  if (force && timeout !== undefined) {
    const { containerStop } = await import('./containers.js');
    for (const c of members.filter((m) => m.state.status === 'running')) await containerStop(c.id, timeout).catch(() => undefined);
  }
  if (!force && members.some((c) => c.state.status === 'running')) {
    throw new TspodError(`pod ${pod.name} has running containers: stop the pod first (\`tspod pod stop ${pod.name}\`) or use -f`);
  }
  // Stopped members go with the pod, as podman's pod rm removes them.
  for (const r of await containerRemove(members.map((c) => c.id), true, false)) if (r.error) throw new TspodError(r.error);
  // The members' shared /dev/shm may hold files of the container's other users: removed as the namespace's root.
  const shm = join(store.pods.dir(pod.id), 'shm');
  if (existsSync(shm)) await store.locked(() => store.ops.remove([shm]));
  // The pod record goes first: the infra container is only removable without its pod.
  await store.locked(async () => store.pods.delete(pod.id));
  if (store.containers.get(pod.infraId)) {
    for (const r of await containerRemove([pod.infraId], true, false)) if (r.error) throw new TspodError(r.error);
  }
  return pod.id;
}

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Exited';

export interface PodReport {
  pod: PodRecord;
  status: PodStatus;
  infra?: ContainerRecord;
  members: ContainerRecord[];
}

export function podReports(): PodReport[] {
  const store = openStore();
  return store.pods.list().map((pod) => {
    const members = podMembers(store, pod);
    const infraRec = store.containers.get(pod.infraId);
    const infra = infraRec && liveState(infraRec, store);
    const all = [...(infra ? [infra] : []), ...members];
    const running = all.filter((c) => c.state.status === 'running').length;
    const status: PodStatus = running === 0
      ? (all.every((c) => c.state.status === 'created') ? 'Created' : 'Exited')
      : running === all.length ? 'Running' : members.some((c) => c.state.status === 'running') || !members.length ? 'Running' : 'Degraded';
    return { pod, status, infra, members };
  });
}

export function podReport(ref: string): PodReport {
  const store = openStore();
  const pod = findPod(store, ref);
  return podReports().find((r) => r.pod.id === pod.id)!;
}

/** A pod named on the command line or by a --pod-id-file (with --ignore, a missing file names none). */
export function podRefs(refs: string[], idFiles: string[], ignore: boolean): string[] {
  return [...refs, ...readIdFiles(idFiles, 'pod', ignore)];
}

/** --exit-policy=stop: when a member exits and none is left running, the pod's infra stops too. */
export async function applyExitPolicy(store: Store, podId: string): Promise<void> {
  const pod = store.pods.get(podId);
  if (!pod || pod.exitPolicy !== 'stop') return;
  if (podMembers(store, pod).some((c) => c.state.status === 'running')) return;
  if (store.containers.get(pod.infraId)) await containerStop(pod.infraId, 10).catch(() => undefined);
}

/** `run --pod NAME` or `--pod new:NAME`: the pod a new container joins. */
/** With `new:` a `--hostname` is the new pod's (as podman). */
export async function podForRun(spec: string, storageOpts: string[], hostname?: string): Promise<{ id: string; hostname: string; shared: boolean; share: string[]; created: boolean }> {
  const store = openStore();
  const created = spec.startsWith('new:');
  const pod = created ? await podCreate({ name: spec.slice(4), hostname, publish: [], labels: {}, storageOpts }, store) : findPod(store, spec);
  return { id: pod.id, hostname: pod.hostname, shared: !!pod.infraId, share: pod.share, created };
}

/** `pod kill [-s SIG]`: the signal to every running container of the pod, the infra included. */
export async function podKill(ref: string, sig: string): Promise<string> {
  (await import('../spec/signals.js')).parseSignal(sig);
  const { containerKill } = await import('./containers.js');
  const store = openStore();
  const pod = findPod(store, ref);
  const infra = store.containers.get(pod.infraId);
  const targets = [...podMembers(store, pod), ...(infra ? [liveState(infra, store)] : [])].filter((c) => c.state.status === 'running');
  if (!targets.length) throw new TspodError(`pod ${pod.name} has no running containers to signal`);
  for (const c of targets) await containerKill(c.id, sig);
  return pod.id;
}

export async function podRestart(ref: string): Promise<string> {
  await podStop(ref);
  return podStart(ref);
}

/** `pod prune`: pods none of whose containers runs. */
export async function podPrune(): Promise<string[]> {
  const removed: string[] = [];
  for (const r of podReports()) {
    if (r.status === 'Running' || r.status === 'Degraded') continue;
    removed.push(await podRemove(r.pod.id, true));
  }
  return removed;
}

/** The running members, for `pod top` and `pod logs`. */
export function podContainers(ref: string, all: boolean): ContainerRecord[] {
  const store = openStore();
  return podMembers(store, findPod(store, ref)).filter((c) => all || c.state.status === 'running').reverse();
}

/** `rm --depend` of a pod's infra container: every container of the pod depends on it, so they
 * go, then it, with the pod (podman prints the members' ids, then the infra's). Undefined when
 * REF is no infra container (tspod's other containers have no dependents). */
export async function removeInfraWithDependents(ref: string, force: boolean): Promise<string[] | undefined> {
  const store = openStore();
  const { findContainerIn } = await import('./containers.js');
  let rec: ContainerRecord;
  try {
    rec = findContainerIn(store, ref);
  } catch {
    return undefined;
  }
  const pod = rec.config.infraOf ? store.pods.get(rec.config.infraOf) : undefined;
  if (!pod) return undefined;
  const members = podMembers(store, pod).filter((c) => c.id !== rec.id);
  const ids = [...members.map((c) => c.id), rec.id];
  // Stopped dependents go without -f, as podman's rm --depend takes them; running ones need -f.
  const running = members.filter((c) => c.state.status === 'running');
  if (running.length && !force) throw new TspodError(`container ${running[0]!.id} is running: cannot remove it as a dependent of ${rec.id.slice(0, 12)} without -f`);
  await podRemove(pod.id, true);
  return ids;
}
