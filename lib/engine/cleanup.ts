// What happens after a container's process ended: the monitor runs `tspod container-cleanup ID`
// (lib/cli/cleanup.ts) for each exit, so this module and its bundle stay small; the rest of the
// engine (removal with --rm, networks, volumes, restarts) loads only when the record asks for it.
import type { ContainerRecord } from '../storage/containers.js';
import { readExit } from './container-state.js';
import { openStore } from './store.js';

/** After the container's process ended. MONITOR: the monitor's own call (it execs into
 * `tspod container-cleanup`, so it is this process's pid): then only while the record still names
 * that monitor. A stop may have recorded the exit already, and a start since may have made a
 * newer instance, which a late cleanup must not mark exited. */
export async function containerCleanup(id: string, monitor?: number): Promise<void> {
  // its cgroup (resource limits under cgroup v2 delegation), even when rm took the record already
  (await import('./cgroups.js')).removeCgroupOf(id);
  const store = openStore();
  const rec = store.containers.get(id);
  if (!rec) return;
  const stale = (r: ContainerRecord) => monitor !== undefined && r.state.monitorPid !== undefined && r.state.monitorPid !== monitor;
  if (stale(rec)) return;
  const exit = readExit(store, id);
  const podPolicy = async () => {
    if (!rec.config.pod) return;
    const { applyExitPolicy } = await import('./pods.js');
    await applyExitPolicy(store, rec.config.pod);
  };
  if (rec.state.status === 'error') return; // unreadable: only rm -f may act on it
  // --network container:ID: its line in the /etc/hosts it shares with ID goes
  if (rec.config.network.startsWith('container:')) (await import('./dependencies.js')).sharedHostsEntry(rec, false);
  if (rec.config.networks) {
    const { releaseContainerNetworks } = await import('./networks.js');
    await releaseContainerNetworks(rec).catch(() => undefined);
  }
  if (rec.config.autoRemove) {
    const { removeContainerDir } = await import('./containers.js');
    await removeContainerDir(store, id, rec.name);
    {
      const { removeAnonymousVolumes } = await import('./volumes.js');
      await removeAnonymousVolumes(store, rec);
    }
    if (rec.config.rmi) {
      // run -d --rmi: an image other containers use stays (nothing to tell: no one is attached)
      const { imageRemove } = await import('./images.js');
      await imageRemove([rec.config.rmi], false).catch(() => undefined);
    }
    await podPolicy();
    return;
  }
  // The restart happens under the container's lock, so a `stop` either comes before
  // (and the policy sees it) or after (and stops the restarted container).
  await store.lockedContainer(id, async () => {
    const now = store.containers.get(id);
    if (!now || stale(now)) return;
    now.state = { ...now.state, status: 'exited', exitCode: exit?.exitCode ?? -1, finishedAt: exit?.finishedAt ?? new Date().toISOString(), pid: undefined, monitorPid: undefined };
    const restart = shouldRestart(now);
    if (restart) now.state.restartCount = (now.state.restartCount ?? 0) + 1;
    store.containers.save(now); // one write for the exit (and the restart count)
    if (!restart) return;
    const { startDetached } = await import('./run.js');
    await startDetached(store, now).catch(() => undefined); // a failed start is recorded by its own cleanup
  });
  await podPolicy();
}

/** podman's restart policies, applied when a detached container exits on its own. */
export function shouldRestart(rec: ContainerRecord): boolean {
  const policy = rec.config.restart;
  if (!policy || policy.name === 'no' || rec.state.stoppedByUser) return false;
  if (policy.name === 'on-failure') return (rec.state.exitCode ?? 0) !== 0 && (policy.max === 0 || (rec.state.restartCount ?? 0) < policy.max);
  return true; // always, unless-stopped: both end with an explicit stop
}

