// The confinement a container process actually runs under, read from /proc
// once it runs (caps, no_new_privs, seccomp, id maps, the rootfs mount) and
// kept beside the container so `inspect` shows what was applied, not only what was asked.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPABILITIES, type SecurityOptions } from './security.js';
import { defaultProfilePath } from './seccomp.js';
import type { LaunchPlan } from './launch.js';
import { readJson, writeJsonAtomic } from '../util/fs.js';

export interface IdMapEntry {
  ContainerID: number;
  HostID: number;
  Size: number;
}

export interface Confinement {
  /** when it was read, and from which process */
  RecordedAt: string;
  Pid: number;
  EffectiveCaps: string[];
  BoundingCaps: string[];
  NoNewPrivileges: boolean;
  Seccomp: {
    /** /proc/PID/status Seccomp: disabled (0), strict (1) or filter (2) */
    Mode: 'disabled' | 'strict' | 'filter';
    Filters: number;
    /** the profile the filter was built from: "default", "unconfined" or its path */
    Profile: string;
    /** sha256 of that profile file as read when the container was created */
    ProfileDigest: string;
    /** the filter's default action as tspod-launch loaded it */
    DefaultAction: string;
  };
  MaskedPaths: string[];
  ReadonlyPaths: string[];
  UidMap: IdMapEntry[];
  GidMap: IdMapEntry[];
  /** how the rootfs is mounted: fuse-overlayfs, or the kernel's overlay */
  Storage: 'fuse-overlayfs' | 'native overlay' | 'unknown';
}

/** The seccomp profile a container's filter comes from, recorded in its launch plan. */
export interface SeccompProfileRef {
  profile: string;
  digest: string;
}

export function seccompProfileRef(sec: SecurityOptions, privileged: boolean): SeccompProfileRef {
  if (privileged || sec.seccomp === 'unconfined') return { profile: 'unconfined', digest: '' };
  const path = sec.seccomp === 'default' ? defaultProfilePath() : sec.seccomp;
  return { profile: sec.seccomp, digest: `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}` };
}

const capNames = new Map(Object.entries(CAPABILITIES).map(([name, bit]) => [bit, `CAP_${name}`]));

/** A /proc/PID/status capability mask as podman prints caps: CAP_CHOWN, ... sorted by name. */
export function capsFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  const out: string[] = [];
  for (let bit = 0; bit < 64; bit++) if (mask & (1n << BigInt(bit))) out.push(capNames.get(bit) ?? `CAP_${bit}`);
  return out.sort();
}

/** The helper's "errno 38" / "kill 0" in the profile's own terms: SCMP_ACT_ERRNO(38), SCMP_ACT_KILL. */
function profileAction(act: string, errno: string): string {
  const name = `SCMP_ACT_${act.toUpperCase()}`;
  return act === 'errno' ? `${name}(${errno})` : name;
}

export function parseIdMap(text: string): IdMapEntry[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter((f) => f.length === 3 && f.every(Number.isFinite))
    .map(([c, h, s]) => ({ ContainerID: c!, HostID: h!, Size: s! }));
}

function statusField(status: string, key: string): string | undefined {
  return new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim();
}

/** The rootfs mount's type as the container's mount namespace sees it (readable as its owner). */
function rootfsType(pid: number): Confinement['Storage'] {
  try {
    for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) {
      const [pre, post] = line.split(' - ');
      if (pre?.split(' ')[4] !== '/' || !post) continue;
      const fstype = post.split(' ')[0];
      if (fstype === 'overlay') return 'native overlay';
      if (fstype?.startsWith('fuse')) return 'fuse-overlayfs';
    }
  } catch {
    /* not readable: fall back to the plan */
  }
  return 'unknown';
}

/** Reads what the process runs under; undefined when it is already gone (a short-lived command). */
export function readConfinement(pid: number, plan: LaunchPlan, seccomp?: SeccompProfileRef): Confinement | undefined {
  let status: string, uidMap: string, gidMap: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
    uidMap = readFileSync(`/proc/${pid}/uid_map`, 'utf8');
    gidMap = readFileSync(`/proc/${pid}/gid_map`, 'utf8');
  } catch {
    return undefined;
  }
  const mode = statusField(status, 'Seccomp');
  const lines = plan.security;
  const defaultLine = lines.find((l) => l[0] === 'seccomp_default');
  const storage = rootfsType(pid);
  return {
    RecordedAt: new Date().toISOString(),
    Pid: pid,
    EffectiveCaps: capsFromMask(statusField(status, 'CapEff') ?? '0'),
    BoundingCaps: capsFromMask(statusField(status, 'CapBnd') ?? '0'),
    NoNewPrivileges: statusField(status, 'NoNewPrivs') === '1',
    Seccomp: {
      Mode: mode === '2' ? 'filter' : mode === '1' ? 'strict' : 'disabled',
      Filters: Number(statusField(status, 'Seccomp_filters') ?? 0),
      Profile: seccomp?.profile ?? (defaultLine ? 'unknown' : 'unconfined'),
      ProfileDigest: seccomp?.digest ?? '',
      DefaultAction: defaultLine ? profileAction(defaultLine[1]!, defaultLine[2]!) : '',
    },
    MaskedPaths: lines.filter((l) => l[0] === 'mask').map((l) => l[1]!),
    ReadonlyPaths: lines.filter((l) => l[0] === 'readonly_path').map((l) => l[1]!),
    UidMap: parseIdMap(uidMap),
    GidMap: parseIdMap(gidMap),
    Storage: storage !== 'unknown' ? storage : plan.mountProgram ? 'fuse-overlayfs' : 'native overlay',
  };
}

/** Kept in the container's userdata directory, replaced at each start; not flushed to disk
 * (it describes a running process, which a reboot ends). */
const fileIn = (containerDir: string) => join(containerDir, 'userdata', 'confinement.json');

export function recordConfinement(containerDir: string, pid: number, plan: LaunchPlan, seccomp?: SeccompProfileRef): void {
  const c = readConfinement(pid, plan, seccomp);
  if (c) writeJsonAtomic(fileIn(containerDir), c, false);
}

export function loadConfinement(containerDir: string): Confinement | undefined {
  try {
    return readJson<Confinement>(fileIn(containerDir));
  } catch {
    return undefined;
  }
}
