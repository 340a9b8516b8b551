// `--network` as run, create and pod create take it: a mode (slirp4netns[:options], pasta[:options], none, host),
// or user-defined networks by name (`bridge` is the default network `podman`). Pure parsing.
import { TspodError } from '../util/errors.js';

export type NetworkSpec =
  | { mode: 'slirp4netns' | 'pasta' | 'none' | 'host' }
  | { mode: 'bridge'; networks: string[] };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseNetworkSpec(spec: string): NetworkSpec {
  const mode = spec.split(':')[0]!;
  if (mode === 'slirp4netns' || mode === 'none' || mode === 'host') return { mode };
  if (mode === 'private') return { mode: 'bridge', networks: ['podman'] };
  if (mode === 'pasta') return { mode };
  if (['container', 'ns'].includes(mode) || spec.startsWith('container:') || spec.startsWith('ns:')) {
    throw new TspodError(`network mode "${spec}" is not supported by tspod (it has slirp4netns[:options], pasta[:options], none, host, bridge and user-defined networks by name)`);
  }
  const names = spec.split(',').map((n) => (n === 'bridge' ? 'podman' : n));
  for (const n of names) {
    if (n.includes(':')) throw new TspodError(`network "${n}": per-network options (NAME:ip=...,alias=...) are not supported by tspod; use --ip, --network-alias and --mac-address`);
    if (!NAME.test(n)) throw new TspodError(`unable to find network with name or ID ${n}: network not found`);
  }
  if (new Set(names).size !== names.length) throw new TspodError(`--network ${spec} names a network twice`);
  return { mode: 'bridge', networks: names };
}

/** --ip/--ip6/--mac-address apply to one network only (podman's rule). */
export function checkStaticAddressing(spec: NetworkSpec, o: { ip?: string; ip6?: string; mac?: string; aliases?: string[] }): void {
  const any = o.ip || o.ip6 || o.mac;
  if (spec.mode !== 'bridge') {
    if (any || o.aliases?.length) throw new TspodError(`--ip, --ip6, --mac-address and --network-alias need a bridge network (--network NAME), not --network ${spec.mode}`);
    return;
  }
  if (any && spec.networks.length > 1) throw new TspodError('--ip, --ip6 and --mac-address can only be set for a single network: connect further networks with `tspod network connect --ip`');
}
