// The process entry of the built CLI (bin/tspod runs `node -- boot.cjs ARGS`): compiles tspod's
// bundles with V8's code cache, then runs tspod.cjs (bin.ts), which reads the arguments.
//
// Node 20 compiles every bundle from source on every command (Node 22's module compile cache is
// not in 20): parsing tspod.cjs and a command's bundle is 5-10 ms of each short command. V8 can
// serialise what it compiled (the functions the command ran included) and take it back next
// time. What is read from the cache becomes code, and V8 20 checks little of it (its version,
// flags and the source's length; a flipped byte in the body crashes it), so:
//  - the cache lives in the user's own runtime directory (tmpfs, gone at reboot), used only when
//    that directory and its `codecache` directory are the user's, mode 0700, not symlinks, and
//    each file is a regular file of the user's, opened without following a symlink;
//  - each file starts with a CRC-32 of its body, checked before V8 sees it;
//  - its name carries the build's id, V8's version and the bundle's size, mtime and inode, so a
//    rebuilt or edited bundle never meets an old cache; files of other builds are removed when
//    a new one is written.
// Any failure here only means no cache: the command runs the same. docs/performance.md has the
// measurements, docs/security.md the reasoning.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type Module from 'node:module';
import { dirname, join } from 'node:path';
import type { Script } from 'node:vm';

/** Set by the bundle build: a new id for every build. */
declare const TSPOD_BUILD_ID: string | undefined;

type Compile = (this: Module, content: string, filename: string) => unknown;

/** The CommonJS loader's Module class, as this bundle's own `module` knows it: the public
 * node:module would load Node's ES module loader too (~1 ms). */
const ModuleClass = (module as unknown as { constructor: { prototype: { _compile: Compile } } }).constructor;

/** CommonJS's function wrapper, as Module.wrap makes it. */
const wrap = (content: string) => `(function (exports, require, module, __filename, __dirname) { ${content}\n});`;

const uid = process.getuid?.();

/** A directory of this user's only (lstat: a symlink is not one). Node opens every file
 * close-on-exec (libuv), so no fd of the cache reaches a child. */
function privateDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function cacheDir(): string | undefined {
  if (typeof TSPOD_BUILD_ID !== 'string' || process.env.TSPOD_NO_CODE_CACHE === '1') return undefined;
  const env = process.env;
  const runtime = env.TSPOD_RUN_ROOT || (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'tspod') : `/tmp/tspod-run-${uid}`);
  // made by the first command that needs it
  return privateDir(runtime) ? join(runtime, 'codecache') : undefined;
}

/** zlib's CRC-32 through Node's own binding (the zlib module costs ~5 ms to load); undefined
 * where the binding is not offered, and then no cache is used. */
type Crc = (data: Uint8Array, seed: number) => number;
function crc32(): Crc | undefined {
  try {
    const f = (process as unknown as { binding(name: string): { crc32?: Crc } }).binding('zlib').crc32;
    return typeof f === 'function' ? f : undefined;
  } catch {
    return undefined;
  }
}

const MAGIC = 0x31435354; // "TSC1"

/** The cache file's body when it is this user's regular file and its checksum holds. */
function readCache(file: string, crc: Crc): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined; // none yet
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== uid || st.size < 8 || st.size > 64 << 20) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n <= 0) return undefined;
      off += n;
    }
    if (buf.readUInt32LE(0) !== MAGIC) return undefined;
    const body = buf.subarray(8);
    return crc(body, 0) >>> 0 === buf.readUInt32LE(4) ? body : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function writeCache(file: string, data: Buffer, crc: Crc): void {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(crc(data, 0) >>> 0, 4);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      for (const b of [head, data]) for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp); // a full runtime directory keeps no half-written file
    throw err;
  }
}

/** Files of other builds (or other V8s): never read again, so removed when a new one is written. */
function prune(dir: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.includes(keep)) unlinkSync(join(dir, name));
  }
}

function install(dir: string, bundles: string, crc: Crc): void {
  const vm = process.getBuiltinModule('node:vm');
  const proto = ModuleClass.prototype;
  const plain = proto._compile;
  const build = `${TSPOD_BUILD_ID}-${process.versions.v8}`;
  const variant = `${build}${process.execArgv.includes('--no-opt') ? '-noopt' : ''}`;
  const usable = privateDir(dir);
  const toWrite: { script: Script; file: string }[] = [];
  proto._compile = function (this: Module, content: string, filename: string): unknown {
    if (dirname(filename) !== bundles) return plain.call(this, content, filename);
    // The bundle as it is on disk now: an edited or replaced file gets a cache of its own.
    const st = statSync(filename);
    const file = join(dir, `${filename.slice(bundles.length + 1)}.${variant}.${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}-${st.ino.toString(36)}`);
    const cachedData = usable ? readCache(file, crc) : undefined;
    const script = new vm.Script(wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) toWrite.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = (id: string): unknown => this.require(id);
    return wrapper.call(this.exports, this.exports, require, this, filename, bundles);
  };
  // At exit: the cache then holds every function the command compiled, not only the top level.
  process.once('exit', () => {
    if (!toWrite.length) return;
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      /* there already */
    }
    if (!privateDir(dir)) return;
    try {
      for (const { script, file } of toWrite) writeCache(file, script.createCachedData(), crc);
      prune(dir, build);
    } catch {
      /* no cache this time */
    }
  });
}

const versionOnly = process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-v');
declare const TSPOD_BUILD_VERSION: string | undefined;
if (versionOnly && typeof TSPOD_BUILD_VERSION === 'string') {
  // `tspod --version`: the version baked in at build time, as main.ts prints it, without even
  // compiling the entry (most of the 4 ms it adds to Node's own start)
  writeSync(1, `tspod version ${TSPOD_BUILD_VERSION}\n`);
} else {
  const dir = cacheDir();
  const crc = dir ? crc32() : undefined;
  if (dir && crc) install(dir, __dirname, crc);
  require('./tspod.cjs');
}
