// `--pid`, `--ipc`, `--uts`, `--cgroupns` and `--sysctl`, as podman 4.3 reads them (its words).
// Pure. What rootless tspod can do: host, private, or (pid, ipc, uts) container:ID, the namespace of
// another container (whose user namespace is entered too), or ns:PATH, a namespace at a path that
// the user's shared user namespace owns (one of the user's own containers'); cgroupns takes neither.
import { TspodError } from '../util/errors.js';

export type NamespaceKind = 'pid' | 'ipc' | 'uts' | 'cgroupns';

/** The mode: 'host', 'private' or container:REF (undefined when not given: private, or host for cgroupns as podman on cgroups v1). */
export function parseNamespaceMode(kind: NamespaceKind, v: string | undefined): 'host' | 'private' | { container: string } | { path: string } | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'host' || v === 'private') return v;
  if (kind === 'ipc' && (v === 'shareable' || v === 'none')) return 'private';
  if (v.startsWith('container:') && kind !== 'cgroupns') {
    if (v.length === 'container:'.length) throw new TspodError(`invalid --${kind} ${v}: container:NAME-OR-ID`);
    return { container: v.slice('container:'.length) };
  }
  if (v.startsWith('ns:') && kind !== 'cgroupns') {
    if (v.length === 'ns:'.length) throw new TspodError(`must provide a path to a namespace when specifying "ns:"`);
    return { path: v.slice('ns:'.length) };
  }
  if (v.startsWith('container:') || v.startsWith('ns:')) {
    throw new TspodError(`--${kind} ${v}: joining ${v.startsWith('ns:') ? 'a path\'s' : 'another container\'s'} ${kind === 'cgroupns' ? 'cgroup' : kind} namespace is not supported by tspod (a namespace belongs to the user namespace that made it, which a rootless container can only enter when it is a tspod container's: use --${kind} container:ID, or a pod)`);
  }
  throw new TspodError(`unrecognized namespace mode ${v} passed`);
}

const ipcSysctls = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** `--sysctl KEY=VALUE`: the namespaced ones podman allows (IPC: kernel.msg*, sem, shm*, fs.mqueue.*;
 * network: net.*; UTS: kernel.domainname), each refused when its namespace is the host's. */
export function parseSysctls(specs: string[], ns: { hostNetwork: boolean; hostIpc: boolean; hostUts: boolean }): Array<[string, string]> {
  const out = new Map<string, string>();
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new TspodError(`${s} is invalid, sysctl values must be in the form of KEY=VALUE`);
    const key = s.slice(0, eq);
    const value = s.slice(eq + 1);
    if (!/^[a-z0-9_][a-z0-9_.-]*$/i.test(key) || key.split('.').some((p) => p === '' || p === '..')) throw new TspodError(`sysctl '${key}' is not allowed`);
    if (/[\n\0]/.test(value)) throw new TspodError(`sysctl ${key}: the value holds a newline or NUL`);
    let why: string | undefined;
    if (ipcSysctls.has(key) || key.startsWith('fs.mqueue.')) why = ns.hostIpc ? 'IPC' : undefined;
    else if (key.startsWith('net.')) why = ns.hostNetwork ? 'Network' : undefined;
    else if (key === 'kernel.domainname') why = ns.hostUts ? 'UTS' : undefined;
    else throw new TspodError(`sysctl '${key}' is not allowed`);
    if (why) throw new TspodError(`sysctl ${s} can't be set since ${why} Namespace set to host: invalid argument`);
    out.set(key, value);
  }
  return [...out];
}

/** The namespaces a pod shares unless `--share` says otherwise (podman's default). */
export const defaultPodShare = ['ipc', 'net', 'uts'];

/** `pod create --share LIST` as podman reads it: `none` (or empty) shares nothing; a first item
 * `+NS` adds to the default set; otherwise the list replaces it. */
export function parsePodShare(v: string | undefined): string[] {
  if (v === undefined) return [...defaultPodShare];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  const add = items[0]?.startsWith('+') ?? false;
  if (add) items[0] = items[0]!.slice(1);
  const out = add ? [...defaultPodShare] : [];
  for (const ns of items) {
    if (ns === 'none' && !add) continue;
    if (!['cgroup', 'ipc', 'net', 'pid', 'uts'].includes(ns)) throw new TspodError(`invalid kernel namespace to share: ${ns}. Options are: cgroup, ipc, net, pid, uts or none`);
    if (!out.includes(ns)) out.push(ns);
  }
  return out;
}
