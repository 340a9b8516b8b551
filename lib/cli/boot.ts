// The process entry of the built CLI (bin/tspod runs `node -- boot.cjs ARGS`): compiles tspod's
// bundles with V8's code cache, then runs tspod.cjs (bin.ts), which reads the arguments.
//
// Node 20 compiles every bundle from source on every command (Node 22's module compile cache is
// not in 20): parsing tspod.cjs and a command's bundle is 5-10 ms of each short command. V8 can
// serialise what it compiled (the functions the command ran included) and take it back next
// time. The cache lives in the user's own runtime directory (tmpfs, gone at reboot), only when
// that directory exists and is private (this user's, mode 0700): what is read from it becomes
// code. File names carry the build's id and V8's version, so a rebuild or a Node upgrade never
// meets an old cache; V8 checks the rest (source length, flags) and rejects a cache that does
// not fit, which is then compiled normally and written again. Any failure here only means no
// cache: the command runs the same. docs/performance.md has the measurements.
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Set by the bundle build: a new id for every build. */
declare const TSPOD_BUILD_ID: string | undefined;

type Compile = (this: Module, content: string, filename: string) => unknown;

function cacheDir(): string | undefined {
  if (typeof TSPOD_BUILD_ID !== 'string' || process.env.TSPOD_NO_CODE_CACHE === '1') return undefined;
  const env = process.env;
  const uid = process.getuid?.();
  const runtime = env.TSPOD_RUN_ROOT || (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'tspod') : `/tmp/tspod-run-${uid}`);
  try {
    const st = lstatSync(runtime);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
  } catch {
    return undefined; // made by the first command that needs it
  }
  return join(runtime, 'codecache');
}

function install(dir: string, bundles: string, write: boolean): void {
  const proto = Module.prototype as unknown as { _compile: Compile };
  const plain = proto._compile;
  const variant = `${TSPOD_BUILD_ID}-${process.versions.v8}${process.execArgv.includes('--no-opt') ? '-noopt' : ''}`;
  const toWrite: { script: Script; file: string }[] = [];
  proto._compile = function (this: Module, content: string, filename: string): unknown {
    if (dirname(filename) !== bundles) return plain.call(this, content, filename);
    const file = join(dir, `${filename.slice(bundles.length + 1)}.${variant}`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      /* none yet */
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (write && (!cachedData || script.cachedDataRejected)) toWrite.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = (id: string): unknown => this.require(id);
    return wrapper.call(this.exports, this.exports, require, this, filename, bundles);
  };
  // At exit: the cache then holds every function the command compiled, not only the top level.
  process.once('exit', () => {
    for (const { script, file } of toWrite) {
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch {
        /* there already */
      }
      try {
        const data = script.createCachedData();
        const tmp = `${file}.${process.pid}`;
        const fd = openSync(tmp, 'w', 0o600);
        try {
          writeSync(fd, data);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, file);
      } catch {
        /* no cache this time */
      }
    }
  });
}

const dir = cacheDir();
// `--version` runs a sliver of tspod.cjs: a cache written then would hold little of what the
// next command needs, and it is never rewritten once V8 accepts it.
const versionOnly = process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-v');
if (dir) install(dir, __dirname, !versionOnly);
require('./tspod.cjs');
