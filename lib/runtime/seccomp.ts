// seccomp profiles in the OCI/podman JSON format, resolved for one container
// (its capabilities, this host's architecture and kernel) into the flat rule
// list tspod-launch hands to libseccomp. The JSON is parsed here so the C
// helper stays mechanical.
import { existsSync, readFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../config/paths.js';
import { TspodError } from '../util/errors.js';
// Only the two functions: the whole semver package costs start-up time.
import coerce from 'semver/functions/coerce.js';
import gte from 'semver/functions/gte.js';

interface ArgRule {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface SyscallRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: ArgRule[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  architectures?: string[];
  syscalls?: SyscallRule[];
}

const actions: Record<string, string> = {
  SCMP_ACT_ALLOW: 'allow', SCMP_ACT_ERRNO: 'errno', SCMP_ACT_KILL: 'kill', SCMP_ACT_KILL_THREAD: 'kill',
  SCMP_ACT_KILL_PROCESS: 'kill_process', SCMP_ACT_TRAP: 'trap', SCMP_ACT_LOG: 'log',
};
const ops: Record<string, string> = {
  SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le', SCMP_CMP_EQ: 'eq', SCMP_CMP_GE: 'ge', SCMP_CMP_GT: 'gt', SCMP_CMP_MASKED_EQ: 'masked_eq',
};
// Go's GOARCH names (used in includes.arches) and libseccomp's for this host.
const hostArch = arch() === 'x64' ? { go: 'amd64', scmp: 'SCMP_ARCH_X86_64' } : arch() === 'arm64' ? { go: 'arm64', scmp: 'SCMP_ARCH_AARCH64' } : { go: arch(), scmp: '' };
const scmpArchNames: Record<string, string> = {
  SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm',
};

/** tspod's own profile (found on first use: the package root costs node:url). */
export const defaultProfilePath = (): string => join(packageRoot(), 'lib', 'runtime', 'seccomp.json');

export function readProfile(path: string): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new TspodError(`seccomp profile ${path}: cannot read the file`);
  }
  return parseProfile(text, `seccomp profile ${path}`);
}

/** A profile's text, checked; WHAT names it in the error. */
export function parseProfile(text: string, what: string): SeccompProfile {
  try {
    return checkProfileShape(JSON.parse(text));
  } catch (err) {
    throw new TspodError(`${what} is not a valid profile: ${(err as Error).message}`);
  }
}

/** The profile's shape, field by field (an image's label is as hostile as any file): what the
 * plan is built from must be what it claims to be. */
function checkProfileShape(v: unknown): SeccompProfile {
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const strings = (x: unknown, what: string) => {
    if (x !== undefined && x !== null && !(Array.isArray(x) && x.every((s) => typeof s === 'string'))) throw new Error(`${what} must be a list of strings`);
  };
  if (!obj(v)) throw new Error('the profile must be a JSON object');
  if (typeof v.defaultAction !== 'string') throw new Error('defaultAction is missing');
  strings(v.architectures, 'architectures');
  if (v.archMap !== undefined && v.archMap !== null) {
    if (!Array.isArray(v.archMap)) throw new Error('archMap must be a list');
    for (const m of v.archMap) {
      if (!obj(m) || typeof m.architecture !== 'string') throw new Error('each archMap entry needs an architecture');
      strings(m.subArchitectures, 'subArchitectures');
    }
  }
  if (v.syscalls !== undefined && v.syscalls !== null) {
    if (!Array.isArray(v.syscalls)) throw new Error('syscalls must be a list');
    for (const r of v.syscalls) {
      if (!obj(r) || typeof r.action !== 'string') throw new Error('each syscalls entry needs an action');
      strings(r.names, 'names');
      if (r.name !== undefined && typeof r.name !== 'string') throw new Error('name must be a string');
      if (r.errnoRet !== undefined && typeof r.errnoRet !== 'number') throw new Error('errnoRet must be a number');
      for (const k of ['includes', 'excludes'] as const) {
        if (r[k] === undefined || r[k] === null) continue;
        if (!obj(r[k])) throw new Error(`${k} must be an object`);
        strings((r[k] as Record<string, unknown>).caps, `${k}.caps`);
        strings((r[k] as Record<string, unknown>).arches, `${k}.arches`);
      }
      if (r.args !== undefined && r.args !== null) {
        if (!Array.isArray(r.args)) throw new Error('args must be a list');
        for (const a of r.args) {
          if (!obj(a) || typeof a.index !== 'number' || typeof a.value !== 'number' || typeof a.op !== 'string') throw new Error('each args entry needs index, value and op');
          if (a.valueTwo !== undefined && typeof a.valueTwo !== 'number') throw new Error('valueTwo must be a number');
        }
      }
    }
  }
  return v as unknown as SeccompProfile;
}

/** minKernel "4.8" against a release such as "6.18.0-1-amd64": semver after coercing both
 * to MAJOR.MINOR.PATCH (the distribution suffix is not a version). */
export function kernelAtLeast(want: string, have = release()): boolean {
  const w = coerce(want), h = coerce(have);
  if (!w) throw new TspodError(`seccomp profile: minKernel "${want}" is not a kernel version (expected e.g. 4.8)`);
  return h !== null && gte(h, w);
}

function applies(r: SyscallRule, caps: Set<string>): boolean {
  const inc = r.includes ?? {}, exc = r.excludes ?? {};
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.arches?.length && !inc.arches.includes(hostArch.go)) return false;
  if (inc.minKernel && !kernelAtLeast(inc.minKernel)) return false;
  if (exc.caps?.length && exc.caps.some((c) => caps.has(c))) return false;
  if (exc.arches?.length && exc.arches.includes(hostArch.go)) return false;
  if (exc.minKernel && kernelAtLeast(exc.minKernel)) return false;
  return true;
}

function action(a: string, errno: number | undefined, where: string): string[] {
  const act = actions[a];
  if (!act) throw new TspodError(`seccomp profile: unknown action "${a}" in ${where}`);
  return act === 'errno' ? [act, String(errno ?? 1)] : [act, '0'];
}

/** Plan lines: seccomp_default, seccomp_arch, seccomp_rule ACTION ERRNO NAME [idx:op:value:value2]... */
export function seccompPlan(p: SeccompProfile, capNames: string[]): string[][] {
  const caps = new Set(capNames.map((c) => (c.startsWith('CAP_') ? c : `CAP_${c}`)));
  const lines: string[][] = [['seccomp_default', ...action(p.defaultAction, p.defaultErrnoRet, 'defaultAction')]];
  const archs = new Set<string>();
  for (const m of p.archMap ?? []) {
    if (m.architecture !== hostArch.scmp) continue;
    for (const a of [m.architecture, ...(m.subArchitectures ?? [])]) if (scmpArchNames[a]) archs.add(scmpArchNames[a]!);
  }
  for (const a of p.architectures ?? []) if (scmpArchNames[a]) archs.add(scmpArchNames[a]!);
  for (const a of archs) lines.push(['seccomp_arch', a]);
  // A later unconditional rule for a name replaces an earlier one (an allow
  // that a capability adds over a default refusal); argument rules add up.
  const plain = new Map<string, string[]>();
  const conditional: string[][] = [];
  for (const r of p.syscalls ?? []) {
    if (!applies(r, caps)) continue;
    const names = r.names ?? (r.name ? [r.name] : []);
    const act = action(r.action, r.errnoRet, names.join(','));
    const args = (r.args ?? []).map((a) => {
      const op = ops[a.op];
      if (!op) throw new TspodError(`seccomp profile: unknown operator "${a.op}" for ${names.join(',')}`);
      return `${a.index}:${op}:${a.value}:${a.valueTwo ?? 0}`;
    });
    for (const n of names) {
      if (args.length) conditional.push(['seccomp_rule', ...act, n, ...args]);
      else plain.set(n, ['seccomp_rule', ...act, n]);
    }
  }
  const withArgs = new Set(conditional.map((l) => l[3]));
  for (const n of plain.keys()) if (withArgs.has(n)) throw new TspodError(`seccomp profile: ${n} has both a plain rule and argument rules for this container; libseccomp cannot combine them`);
  return [...lines, ...plain.values(), ...conditional];
}

/** Whether this kernel can load seccomp filters (what `tspod info` reports as seccompEnabled):
 * tspod-launch loads one into every container that is not --privileged or seccomp=unconfined. */
export function seccompAvailable(): boolean {
  return existsSync('/proc/sys/kernel/seccomp/actions_avail');
}
