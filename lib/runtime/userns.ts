// Running a command as root of a mapped user namespace (the user's own uid
// as 0, the subordinate range above it): how tspod extracts layers with
// their owners and removes files that belong to subordinate ids.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { helperPath } from '../config/paths.js';
import type { RootFileOps } from '../storage/layers.js';
import { TspodError } from '../util/errors.js';
import { SyncChannel, helperError } from './sync.js';
import { writeIdMaps } from './idmap.js';

export interface UsernsResult {
  exitCode: number;
  stderr: string;
}

export async function runInUserns(argv: string[], input?: string, stdoutFd?: number): Promise<UsernsResult> {
  const ch = await SyncChannel.open();
  try {
    const child = spawn(helperPath('tspod-userns'), argv, {
      env: { ...process.env, TSPOD_SYNC_SOCKET: ch.path },
      stdio: [input === undefined ? 'ignore' : 'pipe', stdoutFd ?? 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (input !== undefined) child.stdin!.end(input);
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', (err) => reject(new TspodError(`cannot run ${helperPath('tspod-userns')}: ${err.message} (was \`npm run build\` run?)`)));
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0)));
    });
    await ch.waitConnected(exited);
    const line = await ch.next();
    if (line?.startsWith('userns\t')) {
      await writeIdMaps(Number(line.split('\t')[1]));
      ch.send('mapped');
    } else if (line?.startsWith('error\t')) {
      await exited;
      throw helperError(line);
    }
    const exitCode = await exited;
    return { exitCode, stderr };
  } finally {
    ch.close();
  }
}

/** Remove paths that may hold files owned by subordinate ids. */
export async function removeAsRoot(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const r = await runInUserns(['rm', '-rf', '--', ...paths]);
  if (r.exitCode !== 0) throw new TspodError(`cannot remove ${paths.join(', ')}: ${r.stderr.trim()}`);
}

const extractWorker = fileURLToPath(new URL('../storage/extract-worker.js', import.meta.url));

/** Extract a layer tar into DEST with the owners it records (see extract-worker). */
export async function extractLayerAsRoot(blobPath: string, dest: string, diffId?: string): Promise<void> {
  const r = await runInUserns([process.execPath, extractWorker, blobPath, dest, helperPath('tspod-whiteout'), ...(diffId ? [diffId] : [])]);
  if (r.exitCode !== 0) throw new TspodError(`layer ${blobPath.split('/').pop()} cannot be extracted: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

export const rootFileOps: RootFileOps = { extractLayer: extractLayerAsRoot, remove: removeAsRoot };

/** Write a tar of a container's file system (its writable layer over the image's
 * layers) to FD: a read-only overlay of them all, mounted in a mount namespace of
 * the user namespace (so no one else sees it), archived with the ids it records. */
export async function exportFilesystem(upperDir: string, lowerDirs: string[], fd: number): Promise<void> {
  const script = 'set -e; m=$(mktemp -d); trap \'umount "$m" 2>/dev/null; rmdir "$m"\' EXIT; '
    // fuse-overlayfs marks opaque directories with these names, which the kernel's overlay does not read.
    + 'mount -t overlay overlay -o "ro,userxattr,lowerdir=$1" "$m"; tar --numeric-owner --exclude=.wh..wh..opq --exclude=.wh..opq -C "$m" -cf - .';
  const r = await runInUserns(['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'export', [upperDir, ...lowerDirs].join(':')], undefined, fd);
  if (r.exitCode !== 0) throw new TspodError(`cannot export the container's file system: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}
