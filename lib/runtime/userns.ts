// Running a command as root of the user's shared user namespace (the user's own uid
// as 0, the subordinate ranges above it; runtime/pause.ts holds it): how tspod
// extracts layers with their owners and removes files that belong to subordinate ids.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { helperPath } from '../config/paths.js';
import type { RootFileOps } from '../storage/layers.js';
import type { ExtractLauncher } from '../storage/extract.js';
import { TspodError } from '../util/errors.js';
import { ensureUserNamespace, stopUserNamespaceIfUnused, type UserNamespaceHolder } from './pause.js';

export interface UsernsResult {
  exitCode: number;
  stderr: string;
}

export interface UsernsIo {
  /** text for stdin (else stdinFd, else nothing) */
  input?: string;
  stdinFd?: number;
  stdoutFd?: number;
  /** a stream piped into the command's stdin; either side stopping ends both (the exit status tells why) */
  stdin?: Readable;
  /** all three of tspod's own (tspod unshare) */
  inherit?: boolean;
}

/** Run ARGV as root of the user's shared user namespace (runtime/pause.ts), joined by
 * tspod-userns: no namespace and no id maps of its own. When no container exists, the
 * namespace's holder is stopped again afterwards. */
let inFlight = 0;

export async function runInUserns(argv: string[], io: UsernsIo = {}): Promise<UsernsResult> {
  inFlight++;
  try {
    for (let attempt = 1; ; attempt++) {
      const holder = await ensureUserNamespace();
      const r = await runJoined(holder, argv, io);
      // The holder went away between our look-up and the join (a concurrent stop, a kill -9):
      // the next look-up starts a new one. Only when nothing ran (the helper's own failure).
      if (r.exitCode === 125 && /^tspod-userns: pause: /.test(r.stderr) && attempt < 3 && !io.stdin && !io.inherit) continue;
      return r;
    }
  } finally {
    // Not while another command of this process still uses it (a pull extracts layers side by side).
    if (--inFlight === 0) await stopUserNamespaceIfUnused();
  }
}

/** A helper that failed to join because the holder went away meanwhile (another command
 * stopped it): nothing ran, so the whole step may be tried again with a new holder. */
function holderWentAway(err: unknown): boolean {
  return /tspod-userns: pause: /.test((err as Error).message ?? '');
}

async function runJoined(holder: UserNamespaceHolder, argv: string[], io: UsernsIo): Promise<UsernsResult> {
  const { input, stdinFd, stdoutFd } = io;
  const path = helperPath('tspod-userns');
  const child = spawn(path, ['-J', String(holder.pid), holder.start, ...argv], {
    stdio: io.inherit ? 'inherit' : [input !== undefined || io.stdin ? 'pipe' : stdinFd ?? 'ignore', stdoutFd ?? 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (input !== undefined) child.stdin!.end(input);
  else if (io.stdin) pipeline(io.stdin, child.stdin!, () => undefined);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new TspodError(`cannot run ${path}: ${err.message} (was \`npm run build\` run?)`)));
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0)));
  });
  return { exitCode, stderr };
}

/** Remove paths that may hold files owned by subordinate ids. */
export async function removeAsRoot(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const r = await runInUserns(['rm', '-rf', '--', ...paths]);
  if (r.exitCode !== 0) throw new TspodError(`cannot remove ${paths.join(', ')}: ${r.stderr.trim()}`);
}

/** tspod-extract through LAUNCH, again (up to three times) when the shared namespace's holder
 * went away during the join: the next attempt starts a new one. */
async function extractWithRetry(file: string, dest: string, diffId: string | undefined, launch: ExtractLauncher): Promise<{ rootMode?: number }> {
  const { defaultLimits, extractLayer } = await import('../storage/extract.js');
  for (let attempt = 1; ; attempt++) {
    try {
      return await extractLayer(file, dest, defaultLimits(), diffId, launch);
    } catch (err) {
      if (!holderWentAway(err) || attempt >= 3) throw err;
    }
  }
}

/** Extract a layer blob into DEST with the owners it records: tspod-extract runs as root
 * of the mapped user namespace, with DEST as the root of its own mount namespace. */
export async function extractLayerAsRoot(blobPath: string, dest: string, diffId?: string): Promise<{ rootMode?: number }> {
  const launch: ExtractLauncher = (args, stdin) => runInUserns([helperPath('tspod-extract'), ...args], { stdin });
  try {
    return await extractWithRetry(blobPath, dest, diffId, launch);
  } catch (err) {
    if (err instanceof TspodError) throw err;
    throw new TspodError(`layer ${blobPath.split('/').pop()} cannot be extracted: ${(err as Error).message}`);
  }
}

/** A plain tar archive (volume import) into DEST, as a layer is extracted but without layer
 * semantics (whiteout names are ordinary files). */
export async function extractArchiveAsRoot(file: string, dest: string, what: string): Promise<void> {
  const launch: ExtractLauncher = (args, stdin) => runInUserns([helperPath('tspod-extract'), '--plain', ...args], { stdin });
  try {
    await extractWithRetry(file, dest, undefined, launch);
  } catch (err) {
    throw new TspodError(`${what} cannot be imported: ${(err as Error).message.replace(/^layer \S+ cannot be extracted: /, '')}`);
  }
}

export const rootFileOps: RootFileOps = { extractLayer: extractLayerAsRoot, remove: removeAsRoot };

/** A container's file system as an overlay mount: its writable layer over its image
 * layers. Read-only unless WORKDIR is given (a work directory on the file system of
 * UPPER that no running container uses). */
export interface ContainerRoot {
  upperDir: string;
  lowerDirs: string[];
  workDir?: string;
}

function overlayOptions(root: ContainerRoot): string {
  return root.workDir
    ? `userxattr,lowerdir=${root.lowerDirs.join(':')},upperdir=${root.upperDir},workdir=${root.workDir}`
    : `ro,userxattr,lowerdir=${[root.upperDir, ...root.lowerDirs].join(':')}`;
}

/** Write a tar of a container's file system to FD, with the ids it records.
 * fuse-overlayfs marks opaque directories with names the kernel's overlay does not read: left out. */
export async function exportFilesystem(upperDir: string, lowerDirs: string[], fd: number): Promise<void> {
  const r = await runInUserns(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
    'set -e; m=$(mktemp -d); trap \'umount "$m" 2>/dev/null; rmdir "$m"\' EXIT; mount -t overlay overlay -o "$1" "$m"; '
    + 'tar --numeric-owner --exclude=.wh..wh..opq --exclude=.wh..opq -C "$m" -cf - .', 'export', overlayOptions({ upperDir, lowerDirs })], { stdoutFd: fd });
  if (r.exitCode !== 0) throw new TspodError(`cannot export the container's file system: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

const diffWorker = fileURLToPath(new URL('../storage/diff-worker.js', import.meta.url));

/** Write the layer tar of a container's writable layer to OUT (see storage/diff.ts). */
export async function packUpperLayer(upperDir: string, out: string): Promise<void> {
  // `--`: Node reads no option from the worker's arguments (a path could start with a dash).
  const r = await runInUserns([process.execPath, '--', diffWorker, upperDir, out]);
  if (r.exitCode !== 0) throw new TspodError(`cannot read the container's changes: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

/** Are we root of a user namespace other than the host's (inside `tspod unshare`)? */
export function insideUserNamespace(): boolean {
  try {
    const first = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return !(first[0] === '0' && first[1] === '0' && first[2] === '4294967295');
  } catch {
    return false;
  }
}

/** Mount a container's file system at TARGET with the kernel's overlay (inside `tspod unshare`). */
export function mountContainerRoot(root: ContainerRoot, target: string): void {
  try {
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions(root), target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new TspodError(`cannot mount the container's file system at ${target}: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`);
  }
}

export function unmountContainerRoot(target: string): void {
  try {
    execFileSync('umount', [target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new TspodError(`cannot unmount ${target}: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`);
  }
}

/** Mount points in this mount namespace. */
export function mountPoints(): Set<string> {
  return new Set(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => !!p));
}
