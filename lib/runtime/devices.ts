// --privileged gives a rootless container the host's devices, as podman does:
// the user cannot mknod, so each device node is bind-mounted from the host's
// /dev (it keeps the host's owner and mode, so only what the user could open
// on the host opens in the container). Terminals other than /dev/tty, the
// console and ptmx stay out, as with podman; /dev/pts, shm and mqueue are the
// container's own.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Mounted for every container already (helpers-c/tspod-launch.c mount_dev). */
const always = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
const skippedDirs = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/fd']);

export function hostDevices(dir = '/dev', depth = 0): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (always.has(path) || skippedDirs.has(path)) continue;
    if (depth === 0 && (name === 'console' || name === 'ptmx' || /^tty./.test(name))) continue;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory() && depth < 3) out.push(...hostDevices(path, depth + 1));
    else if (st.isCharacterDevice() || st.isBlockDevice()) out.push(path);
  }
  return out;
}
