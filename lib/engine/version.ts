// What `tspod version` reports: the package's version, Node's and the platform; light, since
// version (and scripts checking it) should not load the engine.
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export function versionInfo(): Record<string, string> {
  return { Version: packageVersion(), NodeVersion: process.version, OsArch: `linux/${arch() === 'x64' ? 'amd64' : arch()}` };
}
