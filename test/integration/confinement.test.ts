// inspect shows the confinement the container's process actually ran under (read
// from /proc when it started), and info says seccomp is on. Budget: ~30 s.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, tspod } from './helpers.js';

const podmanDefaults = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP',
  'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'];

interface Inspected {
  EffectiveCaps: string[];
  BoundingCaps: string[];
  MountProgram: string;
  State: { Pid: number };
  Tspod: { Confinement: null | {
    Pid: number; NoNewPrivileges: boolean; MaskedPaths: string[]; ReadonlyPaths: string[]; Storage: string;
    Seccomp: { Mode: string; Filters: number; Profile: string; ProfileDigest: string; DefaultAction: string };
    UidMap: Array<{ ContainerID: number; HostID: number; Size: number }>; GidMap: unknown[];
  } };
}

async function inspect(name: string): Promise<Inspected> {
  const r = await tspod(['inspect', name]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Inspected[])[0]!;
}

describe('the confinement applied, in inspect', () => {
  it('a default container: podman\'s caps, the default seccomp profile by digest, masks, the id maps, the storage mode', async () => {
    const created = await tspod(['create', '--name', 'conf-default', '--network', 'none', 'busybox', 'sleep', '1000']);
    expect(created.exitCode, created.stderr).toBe(0);
    // Before any start: the set it will get, nothing recorded yet.
    const before = await inspect('conf-default');
    expect(before.EffectiveCaps).toEqual(podmanDefaults);
    expect(before.Tspod.Confinement).toBeNull();
    expect((await tspod(['start', 'conf-default'])).exitCode).toBe(0);
    try {
      const c = await inspect('conf-default');
      expect(c.EffectiveCaps).toEqual(podmanDefaults);
      expect(c.BoundingCaps).toEqual(podmanDefaults);
      const k = c.Tspod.Confinement!;
      expect(k.Pid).toBe(c.State.Pid);
      expect(k.NoNewPrivileges).toBe(false);
      const digest = `sha256:${createHash('sha256').update(readFileSync(join(root, 'lib/runtime/seccomp.json'))).digest('hex')}`;
      expect(k.Seccomp).toEqual({ Mode: 'filter', Filters: 1, Profile: 'default', ProfileDigest: digest, DefaultAction: 'SCMP_ACT_ERRNO(38)' });
      expect(k.MaskedPaths).toContain('/proc/kcore');
      expect(k.ReadonlyPaths).toContain('/proc/sys');
      expect(k.UidMap[0]).toEqual({ ContainerID: 0, HostID: process.getuid!(), Size: 1 });
      expect(k.UidMap[1]?.Size).toBeGreaterThan(0);
      expect(k.GidMap.length).toBe(2);
      expect(k.Storage).toBe(c.MountProgram ? 'fuse-overlayfs' : 'native overlay');
    } finally {
      await tspod(['rm', '-f', '-t', '0', 'conf-default']);
    }
  });

  it('what the kernel applied, not what was asked: a non-root user has no effective caps; dropped caps, no-new-privileges and no seccomp show', async () => {
    const r = await tspod(['run', '-d', '--name', 'conf-custom', '--network', 'none', '-u', '1000', '--cap-drop', 'all', '--cap-add', 'NET_RAW',
      '--security-opt', 'no-new-privileges', '--security-opt', 'seccomp=unconfined', 'busybox', 'sleep', '1000']);
    expect(r.exitCode, r.stderr).toBe(0);
    try {
      const c = await inspect('conf-custom');
      // uid 1000 loses its effective caps at exec (capabilities(7)); the bounding set keeps NET_RAW.
      expect(c.EffectiveCaps).toEqual([]);
      expect(c.BoundingCaps).toEqual(['CAP_NET_RAW']);
      const k = c.Tspod.Confinement!;
      expect(k.NoNewPrivileges).toBe(true);
      expect(k.Seccomp).toMatchObject({ Mode: 'disabled', Filters: 0, Profile: 'unconfined', ProfileDigest: '' });
    } finally {
      await tspod(['rm', '-f', '-t', '0', 'conf-custom']);
    }
  });

  it('info reports seccomp as enabled, with the default profile\'s path', async () => {
    const r = await tspod(['info']);
    expect(r.stdout).toMatch(/^ +seccompEnabled: true$/m);
    expect(r.stdout).toContain(`seccompProfilePath: ${join(root, 'lib/runtime/seccomp.json')}`);
  });
});
