// --userns, --uidmap, --gidmap, --subuidname, --subgidname: podman 4.3's rootless semantics,
// as a typed user namespace spec. Pure: the caller gives the size of the user's shared user
// namespace (its ids 0..size-1: the user as 0, the subordinate ranges after it) and, for
// `auto`, the host ranges other containers already use.
//
// Host ids in every mapping here are ids of the shared user namespace (podman rootless:
// "relative to the rootless user namespace"), not of the host.
import { TspodError } from '../util/errors.js';

export interface IdMapEntry {
  container: number;
  host: number;
  size: number;
}

export type UsernsMode = 'host' | 'keep-id' | 'nomap' | 'auto' | 'private' | 'ns' | 'container';

export interface UsernsSpec {
  mode: UsernsMode;
  /** a nested user namespace's maps (empty for host, ns and container) */
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  /** keep-id: the user's uid and gid inside (the default process user, and /etc/passwd's entry) */
  keepId?: { uid: number; gid: number; named: boolean };
  /** ns:PATH */
  path?: string;
  /** container:ID as given */
  container?: string;
}

export interface UsernsFlags {
  userns?: string;
  uidmap?: string[];
  gidmap?: string[];
  subuidname?: string;
  subgidname?: string;
}

export interface UsernsContext {
  /** the user's own uid and gid on the host (keep-id's defaults) */
  uid: number;
  gid: number;
  /** ids in the shared user namespace: 1 + the sum of the subordinate ranges */
  uidCount: number;
  gidCount: number;
  /** auto: the size the image needs (its highest uid or gid + 1) */
  autoNeeded?: number;
  /** auto: host ranges (in the shared namespace) other containers' mappings use */
  usedUids?: IdMapEntry[];
  usedGids?: IdMapEntry[];
}

/** podman's minimum size for --userns=auto (containers/storage's AutoUserNsMinSize). */
export const AUTO_MIN_SIZE = 1024;

function parseUint(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new TspodError(`strconv.ParseUint: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** "C:H:S" (podman's --uidmap value; several may be joined with ":" in auto's uidmapping=). */
export function parseIdMap(spec: string, kind: 'UID' | 'GID'): IdMapEntry[] {
  const parts = spec.split(':');
  const bad = () => new TspodError(`initializing ID mappings: ${kind} setting is malformed expected ["uint32:uint32:uint32"]: ["${spec}"]`);
  if (parts.length === 0 || parts.length % 3 !== 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 0xffffffff)) throw bad();
  const out: IdMapEntry[] = [];
  for (let i = 0; i < parts.length; i += 3) out.push({ container: Number(parts[i]), host: Number(parts[i + 1]), size: Number(parts[i + 2]) });
  if (out.some((e) => e.size === 0)) throw bad();
  return out;
}

/** Map lines as podman's inspect shows them ("C:H:S"). */
export function idMapStrings(m: IdMapEntry[]): string[] {
  return m.map((e) => `${e.container}:${e.host}:${e.size}`);
}

function checkMapping(m: IdMapEntry[], count: number, what: 'UID' | 'GID'): void {
  if (!m.some((e) => e.container === 0)) throw new TspodError(`container ID 0 cannot be mapped to a host ID`);
  const sorted = [...m].sort((a, b) => a.container - b.container);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.container < sorted[i - 1]!.container + sorted[i - 1]!.size) throw new TspodError(`invalid ${what} mapping: container IDs ${sorted[i]!.container} overlap another range`);
  }
  const byHost = [...m].sort((a, b) => a.host - b.host);
  for (let i = 1; i < byHost.length; i++) {
    if (byHost[i]!.host < byHost[i - 1]!.host + byHost[i - 1]!.size) throw new TspodError(`invalid ${what} mapping: host IDs ${byHost[i]!.host} overlap another range`);
  }
  for (const e of m) {
    if (e.host + e.size > count) {
      throw new TspodError(`potentially insufficient UIDs or GIDs available in user namespace (requested ${e.host}:${e.host + e.size - 1} for the ${what} mapping ${e.container}:${e.host}:${e.size}): rootless, host IDs are those of tspod's user namespace, 0-${count - 1} (your id, then your /etc/sub${what === 'UID' ? 'uid' : 'gid'} ranges). Check /etc/subuid and /etc/subgid`);
    }
  }
  if (m.length > 60) throw new TspodError(`too many ${what} mappings (${m.length}): a user namespace takes at most 60 here`);
}

/** keep-id: container ids below ID -> 1..ID, ID -> the user (0), the rest to themselves. */
function keepIdMap(id: number, count: number): IdMapEntry[] {
  if (id >= count) throw new TspodError(`keep-id: ${id} is outside the ${count} ids of the user namespace: check /etc/subuid and /etc/subgid`);
  const m: IdMapEntry[] = [];
  if (id > 0) m.push({ container: 0, host: 1, size: id });
  m.push({ container: id, host: 0, size: 1 });
  if (count - id - 1 > 0) m.push({ container: id + 1, host: id + 1, size: count - id - 1 });
  return m;
}

/** The first free range of SIZE ids in 1..count-1 not used by another container. */
function allocate(size: number, count: number, used: IdMapEntry[]): number {
  const taken = [...used].sort((a, b) => a.host - b.host);
  let start = 1;
  for (const u of taken) {
    if (u.host + u.size <= start) continue;
    if (u.host >= start + size) break;
    start = u.host + u.size;
  }
  if (start + size > count) throw new TspodError('creating container storage: could not find enough available IDs');
  return start;
}

/** Forced entries replace what BASE maps for their container ids. */
function overlay(base: IdMapEntry[], forced: IdMapEntry[]): IdMapEntry[] {
  let out = base;
  for (const f of forced) {
    const next: IdMapEntry[] = [];
    for (const e of out) {
      const end = e.container + e.size, fEnd = f.container + f.size;
      if (fEnd <= e.container || f.container >= end) {
        next.push(e);
        continue;
      }
      if (f.container > e.container) next.push({ container: e.container, host: e.host, size: f.container - e.container });
      if (fEnd < end) next.push({ container: fEnd, host: e.host + (fEnd - e.container), size: end - fEnd });
    }
    out = next;
  }
  return [...out, ...forced].sort((a, b) => a.container - b.container);
}

/** The typed spec, validated as podman 4.3 validates it for a rootless user. */
export function parseUserns(flags: UsernsFlags, ctx: UsernsContext): UsernsSpec {
  const uidmap = flags.uidmap ?? [], gidmap = flags.gidmap ?? [];
  const explicit = uidmap.length > 0 || gidmap.length > 0 || flags.subuidname !== undefined || flags.subgidname !== undefined;
  const value = flags.userns ?? '';
  if (explicit && value !== '' && value !== 'host' && value !== 'private') {
    throw new TspodError('--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
  }
  if (flags.subuidname !== undefined || flags.subgidname !== undefined) {
    const name = flags.subuidname ?? flags.subgidname;
    throw new TspodError(`--sub${flags.subuidname !== undefined ? 'uid' : 'gid'}name ${name}: potentially insufficient UIDs or GIDs available in user namespace: rootless, only your own /etc/subuid and /etc/subgid ranges are mapped, not ${name}'s; give the ids with --uidmap/--gidmap (relative to tspod's user namespace), or use --userns auto`);
  }
  if (explicit) {
    const u = uidmap.flatMap((s) => parseIdMap(s, 'UID'));
    const g = gidmap.flatMap((s) => parseIdMap(s, 'GID'));
    // One of the two given: podman uses it for both.
    const uid = u.length ? u : g, gid = g.length ? g : u;
    checkMapping(uid, ctx.uidCount, 'UID');
    checkMapping(gid, ctx.gidCount, 'GID');
    return { mode: 'private', uidMap: uid, gidMap: gid };
  }
  const [mode = '', ...rest] = value.split(':');
  const arg = rest.join(':');
  switch (mode) {
    case '':
    case 'host':
      if (arg) break;
      return { mode: 'host', uidMap: [], gidMap: [] };
    case 'private':
      if (arg) break;
      throw new TspodError('must provide at least one UID or GID mapping to configure a user namespace');
    case 'nomap': {
      if (arg) break;
      return { mode: 'nomap', uidMap: [{ container: 0, host: 1, size: ctx.uidCount - 1 }], gidMap: [{ container: 0, host: 1, size: ctx.gidCount - 1 }] };
    }
    case 'keep-id': {
      let uid = ctx.uid, gid = ctx.gid, named = true;
      for (const opt of arg ? arg.split(',') : []) {
        const [k, v = ''] = opt.split('=');
        if (k === 'uid') {
          uid = parseUint(v);
          named = false;
        } else if (k === 'gid') gid = parseUint(v);
        else throw new TspodError(`unknown option specified: "${k}"`);
      }
      return { mode: 'keep-id', uidMap: keepIdMap(uid, ctx.uidCount), gidMap: keepIdMap(gid, ctx.gidCount), keepId: { uid, gid, named } };
    }
    case 'auto': {
      let size: number | undefined;
      const forcedU: IdMapEntry[] = [], forcedG: IdMapEntry[] = [];
      for (const opt of arg ? arg.split(',') : []) {
        const [k, v = ''] = opt.split('=');
        if (k === 'size') size = parseUint(v);
        else if (k === 'uidmapping') forcedU.push(...parseIdMap(v, 'UID'));
        else if (k === 'gidmapping') forcedG.push(...parseIdMap(v, 'GID'));
        else throw new TspodError(`unknown option specified: "${k}"`);
      }
      if (size === 0) throw new TspodError('--userns auto:size=0: the size must be at least 1');
      const n = size ?? Math.max(AUTO_MIN_SIZE, ctx.autoNeeded ?? 0);
      const u = overlay([{ container: 0, host: allocate(n, ctx.uidCount, ctx.usedUids ?? []), size: n }], forcedU);
      const g = overlay([{ container: 0, host: allocate(n, ctx.gidCount, ctx.usedGids ?? []), size: n }], forcedG);
      checkMapping(u, ctx.uidCount, 'UID');
      checkMapping(g, ctx.gidCount, 'GID');
      return { mode: 'auto', uidMap: u, gidMap: g };
    }
    case 'ns':
      if (!arg) throw new TspodError('must provide a path to a namespace when specifying "ns:"');
      return { mode: 'ns', uidMap: [], gidMap: [], path: arg };
    case 'container':
      if (!arg) throw new TspodError('must provide name or ID or a container when specifying "container:"');
      return { mode: 'container', uidMap: [], gidMap: [], container: arg };
  }
  throw new TspodError(`unrecognized namespace mode ${value} passed`);
}

/** podman's HostConfig.UsernsMode: "" for the default, "private" for a nested namespace. */
export function usernsModeString(s: UsernsSpec | undefined): string {
  if (!s || s.mode === 'host') return '';
  if (s.mode === 'ns') return `ns:${s.path}`;
  if (s.mode === 'container') return `container:${s.container}`;
  return 'private';
}

/** The entries /etc/passwd and /etc/group get for keep-id (podman's), when the image lacks them. */
export function keepIdEntries(k: { uid: number; gid: number; named: boolean }, user: string, gecos: string, passwd: string, group: string, home = '/'): { passwd?: string; group?: string } {
  const has = (text: string, id: number) => text.split('\n').some((l) => l.split(':')[2] === String(id));
  const name = k.named ? user : String(k.uid);
  const out: { passwd?: string; group?: string } = {};
  if (!has(passwd, k.uid)) out.passwd = `${name}:*:${k.uid}:${k.gid}:${k.named ? gecos : 'container user'}:${home}:/bin/sh\n`;
  if (!has(group, k.gid)) out.group = `${k.named ? user : String(k.gid)}:x:${k.gid}:${name}\n`;
  return out;
}
