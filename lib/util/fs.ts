// Small file-system pieces: atomic JSON writes and tolerant reads.
// (A full disk is reported with the file and the fix.)
import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, existsSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { errnoCode, TspodError } from './errors.js';

let tmpCount = 0;

/** Write a file so readers see the old or the new content, never a part: temp file, fsync,
 * rename. A failed write (a full disk) removes its temp file and says what to do.
 * `durable: false` skips the fsync, for what means nothing after a reboot (observations of a
 * running process): still atomic for readers, one disk flush less on the run path. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, durable = true): void {
  // The temp file is made new (O_EXCL) and never through a symlink (O_NOFOLLOW): the file may sit
  // in a directory others can write (--authfile /tmp/auth.json), where a name planted in advance
  // must neither receive the data nor redirect the write. Its name: pid, counter and a random
  // part (Math.random: node:crypto would cost every short command ~5 ms to load; O_EXCL, not the
  // name, is what keeps it ours, and a name taken meanwhile is tried again with another).
  let tmp = '';
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${++tmpCount}-${Math.random().toString(36).slice(2, 10)}.tmp`);
    try {
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST' && attempt < 16) continue;
      if (errnoCode(err) === 'ENOSPC' || errnoCode(err) === 'EDQUOT') throw noSpace(path, err);
      throw err;
    }
  }
  try {
    try {
      // writeSync may write less than asked (a nearly full disk): loop, so a short write is
      // either completed or ends in the error (ENOSPC) that removes the temp file.
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the error that matters is the write's */
    }
    if (errnoCode(err) === 'ENOSPC' || errnoCode(err) === 'EDQUOT') throw noSpace(path, err);
    throw err;
  }
}

/** ENOSPC/EDQUOT as tspod says it: which file, and the fix. */
export function noSpace(path: string, err: unknown): TspodError {
  return new TspodError(`no space left on device writing ${path} (${errnoCode(err)}): free some space on the file system holding it (\`df ${dirname(path)}\`), or remove unused containers and images (\`tspod system prune\`)`);
}

/** Records are compact JSON: the store reads many of them. */
export function writeJsonAtomic(path: string, value: unknown, durable = true): void {
  writeFileAtomic(path, JSON.stringify(value) + '\n', 0o644, durable);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export { existsSync };

/** The ids held by --cidfile / --pod-id-file files (trimmed); with `ignore`, a file that
 * cannot be read names nothing instead of failing. */
export function readIdFiles(files: string[], what: string, ignore = false): string[] {
  const ids: string[] = [];
  for (const f of files) {
    try {
      const id = readFileSync(f, 'utf8').trim();
      if (id) ids.push(id);
    } catch (err) {
      if (!ignore) throw new TspodError(`reading ${what} id file ${f}: ${(err as Error).message}`);
    }
  }
  return ids;
}

/** A program as a command line names it: a path (a plain file there), or a name found on PATH. */
export function programPath(given: string): string | undefined {
  const candidates = given.includes('/') ? [resolve(given)] : (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, given));
  return candidates.find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
