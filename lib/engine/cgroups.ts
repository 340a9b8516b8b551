// Where a container's cgroup goes: the user's delegated cgroup v2 subtree (found from
// /proc/self/cgroup), and its removal at cleanup; light, for rm and info as well as run.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPaths, ownCgroup, removeContainerCgroup } from '../runtime/cgroups.js';
import { cgroupV2Delegation } from '../spec/options.js';

/** The user's delegated cgroup v2 directory and its controllers (undefined on cgroup v1, or without
 * delegation: then limits cannot apply). Read from TSPOD_CGROUP_ROOT/TSPOD_PROC_SELF_CGROUP in tests. */
export function findDelegation(): { dir: string; controllers: string[] } | undefined {
  const { root, procSelfCgroup } = cgroupPaths();
  let text = '';
  try {
    text = readFileSync(procSelfCgroup, 'utf8');
  } catch {
    return undefined; // no cgroups: nothing delegated
  }
  const controllers = cgroupV2Delegation(root, text, process.getuid?.() ?? -1, (p) => {
    try {
      return statSync(p).uid;
    } catch {
      return undefined;
    }
  });
  return controllers ? { dir: join(root, ownCgroup(text)), controllers } : undefined;
}

/** At cleanup: the container's cgroup, if it has one. */
export function removeCgroupOf(id: string): void {
  const d = findDelegation();
  if (d) removeContainerCgroup(join(d.dir, `tspod-${id}`));
}
