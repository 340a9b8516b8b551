// Where tspod keeps things: XDG data, runtime and config directories, and
// the C helpers, which live next to the package and are never taken from PATH.
import { join, dirname, resolve } from 'node:path';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TspodError } from '../util/errors.js';

export interface Paths {
  data: string;
  runtime: string;
  config: string;
}

export function tspodPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const uid = process.getuid?.() ?? 0;
  const home = env.HOME || process.getBuiltinModule('node:os').homedir(); // node:os only without HOME
  return {
    // --root and --runroot (podman's global flags) set these for this command and, through the
    // environment, for what it starts: the monitor's container-cleanup and restart policies.
    data: env.TSPOD_STORAGE_ROOT || join(env.XDG_DATA_HOME || join(home, '.local/share'), 'tspod'),
    runtime: env.TSPOD_RUN_ROOT || (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'tspod') : `/tmp/tspod-run-${uid}`),
    config: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'tspod'),
  };
}

/** podman's per-user configuration directory ($XDG_CONFIG_HOME/containers): containers.conf,
 * registries.conf, mounts.conf. */
export function containersConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(tspodPaths(env).config, '..', 'containers');
}

/** The package root: the nearest directory above this file holding package.json
 * (dist/lib/config when built, lib/config when tests run the sources). */
let root: string | undefined;
export function packageRoot(): string {
  // found on first use: import.meta.url loads node:url, and ps never needs it (~1 ms)
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return root;
}

export function helperPath(name: 'tspod-launch' | 'tspod-userns' | 'tspod-init' | 'tspod-whiteout' | 'tspod-monitor' | 'tspod-notify' | 'tspod-udpfwd' | 'tspod-wait' | 'tspod-extract' | 'tspod-dns' | 'tspod-netns'): string {
  return join(packageRoot(), 'helpers-c', 'bin', name);
}

/** `--root DIR` / `--runroot DIR`: where this command (and every tspod it starts later) keeps
 * its store and its runtime state. Relative paths are taken from the current directory. */
export function setStorageLocations(loc: { root?: string; runroot?: string }, env: NodeJS.ProcessEnv = process.env): void {
  if (loc.root) env.TSPOD_STORAGE_ROOT = resolve(loc.root);
  if (loc.runroot) env.TSPOD_RUN_ROOT = resolve(loc.runroot);
}

/** The runtime directory, made if missing and checked to be this user's own, mode 0700: the
 * /tmp/tspod-run-UID fallback is shared, and the holders' pid files and the network leases in
 * it are trusted. Someone else's directory is refused with the way out. */
export function privateRuntimeDir(): string {
  const dir = tspodPaths().runtime;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) {
    throw new TspodError(`the runtime directory ${dir} is not a private directory of this user (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): remove it, or set XDG_RUNTIME_DIR to a directory only you can use`);
  }
  return dir;
}
