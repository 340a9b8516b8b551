// Extracting one image layer into its own directory with the tar package.
// Every entry is checked before anything is written: absolute paths, '..',
// paths through a symlink the layer itself created, and hard links out of the
// layer are refused. OCI whiteouts are collected for tspod-whiteout; devices
// are skipped (a rootless user cannot create them, as with podman).
import * as tar from 'tar';
import { posix } from 'node:path';

export interface Whiteouts {
  /** "w PATH" deleted files, "o PATH" opaque directories, relative to the layer root. */
  lines: string[];
}

export class UnsafeLayerError extends Error {}

/** Normalise an entry path; throw when it could land outside the layer. */
export function safeEntryPath(raw: string, what = 'entry'): string {
  if (raw.startsWith('/')) throw new UnsafeLayerError(`${what} "${raw}" is an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeLayerError(`${what} "${raw}" contains ".." and could escape the layer`);
  return parts.join('/');
}

export async function extractLayer(file: string, dest: string): Promise<Whiteouts> {
  const whiteouts: string[] = [];
  const symlinks = new Set<string>();
  let unsafe: Error | undefined;
  const check = (path: string, e: tar.ReadEntry | import('node:fs').Stats): boolean => {
    const entry = e as tar.ReadEntry;
    if (unsafe) return false;
    try {
      const rel = safeEntryPath(path);
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (symlinks.has(prefix)) throw new UnsafeLayerError(`entry "${path}" would be written through the symlink "${prefix}"`);
      }
      if (entry.type === 'Link') safeEntryPath(entry.linkpath ?? '', `hard link target of "${path}"`);
      if (entry.type === 'SymbolicLink') symlinks.add(rel);
      else symlinks.delete(rel);
      const base = posix.basename(rel);
      if (base === '.wh..wh..opq') {
        whiteouts.push(`o ${posix.dirname(rel) === '.' ? '.' : posix.dirname(rel)}`);
        return false;
      }
      if (base.startsWith('.wh.')) {
        const dir = posix.dirname(rel);
        whiteouts.push(`w ${dir === '.' ? '' : dir + '/'}${base.slice(4)}`);
        return false;
      }
      if (entry.type === 'CharacterDevice' || entry.type === 'BlockDevice' || entry.type === 'FIFO') return false;
      return rel !== '';
    } catch (err) {
      unsafe = err as Error;
      return false;
    }
  };
  const warnings: string[] = [];
  await tar.x({
    file,
    cwd: dest,
    preserveOwner: (process.getuid?.() ?? 1) === 0,
    // Symlink targets stay as the image has them (/bin/sh -> /bin/busybox);
    // entry paths and hard-link targets are checked above instead.
    preservePaths: true,
    filter: check,
    strict: true,
    onwarn: (_code: string, message: string) => warnings.push(message),
  });
  if (unsafe) throw unsafe;
  if (warnings.length) throw new UnsafeLayerError(`extraction stopped: ${warnings.join('; ')}`);
  return { lines: whiteouts };
}
