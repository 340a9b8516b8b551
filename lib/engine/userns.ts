// A container's user namespace (--userns, --uidmap, --gidmap): the spec from the flags
// (lib/spec/userns.ts) with what only the store knows (the ranges other containers use, the
// image's ids), and what the launch needs for it: the maps, fuse-overlayfs to show the
// layers with the nested namespace's ids, keep-id's /etc/passwd and /etc/group entries.
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultFuse } from '../config/storage-conf.js';
import { currentIdMappings } from '../runtime/idmap.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { idMapStrings, keepIdEntries, parseUserns, usernsModeString, type IdMapEntry, type UsernsFlags, type UsernsSpec } from '../spec/userns.js';

/** A file of the image (the topmost layer that has it), or '' (whiteouts are not followed: etc/passwd is rarely deleted). */
function imageFile(lowerDirs: string[], path: string): string {
  for (const dir of lowerDirs) {
    try {
      return readFileSync(join(dir, path), 'utf8');
    } catch {
      /* not in this layer */
    }
  }
  return '';
}

/** The highest id /etc/passwd or /etc/group of the image names, + 1 (auto's size estimate). */
function imageIdsNeeded(lowerDirs: string[]): number {
  let max = 0;
  for (const [file, field] of [['etc/passwd', 2], ['etc/group', 2], ['etc/passwd', 3]] as const) {
    for (const line of imageFile(lowerDirs, file).split('\n')) {
      const id = Number(line.split(':')[field]);
      // nobody (65534) is everywhere and needs no room of its own, as podman's estimate
      if (Number.isInteger(id) && id < 65534 && id > max) max = id;
    }
  }
  return max + 1;
}

/** The user's shared namespace holds their own id and every subordinate id. */
function namespaceSizes(): { uid: number; gid: number; uidCount: number; gidCount: number } {
  const m = currentIdMappings();
  return { uid: m.uid, gid: m.gid, uidCount: 1 + m.subuids.reduce((n, r) => n + r.count, 0), gidCount: 1 + m.subgids.reduce((n, r) => n + r.count, 0) };
}

/** The spec for a new container (LOWERDIRS: its image layers, top first). */
export async function resolveUserns(store: Store, flags: UsernsFlags, lowerDirs: string[]): Promise<UsernsSpec> {
  const sizes = namespaceSizes();
  const auto = (flags.userns ?? '').split(':')[0] === 'auto';
  const used = auto ? store.containers.list().filter((c) => c.config.userns?.uidMap.length && !c.config.pod) : [];
  const spec = parseUserns(flags, {
    ...sizes,
    autoNeeded: auto ? imageIdsNeeded(lowerDirs) : undefined,
    usedUids: used.flatMap((c) => c.config.userns!.uidMap),
    usedGids: used.flatMap((c) => c.config.userns!.gidMap),
  });
  if (spec.mode === 'container') {
    const { findContainerIn } = await import('./containers.js');
    const target = findContainerIn(store, spec.container!);
    return { ...spec, container: target.id, uidMap: target.config.userns?.uidMap ?? [], gidMap: target.config.userns?.gidMap ?? [] };
  }
  if (spec.mode === 'ns' && !existsSync(spec.path!)) throw new TspodError(`cannot find specified user namespace path: ${spec.path}: no such file or directory`);
  return spec;
}

/** What the record keeps (inspect: podman's HostConfig.UsernsMode and IDMappings). */
export function usernsHostConfig(spec: UsernsSpec): Record<string, unknown> {
  return {
    UsernsMode: usernsModeString(spec),
    IDMappings: spec.uidMap.length ? { UidMap: idMapStrings(spec.uidMap), GidMap: idMapStrings(spec.gidMap) } : null,
  };
}

export interface UsernsLaunch {
  /** the nested namespace's maps for the launch plan */
  idMap?: { uid: IdMapEntry[]; gid: IdMapEntry[] };
  /** ns:PATH */
  usernsPath?: string;
  /** fuse-overlayfs: needed to show the layers with the nested namespace's ids */
  mountProgram?: string;
  /** keep-id: the default process user, and passwd/group files to bind over the image's */
  user?: string;
  binds: Array<{ source: string; destination: string; readonly: boolean }>;
}

export interface UsernsLaunchContext {
  lowerDirs: string[];
  /** the container's userdata and writable layer directories */
  userdata: string;
  upper: string;
  userGiven: boolean;
  mountProgram: string | undefined;
  workingDir: string;
  readOnly: boolean;
  /** where the container's mounts go (keep-id: the user's home when one is mounted there) */
  destinations: string[];
}

/** The launch's part of the spec. */
export function usernsLaunch(spec: UsernsSpec, c: UsernsLaunchContext): UsernsLaunch {
  const { lowerDirs, userdata, userGiven, mountProgram } = c;
  const out: UsernsLaunch = { binds: [] };
  if (spec.mode === 'ns') out.usernsPath = spec.path;
  if (!spec.uidMap.length) return out;
  out.idMap = { uid: spec.uidMap, gid: spec.gidMap };
  out.mountProgram = mountProgram ?? defaultFuse;
  if (!existsSync(out.mountProgram)) throw new TspodError(`--userns ${spec.mode}: ${out.mountProgram} is not installed; tspod shows the image's files with the container's ids through it. As root: \`apt-get install fuse-overlayfs\``);
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    throw new TspodError(`--userns ${spec.mode}: /dev/fuse is not accessible to this user: fuse-overlayfs needs it. As root: \`chmod 666 /dev/fuse\``);
  }
  if (spec.keepId && spec.mode === 'keep-id') {
    const k = spec.keepId;
    if (!userGiven) out.user = `${k.uid}:${k.gid}`;
    const m = currentIdMappings();
    const host = hostPasswd(m.uid);
    // podman's home: the user's own when a mount puts it in the container, else the working directory
    const home = k.named && host.home && c.destinations.includes(host.home) ? host.home : c.workingDir;
    const passwd = imageFile(lowerDirs, 'etc/passwd'), group = imageFile(lowerDirs, 'etc/group');
    const add = keepIdEntries(k, m.user, host.gecos, passwd, group, home);
    // As podman: written into the container's own /etc (its writable layer, where fuse-overlayfs
    // shows the user's files as root's), so that the container may change them (adduser); with
    // --read-only, or an image whose /etc is no directory, bound over the image's instead.
    const inPlace = !c.readOnly && imageDirIsPlain(lowerDirs, 'etc');
    if (inPlace && (add.passwd || add.group)) mkdirSync(join(c.upper, 'etc'), { mode: 0o755 });
    for (const [file, text, extra] of [['passwd', passwd, add.passwd], ['group', group, add.group]] as const) {
      if (!extra) continue;
      const body = (text && !text.endsWith('\n') ? text + '\n' : text) + extra;
      if (inPlace) {
        writeFileSync(join(c.upper, 'etc', file), body, { mode: 0o644, flag: 'wx' });
      } else {
        writeFileSync(join(userdata, file), body, { mode: 0o644 });
        out.binds.push({ source: join(userdata, file), destination: `/etc/${file}`, readonly: false });
      }
    }
  }
  return out;
}

/** The user's GECOS name and home directory on the host. */
function hostPasswd(uid: number): { gecos: string; home: string } {
  try {
    const f = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid))?.split(':');
    return { gecos: f?.[4]?.split(',')[0] ?? '', home: f?.[5] ?? '' };
  } catch {
    return { gecos: '', home: '' };
  }
}

/** Is PATH a directory (not a symlink) in the topmost layer that has it? */
function imageDirIsPlain(lowerDirs: string[], path: string): boolean {
  for (const dir of lowerDirs) {
    try {
      const st = lstatSync(join(dir, path));
      return st.isDirectory();
    } catch {
      /* not in this layer */
    }
  }
  return false;
}

/** --userns container:ID: the target's user namespace, at each start (it must run). */
export function usernsTargetPath(store: Store, rec: ContainerRecord): string | undefined {
  const target = rec.config.userns?.mode === 'container' ? rec.config.userns.container : undefined;
  if (!target) return undefined;
  const other = store.containers.get(target);
  const pid = other?.state.status === 'running' ? other.state.pid : undefined;
  if (!pid || !existsSync(`/proc/${pid}/ns/user`)) throw new TspodError(`cannot join the user namespace of container ${target.slice(0, 12)}: it is not running; start it first`);
  return `/proc/${pid}/ns/user`;
}

/** The container's process user ("name|uid[:group|gid]") as numeric ids, names looked up in the
 * image's /etc/passwd and /etc/group (as the helper does); a name the image lacks is refused. */
export function containerUserIds(user: string, lowerDirs: string[]): { uid: number; gid: number } {
  const [u = '0', g] = user.split(':');
  const passwd = imageFile(lowerDirs, 'etc/passwd').split('\n').map((l) => l.split(':'));
  const lookup = (rows: string[][], v: string, what: string): string[] | undefined => {
    const row = rows.find((r) => r[0] === v);
    if (!row && !/^\d+$/.test(v)) throw new TspodError(`unable to find ${what} ${v}: no matching entries in ${what === 'user' ? 'passwd' : 'group'} file`);
    return row;
  };
  const urow = /^\d+$/.test(u) ? passwd.find((r) => r[2] === u) : lookup(passwd, u, 'user');
  const uid = Number(/^\d+$/.test(u) ? u : urow![2]);
  let gid = Number(urow?.[3] ?? 0);
  if (g !== undefined) {
    const groups = imageFile(lowerDirs, 'etc/group').split('\n').map((l) => l.split(':'));
    gid = Number(/^\d+$/.test(g) ? g : lookup(groups, g, 'group')![2]);
  }
  return { uid, gid };
}

/** A container id as an id of the shared user namespace, through MAP (none: the same id). */
export function sharedId(id: number, map: IdMapEntry[] | undefined): number {
  if (!map?.length) return id;
  const e = map.find((m) => id >= m.container && id < m.container + m.size);
  if (!e) throw new TspodError(`the container's id ${id} is not mapped in its user namespace: cannot chown a volume to it (:U)`);
  return e.host + (id - e.container);
}
