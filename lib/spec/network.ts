// `--network` as run, create and pod create take it: a mode (slirp4netns[:options], pasta[:options], none, host),
// another container's namespace (container:NAME|ID), a namespace file (ns:PATH), or user-defined networks by
// name (`bridge` is the default network `podman`). Pure parsing.
import { TspodError } from '../util/errors.js';

export type NetworkSpec =
  | { mode: 'slirp4netns' | 'pasta' | 'none' | 'host' }
  | { mode: 'bridge'; networks: string[] }
  /** container:REF: REF's network namespace, joined at each start (REF as given: a name or an id) */
  | { mode: 'container'; container: string }
  /** ns:PATH: the network namespace file at PATH */
  | { mode: 'ns'; path: string };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseNetworkSpec(spec: string): NetworkSpec {
  const mode = spec.split(':')[0]!;
  if (mode === 'slirp4netns' || mode === 'none' || mode === 'host') return { mode };
  if (mode === 'private') return { mode: 'bridge', networks: ['podman'] };
  if (mode === 'pasta') return { mode };
  // podman's words: a bare `container` or `ns` is a network's name (none is found)
  if (spec.startsWith('container:')) {
    const container = spec.slice('container:'.length);
    if (!container) throw new TspodError('invalid config provided: namespace mode container requires a value');
    return { mode: 'container', container };
  }
  if (spec.startsWith('ns:')) {
    const path = spec.slice('ns:'.length);
    if (!path) throw new TspodError('invalid config provided: namespace mode path requires a value');
    return { mode: 'ns', path };
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
  if (spec.mode === 'container' || spec.mode === 'ns') {
    // podman's words, for the first flag given in its order
    const flag = o.ip ? 'ip' : o.ip6 ? 'ip6' : o.mac ? 'mac-address' : o.aliases?.length ? 'network-alias' : undefined;
    if (flag) throw new TspodError(`--${flag} can only be set when the network mode is bridge: invalid argument\n(--network ${spec.mode}:... uses the network of ${spec.mode === 'container' ? 'that container' : 'that namespace'}; its addresses are set there)`);
    return;
  }
  if (spec.mode !== 'bridge') {
    if (any || o.aliases?.length) throw new TspodError(`--ip, --ip6, --mac-address and --network-alias need a bridge network (--network NAME), not --network ${spec.mode}`);
    return;
  }
  if (any && spec.networks.length > 1) throw new TspodError('--ip, --ip6 and --mac-address can only be set for a single network: connect further networks with `tspod network connect --ip`');
}

/** The /etc files of a container that joins another's network (container:REF): podman refuses the flags
 * that would change them (the other container's /etc/hosts and /etc/resolv.conf are used). */
export function checkJoinedNetworkFiles(spec: NetworkSpec, o: { dns: boolean; addHost: boolean }): void {
  if (spec.mode !== 'container') return;
  if (o.dns) throw new TspodError('conflicting options: dns and the network mode: container\n(the container uses the /etc/resolv.conf of the container whose network it joins: give --dns to that one)');
  if (o.addHost) throw new TspodError('invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration\n(give --add-host to the container whose network it joins)');
}
