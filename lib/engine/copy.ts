// `tspod cp`: files between the host and a container, as a tar stream run by
// the container's own tar: through `exec` while it runs (its file system is
// mounted only inside its own mount namespace), and while it does not, in a
// short run of the container itself (same layers, mounts and confinement, no
// network, under its lock) whose command is that tar. The image's tar never runs
// unconfined. Files copied in belong to the container's root; files copied out
// belong to the user.
import { closeSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import * as tar from 'tar';
import { TspodError } from '../util/errors.js';
import { containerExec } from './exec.js';
import { safeEntryPath } from '../storage/extract.js';
import { launch, type LaunchPlan } from '../runtime/launch.js';
import { findContainer, liveState } from './containers.js';
import { openStore } from './store.js';

export interface CopyEnd {
  container?: string;
  path: string;
}

/** CONTAINER:PATH or a host path (a path with '/' before any ':' is a host path, as podman). */
export function parseCopyEnd(arg: string): CopyEnd {
  const colon = arg.indexOf(':');
  const slash = arg.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) {
    const path = arg.slice(colon + 1);
    if (!path.startsWith('/')) throw new TspodError(`"${arg}": the path in the container must be absolute`);
    return { container: arg.slice(0, colon), path };
  }
  return { path: arg };
}

const quiet = { interactive: false, tty: false, env: [] };

/** Run a command of the container's image on its file system, running or not. */
async function inContainer(ref: string, argv: string[], io: { stdinFd?: number; stdoutFd?: number } = {}): Promise<number> {
  const store = openStore();
  const rec = findContainer(store.containers.list().map((c) => liveState(c, store)), ref);
  if (rec.state.status === 'running') return containerExec(rec.id, argv, { ...quiet, interactive: io.stdinFd !== undefined, ...io });
  const plan = rec.plan as LaunchPlan | undefined;
  if (!plan) throw new TspodError(`container ${rec.id.slice(0, 12)} has no launch plan (made by an older tspod)`);
  return store.lockedContainer(rec.id, async () => {
    const now = store.containers.get(rec.id);
    if (!now || liveState(now, store).state.status === 'running') throw new TspodError(`container ${rec.id.slice(0, 12)} was started or removed meanwhile: copy again`);
    const tarRun: LaunchPlan = { ...(store.containers.withSeccomp(now).plan as LaunchPlan), argv, user: '0', cwd: '/', network: 'none', slirpArgs: [], tty: false, init: false, preserveFds: 0 };
    const r = await launch(tarRun, { tty: false, interactive: io.stdinFd !== undefined, stdinFd: io.stdinFd, stdoutFd: io.stdoutFd }, { started: () => undefined });
    return r.exitCode;
  });
}

export interface CopyOptions {
  /** --archive (default): files copied in belong to the container's user (-u), not its root */
  archive?: boolean;
  /** --overwrite: a directory may replace a non-directory and the other way round */
  overwrite?: boolean;
}

export async function copy(srcArg: string, destArg: string, o: CopyOptions = {}): Promise<void> {
  const src = parseCopyEnd(srcArg), dest = parseCopyEnd(destArg);
  if (!!src.container === !!dest.container) throw new TspodError('tspod cp copies between the host and a container: exactly one of SRC and DEST must be CONTAINER:PATH');
  const work = mkdtempSync(join(tmpdir(), 'tspod-cp-'));
  try {
    if (src.container) await copyOut(src.container, src.path, resolve(dest.path), work, o);
    else await copyIn(resolve(src.path), dest.container!, dest.path, work, o);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function copyOut(ctr: string, path: string, dest: string, work: string, o: CopyOptions): Promise<void> {
  const archive = join(work, 'out.tar');
  const fd = openSync(archive, 'w');
  let code: number;
  try {
    code = await inContainer(ctr, ['tar', '-c', '-C', posix.dirname(path), posix.basename(path)], { stdoutFd: fd });
  } finally {
    closeSync(fd);
  }
  if (code !== 0) throw new TspodError(`cannot copy ${ctr}:${path} (tar in the container exited ${code}: does the path exist, and does the image have tar?)`);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  // The archive comes from the container: hold it to the layer rules (no
  // absolute paths, no '..', nothing outside the one item asked for).
  let unsafe: string | undefined;
  // Symlinks to absolute targets (an image's /etc/mtab -> /proc/mounts) are copied as they are, as
  // podman does: made after the extraction (node-tar would strip the '/'), each in a directory
  // checked to lie inside the unpacked tree.
  const absoluteLinks: Array<{ rel: string; target: string }> = [];
  await tar.x({
    file: archive, cwd: unpacked, preserveOwner: false, strict: true,
    filter: (p, entry) => {
      try {
        const rel = safeEntryPath(p);
        if (rel !== posix.basename(path) && !rel.startsWith(`${posix.basename(path)}/`)) throw new Error(`entry "${p}" is outside ${path}`);
        const e = entry as { type?: string; linkpath?: string };
        if (e.type === 'SymbolicLink' && e.linkpath?.startsWith('/')) {
          absoluteLinks.push({ rel, target: e.linkpath });
          return false;
        }
        return true;
      } catch (err) {
        unsafe ??= (err as Error).message;
        return false;
      }
    },
  });
  if (unsafe) throw new TspodError(`the container sent an unsafe archive for ${path}: ${unsafe}`);
  const top = realpathSync(unpacked);
  for (const l of absoluteLinks) {
    const at = join(unpacked, l.rel);
    let parent: string;
    try {
      parent = realpathSync(dirname(at));
    } catch {
      continue; // its directory was not in the archive
    }
    if (parent !== top && !parent.startsWith(`${top}/`)) throw new TspodError(`the container sent an unsafe archive for ${path}: link "${l.rel}" would be made outside it`);
    rmSync(join(parent, basename(at)), { force: true });
    symlinkSync(l.target, join(parent, basename(at)));
  }
  const item = join(unpacked, posix.basename(path));
  // Into an existing directory, or as the new name.
  const target = existsSync(dest) && statSync(dest).isDirectory() ? join(dest, posix.basename(path)) : dest;
  if (!existsSync(dirname(target))) throw new TspodError(`${dirname(target)} does not exist on the host`);
  if (!o.overwrite && existsSync(target) && lstatSync(target).isDirectory() !== lstatSync(item).isDirectory()) {
    throw new TspodError(`copying to host: cannot overwrite ${lstatSync(target).isDirectory() ? 'directory' : 'non-directory'} "${target}" with ${lstatSync(item).isDirectory() ? 'directory' : 'non-directory'} "${path}": use --overwrite`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(item, target);
}

async function copyIn(src: string, ctr: string, dest: string, work: string, o: CopyOptions): Promise<void> {
  if (!existsSync(src)) throw new TspodError(`${src}: no such file or directory on the host`);
  // Decide in the container: into DEST if it is a directory, else as DEST.
  const isDir = (await inContainer(ctr, ['test', '-d', dest])) === 0;
  const name = isDir ? basename(src) : posix.basename(dest);
  const into = isDir ? dest : posix.dirname(dest);
  const target = posix.join(into, name);
  const srcIsDir = statSync(src).isDirectory();
  if (!isDir && srcIsDir && (await inContainer(ctr, ['test', '-e', dest])) === 0) {
    throw new TspodError('destination must be a directory when copying a directory');
  }
  if (!o.overwrite && isDir && (await inContainer(ctr, ['test', '-e', target])) === 0) {
    const targetIsDir = (await inContainer(ctr, ['test', '-d', target])) === 0;
    if (targetIsDir !== srcIsDir) {
      throw new TspodError(`copying to container: cannot overwrite ${targetIsDir ? 'directory' : 'non-directory'} "${target}" with ${srcIsDir ? 'directory' : 'non-directory'} "${src}": use --overwrite`);
    }
  }
  const stage = join(work, 'stage');
  mkdirSync(stage);
  cpSync(src, join(stage, name), { recursive: true, verbatimSymlinks: true });
  const archive = join(work, 'in.tar');
  // uid/gid 0: the files belong to the container's root.
  await tar.c({ file: archive, cwd: stage, portable: true }, [name]);
  // --overwrite: what is there of the other kind goes first (tar cannot put a file over a directory).
  if (o.overwrite && isDir && (await inContainer(ctr, ['test', '-d', target])) === 0 !== srcIsDir) await inContainer(ctr, ['rm', '-rf', target]);
  const fd = openSync(archive, 'r');
  let code: number;
  try {
    code = await inContainer(ctr, ['tar', '-x', '-C', into], { stdinFd: fd });
  } finally {
    closeSync(fd);
  }
  if (code !== 0) throw new TspodError(`cannot copy into ${ctr}:${dest} (tar in the container exited ${code}: does ${into} exist, and does the image have tar?)`);
  // --archive: what was copied in belongs to the container's user, as podman chowns it.
  const user = containerUser(ctr);
  if (o.archive !== false && user !== '0' && user !== 'root' && user !== '0:0') {
    const chown = await inContainer(ctr, ['chown', '-R', user, target]);
    if (chown !== 0) throw new TspodError(`copied into ${ctr}:${target}, but giving it to the container's user ${user} failed (chown exited ${chown}); use --archive=false to keep root as the owner`);
  }
}

function containerUser(ref: string): string {
  const store = openStore();
  const rec = findContainer(store.containers.list(), ref);
  return (rec.plan as LaunchPlan | undefined)?.user ?? '0';
}
