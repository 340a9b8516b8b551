// Capability sets, --security-opt parsing, and profile resolution into
// helper rules (caps-conditional rules, arguments, architectures).
import { describe, expect, it } from 'vitest';
import { capMask, MASKED_PATHS, parseSecurityOpts, READONLY_PATHS, resolveCaps, securityPlan } from '../../lib/runtime/security.js';
import { defaultProfilePath, readProfile, seccompPlan } from '../../lib/runtime/seccomp.js';

describe('resolveCaps', () => {
  it('follows podman: drop all, then add, then drop', () => {
    expect(capMask(resolveCaps([], [], false)).toString(16)).toBe('800405fb');
    expect(resolveCaps(['net_raw'], ['all'], false)).toEqual(['NET_RAW']);
    expect(resolveCaps([], ['CAP_KILL', 'chown'], false)).not.toContain('KILL');
    expect(resolveCaps(['ALL'], [], false)).toHaveLength(41);
    expect(resolveCaps([], [], true)).toHaveLength(41);
    expect(() => resolveCaps(['FLY'], [], false)).toThrow(/unknown capability/);
  });
});

describe('parseSecurityOpts', () => {
  it('reads the options podman users pass', () => {
    expect(parseSecurityOpts(['seccomp=unconfined', 'no-new-privileges', 'mask=/a:/b', 'unmask=ALL', 'label=disable'])).toEqual({
      seccomp: 'unconfined', noNewPrivileges: true, mask: ['/a', '/b'], unmask: ['ALL'],
    });
    expect(parseSecurityOpts(['no-new-privileges=false']).noNewPrivileges).toBe(false);
    // Docker's colon form, which podman takes too
    expect(parseSecurityOpts(['no-new-privileges:true']).noNewPrivileges).toBe(true);
    expect(parseSecurityOpts(['no-new-privileges:false']).noNewPrivileges).toBe(false);
    expect(parseSecurityOpts(['seccomp:unconfined']).seccomp).toBe('unconfined');
    expect(() => parseSecurityOpts(['bogus=1'])).toThrow(/unknown --security-opt/);
    expect(() => parseSecurityOpts(['mask=relative'])).toThrow(/absolute/);
    expect(() => parseSecurityOpts(['mask=/proc/../etc'])).toThrow(/absolute without/);
  });
  it('masks and read-only paths: defaults, unmask, privileged', () => {
    const plan = (opts: string[], privileged = false) => securityPlan([], parseSecurityOpts(['seccomp=unconfined', ...opts]), privileged);
    const of = (lines: string[][], k: string) => lines.filter((l) => l[0] === k).map((l) => l[1]);
    expect(of(plan([]), 'mask')).toEqual(MASKED_PATHS);
    expect(of(plan([]), 'readonly_path')).toEqual(READONLY_PATHS);
    expect(of(plan(['unmask=/proc/keys']), 'mask')).not.toContain('/proc/keys');
    expect(of(plan(['unmask=ALL', 'mask=/x']), 'mask')).toEqual(['/x']);
    expect(of(plan([], true), 'mask')).toEqual([]);
    expect(of(plan([], true), 'readonly_path')).toEqual([]);
  });
});

describe('seccompPlan', () => {
  const profile = readProfile(defaultProfilePath());
  const rules = (caps: string[]) => seccompPlan(profile, caps).filter((l) => l[0] === 'seccomp_rule');
  const rule = (caps: string[], name: string) => rules(caps).filter((l) => l[3] === name);

  it('defaults to ENOSYS and covers this architecture with its compat modes', () => {
    const lines = seccompPlan(profile, []);
    expect(lines[0]).toEqual(['seccomp_default', 'errno', '38']);
    const archs = lines.filter((l) => l[0] === 'seccomp_arch').map((l) => l[1]);
    if (process.arch === 'x64') expect(archs).toEqual(['x86_64', 'x86', 'x32']);
  });
  it('refuses keyctl and bpf with EPERM unless a capability allows it', () => {
    expect(rule([], 'keyctl')).toEqual([['seccomp_rule', 'errno', '1', 'keyctl']]);
    expect(rule([], 'bpf')).toEqual([['seccomp_rule', 'errno', '1', 'bpf']]);
    expect(rule(['SYS_ADMIN'], 'bpf')).toEqual([['seccomp_rule', 'allow', '0', 'bpf']]);
  });
  it('allows unshare and clone only without new user namespaces, unless SYS_ADMIN', () => {
    expect(rule([], 'unshare')).toEqual([
      ['seccomp_rule', 'allow', '0', 'unshare', `0:masked_eq:${0x10000000}:0`],
      ['seccomp_rule', 'errno', '1', 'unshare', `0:masked_eq:${0x10000000}:${0x10000000}`],
    ]);
    expect(rule(['SYS_ADMIN'], 'unshare')).toEqual([['seccomp_rule', 'allow', '0', 'unshare']]);
  });
  it('rejects unknown actions and operators by name', () => {
    expect(() => seccompPlan({ defaultAction: 'SCMP_ACT_NOPE' }, [])).toThrow(/unknown action "SCMP_ACT_NOPE"/);
    expect(() => seccompPlan({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_WAT' }] }] }, [])).toThrow(/unknown operator/);
  });
});
