// Which overlay a store uses when storage.conf leaves it open: the kernel's own when it
// mounts in a user namespace (probed once per boot, the answer kept in the runtime dir).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { tspodPaths } from '../config/paths.js';
import { defaultFuse, loadStorageConfig, type StorageConfig } from '../config/storage-conf.js';
import { TspodError } from '../util/errors.js';
import { runInUserns } from './userns.js';

export interface OverlayProbe {
  native: boolean;
  /** why native overlay is not used (the mount's error) */
  reason?: string;
}

/** Mount an overlay in a mapped user namespace and private mount namespace, as a container would. */
export async function probeNativeOverlay(): Promise<OverlayProbe> {
  const dir = mkdtempSync(join(tspodPaths().runtime, 'overlay-probe-'));
  try {
    for (const d of ['l', 'u', 'w', 'm']) mkdirSync(join(dir, d));
    const r = await runInUserns(['unshare', '-m', 'mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w,userxattr`, `${dir}/m`]);
    return r.exitCode === 0 ? { native: true } : { native: false, reason: r.stderr.trim() || `mount exited ${r.exitCode}` };
  } finally {
    // The work dir's contents belong to the namespace's root: remove them from inside it.
    await runInUserns(['rm', '-rf', dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The probe's answer for this kernel, from the cache or probed now. */
export async function nativeOverlayWorks(): Promise<OverlayProbe> {
  const runtime = tspodPaths().runtime;
  const cache = join(runtime, 'overlay-native');
  try {
    const [kernel, answer, ...reason] = readFileSync(cache, 'utf8').split('\n');
    if (kernel === release() && (answer === 'yes' || answer === 'no')) return { native: answer === 'yes', reason: reason.join('\n') || undefined };
  } catch {
    /* not probed since boot */
  }
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const probe = await probeNativeOverlay();
  writeFileSync(cache, `${release()}\n${probe.native ? 'yes' : 'no'}\n${probe.reason ?? ''}`);
  return probe;
}

/** storage.conf and --storage-opt, with an open choice settled by the probe. */
export async function resolveStorageConfig(storageOpts: string[] = []): Promise<StorageConfig & { why: string }> {
  const cfg = loadStorageConfig(storageOpts);
  if (!cfg.auto) return { ...cfg, why: cfg.mountProgram ? `mount_program = ${cfg.mountProgram} (configured)` : 'native overlay (configured: mount_program = "")' };
  const probe = await nativeOverlayWorks();
  if (probe.native) return { ...cfg, mountProgram: undefined, why: 'native overlay (the kernel mounts overlay in a user namespace here)' };
  if (!existsSync(defaultFuse)) {
    throw new TspodError(`the kernel's overlay does not mount rootless here (${probe.reason}) and ${defaultFuse} is not installed: as root, \`apt-get install fuse-overlayfs\``);
  }
  return { ...cfg, mountProgram: defaultFuse, why: `fuse-overlayfs (native overlay does not mount rootless here: ${probe.reason})` };
}
