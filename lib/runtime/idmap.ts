// The user's subordinate id ranges (/etc/subuid, /etc/subgid) and the calls
// to newuidmap/newgidmap that map a helper's new user namespace with them.
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { execFile } from 'node:child_process';
import { TspodError } from '../util/errors.js';

export interface IdRange {
  start: number;
  count: number;
}

export interface IdMappings {
  uid: number;
  gid: number;
  user: string;
  /** the first range of each file (what `info` shows) */
  subuid: IdRange;
  subgid: IdRange;
  /** every range of the user, in file order: all are mapped, as podman does */
  subuids: IdRange[];
  subgids: IdRange[];
}

/** Every range for USER (by name or numeric uid) in a subid file's text, in file order. */
export function parseSubidRanges(text: string, user: string, uid: number): IdRange[] {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if (!who || start === undefined || count === undefined) continue;
    if (who !== user && who !== String(uid)) continue;
    const s = Number(start), c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && s >= 0 && c > 0) ranges.push({ start: s, count: c });
  }
  return ranges;
}

/** The first range for USER in a subid file's text. */
export function parseSubidFile(text: string, user: string, uid: number): IdRange | undefined {
  return parseSubidRanges(text, user, uid)[0];
}

/** A user namespace holds at most 340 map lines (the user's own id takes one). */
const MAX_MAP_LINES = 340;

/** newuidmap/newgidmap arguments after the pid: 0 -> the user's own id, then
 * the ranges one after the other (1..N1 -> the first, N1+1.. -> the second...),
 * so the container's id space is their concatenation, as podman's. */
export function idMapArgs(ownId: number, ranges: IdRange[]): string[] {
  const args = ['0', String(ownId), '1'];
  let next = 1;
  for (const r of ranges.slice(0, MAX_MAP_LINES - 1)) {
    args.push(String(next), String(r.start), String(r.count));
    next += r.count;
  }
  return args;
}

function missingRange(file: string, user: string, uid: number): TspodError {
  return new TspodError(
    `no ${file} entry for user ${user} (uid ${uid}): rootless containers need a range of subordinate ids. ` +
      `Add one as root, e.g. \`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}\` ` +
      `(or a line "${user}:100000:65536" in /etc/subuid and /etc/subgid)`,
  );
}

/** The kernel maps each range of a nested user namespace through one range of its parent's: a
 * range that runs across two of the shared namespace's (the user's id, then each subordinate range
 * in turn) is refused with EPERM. Split such entries at those boundaries (the shared namespace's
 * ids: 0 is the user, 1.. the first range, and so on). */
export function splitAtRanges<T extends { container: number; host: number; size: number }>(map: T[], ranges: IdRange[]): T[] {
  const bounds: number[] = [1];
  for (const r of ranges) bounds.push(bounds[bounds.length - 1]! + r.count);
  const out: T[] = [];
  for (const e of map) {
    let { container, host, size } = e;
    while (size > 0) {
      const next = bounds.find((b) => b > host);
      const n = next === undefined ? size : Math.min(size, next - host);
      out.push({ ...e, container, host, size: n });
      container += n;
      host += n;
      size -= n;
    }
  }
  return out;
}

let cached: IdMappings | undefined;

export function currentIdMappings(): IdMappings {
  if (cached) return cached;
  const uid = process.getuid!(), gid = process.getgid!();
  const user = userInfo().username;
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return ''; // a missing file is the same as a missing entry
    }
  };
  cached = idMappingsFrom(read('/etc/subuid'), read('/etc/subgid'), user, uid, gid);
  return cached;
}

export function checkIdMapTool(name: 'newuidmap' | 'newgidmap', dirs = ['/usr/bin', '/bin', '/usr/sbin', '/sbin']): string {
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    try {
      statSync(path);
      return path;
    } catch {
      /* next */
    }
  }
  throw new TspodError(`${name} is not installed: rootless containers need it to map user ids. Install it as root: \`apt-get install uidmap\``);
}

/** Write the uid and gid maps of PID: 0 -> the user, 1.. -> every subordinate range. */
export async function writeIdMaps(pid: number, m: IdMappings = currentIdMappings()): Promise<void> {
  const run = async (tool: 'newuidmap' | 'newgidmap', id: number, ranges: IdRange[]) => {
    const path = checkIdMapTool(tool);
    // node:child_process rather than execa: this runs on every container start,
    // and execa's import alone costs more than the two calls.
    const r = await new Promise<{ exitCode: number; output: string }>((resolve) => {
      execFile(path, [String(pid), ...idMapArgs(id, ranges)], (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ exitCode: code, output: `${stderr}${stdout}` });
      });
    });
    if (r.exitCode !== 0) {
      const why = r.output.trim();
      const hint = /Operation not permitted|not allowed|setuid/i.test(why)
        ? ` Is ${path} setuid root (ls -l ${path}) and does /etc/${tool === 'newuidmap' ? 'subuid' : 'subgid'} list this range for ${m.user}?`
        : '';
      throw new TspodError(`${tool} failed for pid ${pid}: ${why || `exit ${r.exitCode}`}.${hint}`);
    }
  };
  await Promise.all([run('newuidmap', m.uid, m.subuids), run('newgidmap', m.gid, m.subgids)]);
}

/** Unprivileged user namespaces switched off by sysctl: say which one to turn on. */
export function checkUserNamespaces(read = (p: string) => readFileSync(p, 'utf8')): void {
  const value = (p: string) => {
    try {
      return read(p).trim();
    } catch {
      return undefined;
    }
  };
  if (value('/proc/sys/user/max_user_namespaces') === '0') {
    throw new TspodError('user namespaces are disabled (user.max_user_namespaces = 0): rootless containers need them. As root: `sysctl -w user.max_user_namespaces=15000`');
  }
  if (value('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    throw new TspodError('unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0). As root: `sysctl -w kernel.unprivileged_userns_clone=1`');
  }
}

/** The mappings for USER from the texts of /etc/subuid and /etc/subgid. */
export function idMappingsFrom(subuid: string, subgid: string, user: string, uid: number, gid: number): IdMappings {
  const ranges = (text: string, file: string) => {
    const r = parseSubidRanges(text, user, uid);
    if (r.length === 0) throw missingRange(file, user, uid);
    return r;
  };
  const subuids = ranges(subuid, '/etc/subuid'), subgids = ranges(subgid, '/etc/subgid');
  return { uid, gid, user, subuid: subuids[0]!, subgid: subgids[0]!, subuids, subgids };
}
