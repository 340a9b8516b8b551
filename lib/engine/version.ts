// What `tspod version` reports: the package's version, Node's and the platform; light, since
// version (and scripts checking it) should not load the engine.
import { readFileSync, statSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** podman's define.Version fields (Node's version where podman has Go's; Built: when this
 * build of tspod was made, the time of its package.json), and NodeVersion. */
export function versionInfo(): Record<string, string | number> {
  const version = packageVersion();
  let built = 0;
  try {
    built = Math.floor(statSync(join(packageRoot(), 'package.json')).mtimeMs / 1000);
  } catch {
    // unknown: podman's zero time
  }
  const a = arch() === 'x64' ? 'amd64' : arch();
  return {
    APIVersion: version, Version: version, GoVersion: '', NodeVersion: process.version, GitCommit: '',
    BuiltTime: ansiC(new Date(built * 1000)), Built: built, OsArch: `linux/${a}`, Os: 'linux',
  };
}

/** Go's time.ANSIC layout, as podman prints BuiltTime: `Thu Jan  1 00:00:00 1970`. */
function ansiC(d: Date): string {
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
}
