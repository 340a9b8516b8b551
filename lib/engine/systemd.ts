// `generate systemd`: a container's record and paths, handed to the pure unit writer.
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';
import { containerUnit, restartPolicies, unitName, type UnitOptions } from '../systemd/units.js';
import { TspodError } from '../util/errors.js';
import { containerFiles } from './container-state.js';
import { findContainer } from './containers.js';
import { openStore } from './store.js';
import { packageVersion } from './system.js';

export type GenerateOptions = Omit<UnitOptions, 'tspod' | 'version' | 'now'>;

export function generateSystemd(ref: string, o: GenerateOptions): Array<{ name: string; text: string }> {
  if (!restartPolicies.includes(o.restartPolicy)) throw new TspodError(`invalid --restart-policy "${o.restartPolicy}" (${restartPolicies.join(', ')})`);
  const store = openStore();
  const rec = findContainer(store.containers.list(), ref);
  if (o.new && !rec.config.createCommand) {
    throw new TspodError(`container ${rec.name} was created by an older tspod that did not record its command line: --new cannot re-create it; create it again, or generate without --new`);
  }
  const c = { id: rec.id, name: rec.name, pidFile: containerFiles(store, rec.id).monitorPid, storeDir: store.containers.dir(rec.id), createCommand: rec.config.createCommand };
  const full: UnitOptions = { ...o, tspod: join(packageRoot, 'bin', 'tspod'), version: packageVersion(), now: new Date() };
  return [{ name: unitName(c, full), text: containerUnit(c, full) }];
}
