// What a user may mount where: `--tmpfs DEST[:OPTIONS]` parsed as podman
// parses it, and the container paths tspod keeps for its own mounts.
import { posix } from 'node:path';
import { TspodError } from '../util/errors.js';

/** One tmpfs for the launch plan: mount(2) flags and the tmpfs data string. */
export interface TmpfsMount {
  destination: string;
  /** MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC as mount(2) takes them */
  flags: number;
  /** tmpfs's own options (mode=, size=, nr_inodes=, uid=, gid=) */
  data: string;
  readonly: boolean;
  /** --mount type=devpts: a new devpts instance there instead of a tmpfs (data: its options) */
  fstype?: 'devpts';
}

const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;

/** podman's defaults for --tmpfs: rw, nosuid, nodev (exec allowed), mode 1777. */
const defaultFlags = MS_NOSUID | MS_NODEV;

const sizeValue = /^\d+[kKmMgG]?$/;
const valueChecks: Record<string, { ok: RegExp; what: string }> = {
  size: { ok: /^(\d+[kKmMgG]?|\d{1,3}%)$/, what: 'a byte count with an optional k, m or g suffix, or a percentage of memory' },
  nr_inodes: { ok: sizeValue, what: 'a count with an optional k, m or g suffix' },
  mode: { ok: /^[0-7]{1,4}$/, what: 'an octal mode such as 1777' },
  uid: { ok: /^\d+$/, what: 'a numeric user id in the container' },
  gid: { ok: /^\d+$/, what: 'a numeric group id in the container' },
};

/** Flags that only switch a mount(2) flag on or off. */
const flagOptions: Record<string, [set: number, clear: number]> = {
  ro: [MS_RDONLY, 0], rw: [0, MS_RDONLY],
  noexec: [MS_NOEXEC, 0], exec: [0, MS_NOEXEC],
  nosuid: [MS_NOSUID, 0], suid: [0, MS_NOSUID],
  nodev: [MS_NODEV, 0], dev: [0, MS_NODEV],
};

/** `--tmpfs DEST[:OPTIONS]`, OPTIONS comma-separated: size, mode, uid, gid, nr_inodes,
 * ro/rw, noexec/exec, nosuid/suid, nodev/dev, tmpcopyup/notmpcopyup. Anything else is
 * refused with podman's wording (it would otherwise end up in the path). */
export function parseTmpfs(spec: string): TmpfsMount {
  const colon = spec.indexOf(':');
  const dest = colon < 0 ? spec : spec.slice(0, colon);
  const options = colon < 0 ? '' : spec.slice(colon + 1);
  if (!posix.isAbsolute(dest)) throw new TspodError(`invalid container path "${dest}", must be an absolute path`);
  if (dest.split('/').includes('..')) throw new TspodError(`invalid --tmpfs "${spec}": the container path "${dest}" must not contain ".."`);
  const destination = normalizeDestination(dest);
  checkMountDestination(destination, `--tmpfs ${spec}`);
  let flags = defaultFlags;
  const data = new Map<string, string>([['mode', '1777']]);
  const opts = options.split(',').filter((o) => o !== '');
  // Every option's name first, as podman checks them before any value.
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    const known = eq < 0 ? opt in flagOptions || opt === 'tmpcopyup' || opt === 'notmpcopyup' : opt.slice(0, eq) in valueChecks;
    if (!known) throw new TspodError(`unknown mount option "${opt}": invalid mount option`);
  }
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? undefined : opt.slice(eq + 1);
    const flag = flagOptions[key];
    if (flag && value === undefined) {
      flags = (flags | flag[0]) & ~flag[1];
      continue;
    }
    // The image's files under DEST are not copied up (tspod's tmpfs always starts empty):
    // podman's switch for that is accepted so its command lines work unchanged.
    if ((key === 'tmpcopyup' || key === 'notmpcopyup') && value === undefined) continue;
    const check = valueChecks[key];
    if (!check || value === undefined) throw new TspodError(`unknown mount option "${opt}": invalid mount option`);
    if (!check.ok.test(value)) throw new TspodError(`invalid tmpfs option "${opt}" in --tmpfs ${spec}: ${key} must be ${check.what}`);
    data.set(key, value);
  }
  return {
    destination,
    flags,
    data: [...data].map(([k, v]) => `${k}=${v}`).join(','),
    readonly: (flags & MS_RDONLY) !== 0,
  };
}

/** A container path without "." parts or a trailing slash. */
export function normalizeDestination(dest: string): string {
  const n = posix.normalize(dest);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Paths where tspod-launch mounts procfs, sysfs and devpts itself: a volume or tmpfs there
 * would silently replace them (and /proc's masked paths with them). Refused, as runc refuses
 * anything but procfs at /proc. */
const ownMounts = ['/proc', '/sys', '/dev/pts'];

export function checkMountDestination(destination: string, what: string): void {
  const d = normalizeDestination(destination);
  const own = ownMounts.find((m) => d === m || (m === '/proc' && d.startsWith('/proc/')));
  if (own) {
    throw new TspodError(`${what}: cannot mount over ${d}: the container's ${own} is tspod's own ${own === '/proc' ? 'procfs' : own === '/sys' ? 'sysfs' : 'devpts'} mount, and replacing it would undo its protections; mount at another path`);
  }
}
