// `generate systemd`: a container's record and paths, handed to the pure unit writer.
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';
import { containerUnit, podUnit, podUnitName, restartPolicies, unitName, type UnitOptions } from '../systemd/units.js';
import { TspodError } from '../util/errors.js';
import { containerFiles } from './container-state.js';
import { findContainer } from './containers.js';
import { openStore } from './store.js';
import { packageVersion } from './version.js';

export type GenerateOptions = Omit<UnitOptions, 'tspod' | 'version' | 'now'>;

export function generateSystemd(ref: string, o: GenerateOptions): Array<{ name: string; text: string }> {
  if (!restartPolicies.includes(o.restartPolicy)) throw new TspodError(`invalid --restart-policy "${o.restartPolicy}" (${restartPolicies.join(', ')})`);
  const store = openStore();
  // A store moved by --root/--runroot: every tspod the unit runs (start, stop, rm) must use it too.
  const moved = (['TSPOD_STORAGE_ROOT', 'TSPOD_RUN_ROOT'] as const).filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
  const full: UnitOptions = { ...o, env: [...moved, ...o.env], tspod: join(packageRoot(), 'bin', 'tspod'), version: packageVersion(), now: new Date() };
  const pod = store.pods.list().find((p) => p.name === ref || p.id === ref);
  if (pod && o.template) throw new TspodError('--template is not supported for pods');
  if (pod) {
    const infra = pod.infraId ? store.containers.get(pod.infraId) : undefined;
    if (!infra) throw new TspodError(pod.infraId ? `pod ${pod.name} has lost its infra container: remove it and create it again` : `pod ${pod.name} has no infra container: its units need one to start and stop the pod (create it without --infra=false)`);
    const publish = (infra.config.ports ?? []).map((x) => `${x.hostIp && x.hostIp !== '0.0.0.0' ? `${x.hostIp}:` : ''}${x.hostPort || ''}${x.hostPort ? ':' : ''}${x.containerPort}/${x.protocol}`);
    const p = { id: pod.id, name: pod.name, hostname: pod.hostname, labels: pod.labels, publish, infraId: infra.id, infraName: infra.name, infraPidFile: containerFiles(store, infra.id).monitorPid, storeDir: store.containers.dir(infra.id) };
    const podName = podUnitName(p, full);
    const memberRecs = store.containers.list().filter((c) => c.config.pod === pod.id).reverse();
    const old = memberRecs.find((c) => !c.config.createCommand);
    if (o.new && old) throw new TspodError(`container ${old.name} was created by an older tspod that did not record its command line: --new cannot re-create it`);
    const members = memberRecs.map((c) => ({
      id: c.id, name: c.name, podUnit: podName, pidFile: containerFiles(store, c.id).monitorPid, storeDir: store.containers.dir(c.id),
      createCommand: c.config.createCommand, podIdFile: o.new ? `%t/${podName.replace(/\.service$/, '')}.pod-id` : undefined,
    }));
    const units = members.map((c) => ({ name: unitName(c, full), text: containerUnit(c, full) }));
    return [{ name: podName, text: podUnit(p, units.map((u) => u.name), full) }, ...units];
  }
  const rec = findContainer(store.containers.list(), ref);
  if ((o.new || o.template) && !rec.config.createCommand) {
    throw new TspodError(`container ${rec.name} was created by an older tspod that did not record its command line: --new cannot re-create it; create it again, or generate without --new`);
  }
  const c = { id: rec.id, name: rec.name, pidFile: containerFiles(store, rec.id).monitorPid, storeDir: store.containers.dir(rec.id), createCommand: rec.config.createCommand };
  return [{ name: unitName(c, full), text: containerUnit(c, full) }];
}
