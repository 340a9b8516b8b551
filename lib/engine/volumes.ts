// Named and anonymous volumes: create, list, inspect, remove, prune, export and import,
// and how `run -v NAME:/path` and `--mount type=volume` turn a volume into a container mount.
import { randomBytes } from '../util/builtins.js';
import { chmodSync, createWriteStream, existsSync, lstatSync, statSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join, posix } from 'node:path';
import { checkMountDestination, parseTmpfs } from '../runtime/mounts.js';
import { insideUserNamespace, runInUserns } from '../runtime/userns.js';
import type { ContainerRecord, Mount } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { volumeNamePattern, type VolumeRecord } from '../storage/volumes.js';
import { labelMatch, untilTime } from '../util/filters.js';
import { TspodError } from '../util/errors.js';
import { liveState } from './containers.js';
import { openStore } from './store.js';

export interface VolumeCreateOptions {
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  /** --opt KEY=VALUE */
  options?: Record<string, string>;
  /** --ignore: an existing volume of that name is not an error */
  ignore?: boolean;
}

/** podman's `volume inspect` object. */
export interface VolumeReport {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  MountCount: number;
  NeedsCopyUp: boolean;
  NeedsChown: boolean;
  Anonymous?: boolean;
  /** tspod: containers that name it (running or not) */
  Containers?: string[];
}

/** The `local` driver's options, as podman 4.3 takes them. */
function checkOptions(options: Record<string, string>): void {
  for (const [k, v] of Object.entries(options)) {
    const key = k.toLowerCase();
    if (key === 'size' || key === 'inodes') {
      throw new TspodError('volume options size and inodes not supported. Filesystem does not support Project Quota');
    }
    if (!['type', 'device', 'o', 'uid', 'gid', 'copy', 'nocopy', 'noquota'].includes(key)) {
      throw new TspodError(`invalid mount option ${k} for driver 'local': invalid argument`);
    }
    if (key === 'type' && !['tmpfs', 'none', 'bind'].includes(v)) {
      throw new TspodError(`invalid volume type "${v}" for driver 'local': tspod mounts tmpfs and none/bind (with device=HOST-DIR,o=bind) volumes; leave --opt type out for a directory in the store`);
    }
    if ((key === 'uid' || key === 'gid') && !/^\d+$/.test(v)) throw new TspodError(`cannot convert ${k} ${v} to integer: invalid argument`);
  }
  const type = options.type;
  // type=bind binds DEVICE; type=none mounts a device, which rootless is only possible as a bind (o=bind).
  if (type === 'none' && !(options.o ?? '').split(',').some((o) => o === 'bind' || o === 'rbind')) {
    throw new TspodError(`volume type "${type}" with device=${options.device ?? '(none)'} needs o=bind: rootless, tspod can only bind a host directory, not mount a device`);
  }
  if ((type === 'none' || type === 'bind') && !options.device?.startsWith('/')) {
    throw new TspodError('a bind volume needs device=/absolute/host/path');
  }
  if (type !== 'tmpfs' && options.device !== undefined) {
    // podman stats the device at create: a missing one is refused then, not at the first run.
    try {
      statSync(options.device);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new TspodError(`invalid volume option device for driver 'local': stat ${options.device}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message}`);
    }
  }
  if (type === 'tmpfs') {
    // Its o= options are the tmpfs's own (size=, mode=, uid=, ...): checked now, used at each run.
    parseTmpfs(`/volume${options.o ? `:${options.o}` : ''}`);
  }
}

export async function volumeCreate(opts: VolumeCreateOptions, store: Store = openStore()): Promise<string> {
  return store.locked(async () => createVolumeLocked(store, opts));
}

/** volumeCreate for a caller that holds the store lock already. */
function createVolumeLocked(store: Store, opts: VolumeCreateOptions): string {
  const driver = opts.driver ?? 'local';
  if (driver !== 'local') throw new TspodError(`error looking up volume plugin ${driver}: plugin ${driver} not found: no such volume plugin (tspod has the local driver only)`);
  const name = opts.name ?? randomBytes(32).toString('hex');
  if (!volumeNamePattern.test(name)) throw new TspodError(`running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  const options = opts.options ?? {};
  checkOptions(options);
  if (store.volumes.get(name)) {
    if (opts.ignore) return name;
    throw new TspodError(`volume with name ${name} already exists: volume already exists`);
  }
  store.volumes.create({
    version: 1, name, driver: 'local', created: new Date().toISOString(), labels: opts.labels ?? {}, options,
    anonymous: opts.name === undefined, needsCopyUp: options.nocopy === undefined,
  });
  return name;
}

/** Volume name -> the containers (ids) whose mounts name it. */
export function volumeUsers(store: Store, containers: ContainerRecord[] = store.containers.list()): Map<string, ContainerRecord[]> {
  const users = new Map<string, ContainerRecord[]>();
  for (const c of containers) {
    for (const m of c.config.mounts) {
      if (m.type !== 'volume' || !m.volume) continue;
      users.set(m.volume, [...(users.get(m.volume) ?? []), c]);
    }
  }
  return users;
}

function report(store: Store, v: VolumeRecord, users: ContainerRecord[]): VolumeReport {
  return {
    Name: v.name, Driver: v.driver, Mountpoint: store.volumes.dataDir(v.name), CreatedAt: v.created, Labels: v.labels,
    Scope: 'local', Options: v.options,
    MountCount: users.map((c) => liveState(c, store)).filter((c) => c.state.status === 'running').length,
    NeedsCopyUp: v.needsCopyUp, NeedsChown: v.needsChown !== false, ...(v.anonymous ? { Anonymous: true } : {}),
    Containers: users.map((c) => c.id),
  };
}

export function volumeFind(store: Store, name: string): VolumeRecord {
  const v = store.volumes.get(name);
  if (!v) throw new TspodError(`no volume with name "${name}" found: no such volume`);
  return v;
}

export interface VolumeFilter {
  key: string;
  value: string;
}

export function parseVolumeFilters(filters: string[]): VolumeFilter[] {
  return filters.map((f) => {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (!['name', 'label', 'dangling', 'driver', 'scope', 'until', 'label!', 'anonymous'].includes(key)) {
      throw new TspodError(`${key} is an invalid volume filter: use name, label, label!, dangling, driver, scope, anonymous or until`);
    }
    return { key, value: eq < 0 ? '' : f.slice(eq + 1) };
  });
}

function matches(r: VolumeReport, f: VolumeFilter): boolean {
  const label = (spec: string) => labelMatch(r.Labels, spec);
  switch (f.key) {
    // podman matches the name as an unanchored regular expression (volume_1* finds volume_2_x too).
    case 'name': return regexpMatch(f.value, r.Name);
    case 'label': return label(f.value);
    case 'label!': return !label(f.value);
    case 'driver': return r.Driver === f.value;
    case 'scope': return f.value === 'local';
    case 'dangling': return ['true', '1'].includes(f.value) === ((r.Containers ?? []).length === 0);
    case 'anonymous': return ['true', '1'].includes(f.value) === !!r.Anonymous;
    case 'until': return Date.parse(r.CreatedAt) < untilTime(f.value);
    default: return false;
  }
}

function regexpMatch(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    return s.includes(pattern);
  }
}

/** Every volume, filters joined as podman joins them: the same key ORs, different keys AND. */
export function volumeList(filters: string[] = [], store: Store = openStore()): VolumeReport[] {
  const parsed = parseVolumeFilters(filters);
  const users = volumeUsers(store);
  const byKey = new Map<string, VolumeFilter[]>();
  for (const f of parsed) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  return store.volumes.list((name, err) => process.emitWarning(`volume ${name}: unreadable record (${err.message})`))
    .map((v) => report(store, v, users.get(v.name) ?? []))
    .filter((r) => [...byKey.values()].every((fs) => fs.some((f) => matches(r, f))));
}

export function volumeInspect(names: string[], all = false, store: Store = openStore()): { reports: VolumeReport[]; errors: string[] } {
  const users = volumeUsers(store);
  if (all) return { reports: volumeList([], store), errors: [] };
  const reports: VolumeReport[] = [];
  const errors: string[] = [];
  for (const n of names) {
    const v = store.volumes.get(n);
    if (v) reports.push(report(store, v, users.get(n) ?? []));
    else errors.push(`inspecting object: no such volume ${n}`);
  }
  return { reports, errors };
}

/** `volume mount NAME`: a local volume's files are a directory of the store, owned by the user's
 * user namespace: as podman, only inside `tspod unshare`, where that path is its mount point. */
export function volumeMount(name: string, store: Store = openStore()): string {
  if (!insideUserNamespace()) throw new TspodError('cannot run command "tspod volume mount" in rootless mode, must execute `tspod unshare` first');
  const v = volumeFind(store, name);
  return v.options.device && v.options.type !== 'tmpfs' ? v.options.device : store.volumes.dataDir(v.name);
}

export function volumeExists(name: string, store: Store = openStore()): boolean {
  return store.volumes.get(name) !== undefined;
}

export interface VolumeRmReport {
  name: string;
  error?: string;
  /** podman's exit code for this failure: 1 no such volume, 2 in use */
  exitCode?: number;
}

/** Remove volumes; one in use is refused (exit 2) unless force, which removes its containers first. */
export async function volumeRemove(names: string[], opts: { force?: boolean; all?: boolean } = {}, store: Store = openStore()): Promise<VolumeRmReport[]> {
  const targets = opts.all ? store.volumes.list().map((v) => v.name) : names;
  const out: VolumeRmReport[] = [];
  for (const name of targets) {
    if (!store.volumes.get(name)) {
      out.push({ name, error: `no volume with name "${name}" found: no such volume`, exitCode: 1 });
      continue;
    }
    const users = volumeUsers(store).get(name) ?? [];
    if (users.length && !opts.force) {
      out.push({ name, error: `volume ${name} is being used by the following container(s): ${users.map((c) => c.id).join(', ')}: volume is being used`, exitCode: 2 });
      continue;
    }
    if (users.length) {
      const { containerRemove } = await import('./containers.js');
      const rm = await containerRemove(users.map((c) => c.id), true, false);
      const failed = rm.find((r) => r.error);
      if (failed) {
        out.push({ name, error: `removing a container that uses volume ${name}: ${failed.error}`, exitCode: 125 });
        continue;
      }
    }
    await removeVolumeFiles(store, name);
    out.push({ name });
  }
  return out;
}

async function removeVolumeFiles(store: Store, name: string): Promise<void> {
  await store.locked(() => store.ops.remove([store.volumes.dir(name)]));
}

/** The volumes no container names (matching the filters): what `volume prune` would remove. */
export function volumePruneList(filters: string[] = [], store: Store = openStore()): string[] {
  return volumeList(filters, store).filter((r) => (r.Containers ?? []).length === 0).map((r) => r.Name);
}

/** Remove the volumes no container names (matching the filters, and among `only` when given: those
 * the user confirmed); returns their names. */
export async function volumePrune(filters: string[] = [], store: Store = openStore(), only?: string[]): Promise<string[]> {
  const unused = volumeList(filters, store).filter((r) => (r.Containers ?? []).length === 0 && (!only || only.includes(r.Name)));
  for (const r of unused) await removeVolumeFiles(store, r.Name);
  return unused.map((r) => r.Name);
}

/** The volume's files as a tar stream on `fd`, read as the namespace's root (owners as containers see them). */
export async function volumeExport(name: string, fd: number, store: Store = openStore()): Promise<void> {
  const v = volumeFind(store, name);
  const r = await runInUserns(['tar', '--numeric-owner', '-C', v.options.device ?? store.volumes.dataDir(name), '-cf', '-', '.'], { stdoutFd: fd });
  if (r.exitCode !== 0) throw new TspodError(`exporting volume ${name}: ${r.stderr.trim() || `tar exited ${r.exitCode}`}`);
}

/** Anonymous volumes of a removed container go with it (rm -v, run --rm), unless another container names them. */
export async function removeAnonymousVolumes(store: Store, rec: ContainerRecord): Promise<void> {
  // Most containers have none: no record of the others is read then.
  if (!rec.config.mounts.some((m) => m.type === 'volume' && m.volume && store.volumes.get(m.volume)?.anonymous)) return;
  const users = volumeUsers(store);
  for (const m of rec.config.mounts) {
    if (m.type !== 'volume' || !m.volume) continue;
    const v = store.volumes.get(m.volume);
    if (!v?.anonymous) continue;
    if ((users.get(m.volume) ?? []).some((c) => c.id !== rec.id)) continue;
    await removeVolumeFiles(store, m.volume);
  }
}

/** Whether a volume's data directory is still empty (copy-up happens only into an empty volume). */
export function volumeIsEmpty(store: Store, name: string): boolean {
  try {
    return readdirSync(store.volumes.dataDir(name)).length === 0;
  } catch {
    return true;
  }
}

/** `-v` / `--mount type=volume` / image VOLUME mounts made concrete at create: named volumes are
 * created when missing (as podman does), anonymous ones (no name) get a fresh one; each
 * mount's source becomes the volume's data directory (or its bind device). */
export async function resolveVolumeMounts(store: Store, mounts: Mount[], imageVolumes: string[] = []): Promise<Mount[]> {
  // Called with the store lock held (container create).
  const out: Mount[] = [];
  const covered = new Set(mounts.map((m) => m.destination));
  // The image's VOLUMEs are its content, not the user's choice: held to the same rules as -v.
  // A relative one is taken from / (`VOLUME ['/a', '/b']`, not JSON, makes "[/a," and "/b]": as podman's).
  imageVolumes = imageVolumes.map((d) => (posix.isAbsolute(d) ? d : `/${d}`));
  for (const d of imageVolumes) {
    if (d.split('/').includes('..')) throw new TspodError(`the image's VOLUME "${d}" is not an absolute path without "..": the image is malformed`);
    checkMountDestination(posix.normalize(d), `the image's VOLUME "${d}"`);
  }
  const wanted = [...mounts, ...imageVolumes.filter((d) => !covered.has(posix.normalize(d))).map((d): Mount => ({ type: 'volume', volume: '', source: '', destination: posix.normalize(d), readonly: false }))];
  for (const m of wanted) {
    if (m.type !== 'volume') {
      out.push(m);
      continue;
    }
    const name = createVolumeLocked(store, m.volume ? { name: m.volume, ignore: true } : {});
    const v = volumeFind(store, name);
    out.push({ ...m, volume: name, source: v.options.device && v.options.type !== 'tmpfs' ? v.options.device : store.volumes.dataDir(name) });
  }
  return out;
}

/** Before a start: volumes still marked for copy-up get the image's content at their mount point
 * (owners and modes kept, read as the namespace's root) when they are empty. As podman, the mark
 * stays until a mount point with content is met (an empty or missing one leaves it), and a volume
 * that has files of its own by then is left as it is. A mount point that passes through a symlink
 * in the image is not copied from: the copy must never leave the image's own files. */
export async function copyUpVolumes(store: Store, rec: ContainerRecord, lowerDirs: string[]): Promise<void> {
  for (const m of rec.config.mounts) {
    if (m.type !== 'volume' || !m.volume) continue;
    const v = store.volumes.get(m.volume);
    if (!v) continue;
    // The first use settles the ownership (podman's NeedsChown).
    if (v.needsChown !== false) store.volumes.save({ ...v, needsChown: false });
    if (m.noCopy || !v.needsCopyUp || v.options.device) continue;
    if (!lowerDirs.length || throughSymlink(lowerDirs, m.destination)) continue;
    const r = await runInUserns(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
      // overlay needs two lower layers when it has no upper one: a single layer is read directly.
      'set -e; case "$1" in *:*) m=$(mktemp -d); trap \'umount "$m" 2>/dev/null; rmdir "$m"\' EXIT; mount -t overlay overlay -o "ro,userxattr,lowerdir=$1" "$m";; *) m=$1;; esac; '
      // Exit 3: nothing at the mount point to copy (the volume keeps its mark).
      + 'if [ ! -d "$m$2" ] || [ -L "$m$2" ] || [ -z "$(ls -A "$m$2")" ]; then exit 3; fi; '
      // Copied into a fresh directory that replaces the data directory only if that is still empty
      // (rmdir): a container sharing the volume cannot steer the copy through a symlink of its own.
      + 'if [ "$4" = copy ]; then t=$(mktemp -d "$3.copyup.XXXXXX"); cp -a --no-dereference "$m$2/." "$t/"; '
      + 'if rmdir "$3" 2>/dev/null; then mv -T "$t" "$3"; else rm -rf "$t"; fi; fi', 'copy-up', lowerDirs.join(':'), m.destination, store.volumes.dataDir(v.name),
      volumeIsEmpty(store, v.name) ? 'copy' : 'check']);
    if (r.exitCode === 3) continue;
    if (r.exitCode !== 0) throw new TspodError(`copying the image's ${m.destination} into volume ${v.name}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    store.volumes.save({ ...(store.volumes.get(v.name) ?? v), needsCopyUp: false });
  }
}

/** Does PATH, resolved in the union of LOWERS (top first), pass through a symlink? */
function throughSymlink(lowers: string[], path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    for (const l of lowers) {
      let st;
      try {
        st = lstatSync(join(l, rel));
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) return true;
      break; // the topmost layer that has the entry decides
    }
  }
  return false;
}

/** A tar archive's files into an empty volume (`volume import`), extracted as a layer is
 * (beneath a directory as the root of a private mount namespace, never through a symlink) but
 * without layer semantics, into a fresh directory that replaces the empty data directory only
 * once the whole archive is in: a refused archive leaves the volume as it was. */
export async function volumeImport(name: string, archive: string | NodeJS.ReadableStream, store: Store = openStore()): Promise<void> {
  const v = volumeFind(store, name);
  if (v.options.device) throw new TspodError(`volume ${name} binds ${v.options.device}: import into that directory yourself (tar -x -C ${v.options.device})`);
  if (!volumeIsEmpty(store, name)) {
    throw new TspodError(`volume ${name} is not empty: tspod imports into an empty volume only, so that a refused archive changes nothing (\`tspod volume create\` a new one, or remove its files first)`);
  }
  const { extractArchiveAsRoot } = await import('../runtime/userns.js');
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const spool = typeof archive === 'string' ? undefined : mkdtempSync(join(store.root, 'tmp', 'volume-import-'));
  const staging = mkdtempSync(join(store.volumes.dir(name), '.import-'));
  chmodSync(staging, 0o755); // as a new volume's directory, unless the archive's "./" says otherwise
  try {
    let file = archive as string;
    if (spool) {
      // A stream (stdin) is spooled first: extraction reads a file (its kind is told from its first bytes).
      file = join(spool, 'archive.tar');
      await pipeline(archive as NodeJS.ReadableStream, createWriteStream(file));
    }
    await extractArchiveAsRoot(file, staging, `the archive ${typeof archive === 'string' ? archive : '(stdin)'}`);
    const data = store.volumes.dataDir(name);
    rmdirSync(data); // still empty: nothing was written to it meanwhile, or this fails
    renameSync(staging, data);
  } finally {
    if (existsSync(staging)) await store.ops.remove([staging]).catch(() => rmSync(staging, { recursive: true, force: true }));
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
}

/** `-v SRC:DEST:U`: each such source, recursively, belongs to the container's process user (as
 * podman: at each start, unless the source itself already has them). Run as root of the user's shared namespace with the ids the container's
 * mapping gives them there; symlinks are changed themselves, never followed (-h, -P). */
export async function chownVolumes(rec: ContainerRecord, lowerDirs: string[]): Promise<void> {
  const { containerUserIds, sharedId } = await import('./userns.js');
  const ids = containerUserIds(rec.config.user, lowerDirs);
  const uid = sharedId(ids.uid, rec.config.userns?.uidMap), gid = sharedId(ids.gid, rec.config.userns?.gidMap);
  for (const m of rec.config.mounts) {
    if (!m.chown || !m.source) continue;
    // As podman: nothing is done when the source itself already has those owners (what is below
    // it keeps what it was given since).
    const r = await runInUserns(['sh', '-c', '[ "$(stat -c %u:%g -- "$2")" = "$1" ] || chown -R -h -P -- "$1" "$2"', 'chown-U', `${uid}:${gid}`, m.source]);
    if (r.exitCode !== 0) throw new TspodError(`cannot chown ${m.source} to the container's user (${ids.uid}:${ids.gid}) for :U: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  }
}
