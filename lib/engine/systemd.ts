// `generate systemd`: a container's record and paths, handed to the pure unit writer.
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';
import { containerUnit, podUnit, podUnitName, restartPolicies, unitName, type UnitOptions } from '../systemd/units.js';
import { TspodError } from '../util/errors.js';
import { containerFiles } from './container-state.js';
import { findContainer } from './containers.js';
import { openStore } from './store.js';
import { packageVersion } from './system.js';

export type GenerateOptions = Omit<UnitOptions, 'tspod' | 'version' | 'now'>;

export function generateSystemd(ref: string, o: GenerateOptions): Array<{ name: string; text: string }> {
  if (!restartPolicies.includes(o.restartPolicy)) throw new TspodError(`invalid --restart-policy "${o.restartPolicy}" (${restartPolicies.join(', ')})`);
  const store = openStore();
  const full: UnitOptions = { ...o, tspod: join(packageRoot, 'bin', 'tspod'), version: packageVersion(), now: new Date() };
  const pod = store.pods.list().find((p) => p.name === ref || p.id === ref);
  if (pod) {
    if (o.new) throw new TspodError(`--new for a pod is not supported yet: generate the pod's units without --new (they start and stop the existing pod ${pod.name})`);
    const infra = store.containers.get(pod.infraId);
    if (!infra) throw new TspodError(`pod ${pod.name} has lost its infra container: remove it and create it again`);
    const p = { id: pod.id, name: pod.name, infraId: infra.id, infraName: infra.name, infraPidFile: containerFiles(store, infra.id).monitorPid, storeDir: store.containers.dir(infra.id) };
    const podName = podUnitName(p, full);
    const members = store.containers.list().filter((c) => c.config.pod === pod.id).reverse().map((c) => ({
      id: c.id, name: c.name, podUnit: podName, pidFile: containerFiles(store, c.id).monitorPid, storeDir: store.containers.dir(c.id),
    }));
    const units = members.map((c) => ({ name: unitName(c, full), text: containerUnit(c, full) }));
    return [{ name: podName, text: podUnit(p, units.map((u) => u.name), full) }, ...units];
  }
  const rec = findContainer(store.containers.list(), ref);
  if (o.new && !rec.config.createCommand) {
    throw new TspodError(`container ${rec.name} was created by an older tspod that did not record its command line: --new cannot re-create it; create it again, or generate without --new`);
  }
  const c = { id: rec.id, name: rec.name, pidFile: containerFiles(store, rec.id).monitorPid, storeDir: store.containers.dir(rec.id), createCommand: rec.config.createCommand };
  return [{ name: unitName(c, full), text: containerUnit(c, full) }];
}
