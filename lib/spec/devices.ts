// `--device`, `--device-cgroup-rule`, `--chrootdirs`, `--http-proxy` and `--env-merge`, as
// podman 4.3 reads them (its words). Pure apart from the access check it is given.
import { constants } from 'node:fs';
import { posix } from 'node:path';
import { TspodError } from '../util/errors.js';

export interface DeviceSpec { host: string; container: string; read: boolean; write: boolean }

/** `--device HOST[:CTR][:PERMS]` (PERMS of r, w, m). Rootless, as podman: the host's node is
 * bound in, so the user must be able to open it as asked (checked here, with `access`). */
export function parseDevices(specs: string[], access: (path: string, mode: number) => void): DeviceSpec[] {
  return specs.map((spec) => {
    const parts = spec.split(':');
    if (parts.length > 3 || !parts[0]) throw new TspodError(`invalid device specification: ${spec}`);
    let [host = '', container = host, perms = 'rwm'] = parts;
    if (parts.length === 2 && /^[rwm]+$/.test(parts[1]!)) {
      perms = parts[1]!;
      container = host;
    }
    if (!posix.isAbsolute(host)) throw new TspodError(`${host} is not an absolute path`);
    if (!posix.isAbsolute(container) || container.split('/').includes('..')) throw new TspodError(`invalid device specification: ${spec}: the container path must be absolute, without ".."`);
    if (!/^[rwm]+$/.test(perms)) throw new TspodError(`invalid device mode: ${perms}`);
    const read = perms.includes('r');
    const write = perms.includes('w');
    try {
      access(host, constants.F_OK);
    } catch {
      throw new TspodError(`stat ${host}: no such file or directory`);
    }
    try {
      access(host, (read ? constants.R_OK : 0) | (write ? constants.W_OK : 0));
    } catch {
      throw new TspodError(`--device ${spec}: ${host} cannot be opened for ${[read && 'reading', write && 'writing'].filter(Boolean).join(' and ')} by this user (permission denied): a rootless container can only be given the devices its user may use (ask for fewer permissions, e.g. ${host}:${container}:r, or change the node's mode)`);
    }
    return { host, container: posix.normalize(container), read, write };
  });
}

/** `--device-cgroup-rule 'TYPE MAJOR:MINOR ACCESS'`: checked as podman checks it. */
export function parseDeviceCgroupRules(specs: string[]): void {
  for (const s of specs) {
    if (!/^[abc] (\d+|\*):(\d+|\*) [rwm]{1,3}$/.test(s)) throw new TspodError(`invalid device cgroup rule requires type, major:Minor, and access rules: "${s}"`);
  }
}

/** `--chrootdirs DIR`: absolute directories of the container. */
export function parseChrootDirs(specs: string[]): string[] {
  return specs.map((d) => {
    if (!posix.isAbsolute(d) || d.split('/').includes('..')) throw new TspodError(`invalid --chrootdirs "${d}": an absolute path in the container, without ".."`);
    return posix.normalize(d);
  });
}

/** podman's proxy variables, passed from the host unless --http-proxy=false. */
const proxyVars = ['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY'];

export function proxyEnv(env: NodeJS.ProcessEnv): string[] {
  return proxyVars.filter((k) => env[k] !== undefined).map((k) => `${k}=${env[k]}`);
}

/** `--env-merge KEY=VALUE`: VALUE's ${VAR} and $VAR expanded from the container's environment
 * (defaults and image); a variable given with -e keeps its value. */
export function envMergeList(env: string[], merges: string[], given: string[]): string[] {
  const map = new Map(env.map((e) => [e.split('=', 1)[0]!, e.slice(e.indexOf('=') + 1)] as [string, string]));
  const byUser = new Set(given.map((e) => e.split('=', 1)[0]!));
  for (const m of merges) {
    const eq = m.indexOf('=');
    if (eq <= 0) throw new TspodError(`environment variable "${m}" must be of the form KEY=VALUE for --env-merge`);
    const key = m.slice(0, eq);
    const value = m.slice(eq + 1).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => map.get((a ?? b)!) ?? '');
    if (!byUser.has(key)) map.set(key, value);
  }
  return [...map].map(([k, v]) => `${k}=${v}`);
}
