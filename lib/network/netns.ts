// The rootless network namespace: bridges for user-defined networks, veth pairs into containers,
// the DNS responder and slirp4netns for the way out (docs/networking.md).
import type { ContainerRecord, NetworkAttachment } from '../storage/containers.js';
import { TspodError } from '../util/errors.js';
import type { NetworkRecord } from './store.js';

function notYet(what: string): TspodError {
  return new TspodError(`${what}: tspod cannot wire running containers into user-defined networks yet (the rootless network namespace is not built); stop the container, connect it, and start it again`);
}

export async function attachRunning(rec: ContainerRecord, net: NetworkRecord, _a: NetworkAttachment): Promise<void> {
  throw notYet(`connecting running container ${rec.name} to network ${net.name}`);
}

export async function detachRunning(_rec: ContainerRecord, _net: NetworkRecord, _a: NetworkAttachment): Promise<void> {
  // nothing is wired yet: the record alone says what it is on
}

export async function reloadContainer(_rec: ContainerRecord, _nets: NetworkRecord[], _attached: Record<string, NetworkAttachment>): Promise<void> {
  // nothing is wired yet
}

export async function dropNetwork(_net: NetworkRecord): Promise<void> {
  // nothing is wired yet
}
