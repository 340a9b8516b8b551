// Extracting one image layer into its own directory with the tar package.
// Every entry is checked before anything is written: absolute paths, '..',
// paths through a symlink the layer itself created, and hard links out of the
// layer are refused. OCI whiteouts are collected for tspod-whiteout; devices
// are skipped (a rootless user cannot create them, as with podman).
import * as tar from 'tar';
import { join, posix } from 'node:path';
import { chmodSync, closeSync, createReadStream, lstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress, zstdMagic } from '../util/zstd.js';
import { createGunzip, gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

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

export interface LayerLimits {
  /** most entries a layer may hold */
  maxEntries: number;
  /** most bytes its files may add up to */
  maxBytes: number;
}

/** Generous for real images, finite for tar bombs; TSPOD_LAYER_MAX_ENTRIES / _BYTES override. */
export function defaultLimits(env: NodeJS.ProcessEnv = process.env): LayerLimits {
  return {
    maxEntries: Number(env.TSPOD_LAYER_MAX_ENTRIES) || 2_000_000,
    maxBytes: Number(env.TSPOD_LAYER_MAX_BYTES) || 64 * 1024 ** 3,
  };
}

const extractable = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/** A tar of nothing but end-of-archive blocks (an empty layer), plain or gzipped:
 * valid, but the tar package calls it an unrecognised format. */
export function isEmptyArchive(file: string): boolean {
  const st = statSync(file);
  if (st.size === 0) return true;
  if (st.size > 64 * 1024) return false;
  let data = readFileSync(file);
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data);
    } catch {
      return false;
    }
  }
  return data.every((b) => b === 0);
}

function startsWith(file: string, magic: Buffer): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(magic.length);
    return readSync(fd, b, 0, magic.length, 0) === magic.length && b.equals(magic);
  } finally {
    closeSync(fd);
  }
}

const isZstd = (file: string) => startsWith(file, zstdMagic);
const isGzip = (file: string) => startsWith(file, Buffer.from([0x1f, 0x8b]));

export async function extractLayer(file: string, dest: string, limits: LayerLimits = defaultLimits(), expectedDiffId?: string): Promise<Whiteouts> {
  const whiteouts: string[] = [];
  let entries = 0;
  let bytes = 0;
  const symlinks = new Set<string>();
  let unsafe: Error | undefined;
  const check = (path: string, e: tar.ReadEntry | import('node:fs').Stats): boolean => {
    const entry = e as tar.ReadEntry;
    if (unsafe) return false;
    try {
      if (++entries > limits.maxEntries) throw new UnsafeLayerError(`the layer has more than ${limits.maxEntries} entries (TSPOD_LAYER_MAX_ENTRIES raises the limit)`);
      bytes += entry.size ?? 0;
      if (bytes > limits.maxBytes) throw new UnsafeLayerError(`the layer's files add up to more than ${limits.maxBytes} bytes (TSPOD_LAYER_MAX_BYTES raises the limit)`);
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
      if (!extractable.has(entry.type)) throw new UnsafeLayerError(`entry "${path}" has type ${entry.type}, which tspod does not extract`);
      return rel !== '';
    } catch (err) {
      unsafe = err as Error;
      return false;
    }
  };
  // chown clears setuid and setgid bits: put them back once the owners are set.
  const specialModes: Array<[string, number]> = [];
  const record = (path: string, e: tar.ReadEntry | import('node:fs').Stats) => {
    const entry = e as tar.ReadEntry;
    if ((entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'Directory') && (entry.mode ?? 0) & 0o6000) {
      specialModes.push([safeEntryPath(path), entry.mode! & 0o7777]);
    }
  };
  if (isEmptyArchive(file)) return { lines: [] };
  const warnings: string[] = [];
  /** entries our filter judged; the tar package skips some types without asking it */
  const filtered = new WeakSet<tar.ReadEntry>();
  const options = {
    cwd: dest,
    preserveOwner: (process.getuid?.() ?? 1) === 0,
    // Directories the layer implies but does not list (a/b of a/b/file) get 0755, not
    // 0777: the worker runs with umask 0 so listed modes are kept exactly.
    dmode: 0o755,
    // Symlink targets stay as the image has them (/bin/sh -> /bin/busybox);
    // entry paths and hard-link targets are checked above instead.
    preservePaths: true,
    filter: (path: string, e: tar.ReadEntry | import('node:fs').Stats) => {
      filtered.add(e as tar.ReadEntry);
      const keep = check(path, e);
      if (keep) record(path, e);
      return keep;
    },
    strict: true,
    onwarn: (_code: string, message: string) => warnings.push(message),
  };
  // One pass: decompress, hash the tar (the layer's diff id) and unpack it.
  const h = createHash('sha256');
  const hashTap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      cb(null, chunk);
    },
  });
  const decompress = isZstd(file) ? [createZstdDecompress()] : isGzip(file) ? [createGunzip()] : [];
  const unpack = tar.x(options);
  // Entry types the tar package skips on its own (GNU sparse files among them) are refused too.
  unpack.on('ignoredEntry', (e: tar.ReadEntry) => {
    if (!filtered.has(e)) unsafe ??= new UnsafeLayerError(`entry "${e.path}" has type ${e.type}, which tspod does not extract`);
  });
  await pipeline([createReadStream(file), ...decompress, hashTap, unpack as unknown as NodeJS.WritableStream]);
  if (unsafe) throw unsafe;
  const diffId = 'sha256:' + h.digest('hex');
  if (expectedDiffId && diffId !== expectedDiffId) {
    throw new UnsafeLayerError(`the layer does not match the image config (diff_id ${expectedDiffId}, content ${diffId}); the image is corrupt`);
  }
  if (warnings.length) throw new UnsafeLayerError(`extraction stopped: ${warnings.join('; ')}`);
  for (const [rel, mode] of specialModes) {
    // The path was checked not to pass through a symlink; lchmod does not exist, so
    // refuse to chmod through one at the end of the path.
    const full = join(dest, rel);
    if (!lstatSync(full).isSymbolicLink()) chmodSync(full, mode);
  }
  return { lines: whiteouts };
}
