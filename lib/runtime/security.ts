// What a container may do: its capability set, seccomp profile,
// no_new_privs and masked / read-only paths, from podman's defaults and
// flags (--cap-add, --cap-drop, --privileged, --security-opt).
import { TspodError } from '../util/errors.js';
import { defaultProfilePath, readProfile, seccompPlan } from './seccomp.js';

/** Linux capability numbers (linux/capability.h). */
export const CAPABILITIES: Record<string, number> = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8,
  LINUX_IMMUTABLE: 9, NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13, IPC_LOCK: 14, IPC_OWNER: 15,
  SYS_MODULE: 16, SYS_RAWIO: 17, SYS_CHROOT: 18, SYS_PTRACE: 19, SYS_PACCT: 20, SYS_ADMIN: 21, SYS_BOOT: 22,
  SYS_NICE: 23, SYS_RESOURCE: 24, SYS_TIME: 25, SYS_TTY_CONFIG: 26, MKNOD: 27, LEASE: 28, AUDIT_WRITE: 29,
  AUDIT_CONTROL: 30, SETFCAP: 31, MAC_OVERRIDE: 32, MAC_ADMIN: 33, SYSLOG: 34, WAKE_ALARM: 35, BLOCK_SUSPEND: 36,
  AUDIT_READ: 37, PERFMON: 38, BPF: 39, CHECKPOINT_RESTORE: 40,
};

/** podman 4.3's default_capabilities (containers.conf). */
export const DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

/** podman 4.3's masked and read-only paths. */
export const MASKED_PATHS = ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block'];
export const READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function capName(raw: string): string {
  const n = raw.toUpperCase().replace(/^CAP_/, '');
  if (n !== 'ALL' && !(n in CAPABILITIES)) throw new TspodError(`unknown capability "${raw}" (e.g. NET_ADMIN or CAP_NET_ADMIN; see capabilities(7))`);
  return n;
}

/** podman's order: --cap-drop all empties the set, then --cap-add, then the other drops. */
export function resolveCaps(add: string[], drop: string[], privileged: boolean): string[] {
  if (privileged) return Object.keys(CAPABILITIES);
  const adds = add.map(capName), drops = drop.map(capName);
  const set = new Set(drops.includes('ALL') ? [] : DEFAULT_CAPS);
  for (const c of adds) {
    if (c === 'ALL') Object.keys(CAPABILITIES).forEach((k) => set.add(k));
    else set.add(c);
  }
  for (const c of drops) if (c !== 'ALL' && !adds.includes(c)) set.delete(c);
  return Object.keys(CAPABILITIES).filter((c) => set.has(c));
}

export function capMask(caps: string[]): bigint {
  return caps.reduce((m, c) => m | (1n << BigInt(CAPABILITIES[c]!)), 0n);
}

export interface SecurityOptions {
  seccomp: string; // 'default' | 'unconfined' | a profile path
  noNewPrivileges: boolean;
  mask: string[];
  unmask: string[]; // paths, or ['ALL']
}

export function parseSecurityOpts(opts: string[]): SecurityOptions {
  const out: SecurityOptions = { seccomp: 'default', noNewPrivileges: false, mask: [], unmask: [] };
  for (const o of opts) {
    // KEY=VALUE, or Docker's KEY:VALUE (no-new-privileges:true, seccomp:unconfined) as podman reads it
    const eq = o.indexOf('=') >= 0 ? o.indexOf('=') : o.indexOf(':');
    const [k, v] = eq < 0 ? [o, undefined] : [o.slice(0, eq), o.slice(eq + 1)];
    if (k === 'seccomp' && v) out.seccomp = v;
    else if (k === 'no-new-privileges') {
      if (v !== undefined && v !== 'true' && v !== 'false') throw new TspodError(`--security-opt no-new-privileges takes true or false, not "${v}"`);
      out.noNewPrivileges = v !== 'false';
    } else if (k === 'mask' && v) out.mask.push(...v.split(':').filter(Boolean));
    else if (k === 'unmask' && v) out.unmask.push(...v.split(':').filter(Boolean));
    else if ((k === 'label' || k === 'apparmor') && v) continue; // no SELinux or AppArmor confinement to set up rootless here
    else throw new TspodError(`unknown --security-opt "${o}" (tspod knows seccomp=unconfined|PROFILE.json, no-new-privileges, mask=PATHS, unmask=ALL|PATHS)`);
  }
  for (const p of [...out.mask, ...out.unmask.filter((u) => u !== 'ALL')]) {
    if (!p.startsWith('/') || p.split('/').includes('..')) throw new TspodError(`--security-opt mask/unmask paths must be absolute without "..": "${p}"`);
  }
  return out;
}

/** Plan lines for the helper: caps, no_new_privs, masks, read-only paths, seccomp. */
export function securityPlan(caps: string[], sec: SecurityOptions, privileged: boolean): string[][] {
  const lines: string[][] = [['caps', capMask(caps).toString(16)], ['no_new_privs', sec.noNewPrivileges ? '1' : '0']];
  const unmaskAll = sec.unmask.includes('ALL');
  // unmask lifts the defaults; mask= adds paths whatever else is set.
  const lifted = (p: string) => privileged || unmaskAll || sec.unmask.includes(p);
  for (const m of MASKED_PATHS) if (!lifted(m)) lines.push(['mask', m]);
  for (const m of sec.mask) lines.push(['mask', m]);
  for (const r of READONLY_PATHS) if (!lifted(r)) lines.push(['readonly_path', r]);
  if (!privileged && sec.seccomp !== 'unconfined') {
    lines.push(...seccompPlan(readProfile(sec.seccomp === 'default' ? defaultProfilePath() : sec.seccomp), caps));
  }
  return lines;
}

/** podman's limit on -u USER[:GROUP] ids: a larger number would be cut to 32
 * bits in the helper, and (uid_t)-1 means "unchanged" to setresuid (the process
 * would stay root). Names are looked up in the image later, by the helper. */
export function checkUserIds(spec: string): void {
  for (const part of spec.split(':')) {
    if (/^-?\d+$/.test(part) && (part.startsWith('-') || part.length > 10 || Number(part) > 2147483647)) {
      throw new TspodError('uids and gids must be in range 0-2147483647', 126);
    }
  }
}
