// Volumes and pods as podman's own system tests (160-volumes, 200-pod) expect them: what a user
// sees (exit codes, messages, files) for the cases a conformance run found different.
// Budget: about 60 s.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tspod, tspodBin } from './helpers.js';

const none = ['--network', 'none'];

beforeAll(async () => {
  await tspod(['pod', 'rm', '-a', '-f']);
  await tspod(['rm', '-a', '-f']);
  await tspod(['volume', 'rm', '-a', '-f']);
});

afterEach(async () => {
  await tspod(['pod', 'rm', '-a', '-f']);
  await tspod(['rm', '-a', '-f']);
  await tspod(['volume', 'rm', '-a', '-f']);
});

describe('volumes as podman', () => {
  it('takes the same --tmpfs twice as one mount, and refuses different ones at one place', async () => {
    expect((await tspod(['run', '--rm', ...none, '--tmpfs', '/vol1', '--tmpfs', '/vol1', 'busybox', 'true'])).exitCode).toBe(0);
    const diff = await tspod(['run', '--rm', ...none, '--tmpfs', '/vol1', '--tmpfs', '/vol1:ro', 'busybox', 'true']);
    expect(diff.exitCode).toBe(125);
    expect(diff.stderr).toBe('Error: /vol1: duplicate mount destination');
    const withVolume = await tspod(['run', '--rm', ...none, '-v', 'v2:/vol2', '--tmpfs', '/vol2', 'busybox', 'true']);
    expect(withVolume.stderr).toBe('Error: /vol2: duplicate mount destination');
  });

  it('filters volume ls by name as an unanchored regular expression', async () => {
    for (const n of ['volume_1_ab', 'volume_2_ab', 'other']) expect((await tspod(['volume', 'create', n])).exitCode).toBe(0);
    const ls = async (f: string) => (await tspod(['volume', 'ls', '--filter', f, '--format', '{{.Name}}'])).stdout.split('\n').sort();
    expect(await ls('name=volume_1.+')).toEqual(['volume_1_ab']);
    // `*` is a regexp's: "volume_" then any number of "1" matches volume_2_ab too
    expect(await ls('name=volume_1*')).toEqual(['volume_1_ab', 'volume_2_ab']);
    expect(await ls('name=^oth')).toEqual(['other']);
  });

  it('volume prune asks on stdin: N keeps, y removes, --filter label= narrows the list', async () => {
    for (const n of ['pa', 'pb']) await tspod(['volume', 'create', n]);
    await tspod(['volume', 'create', '--label', 'mylabel', 'pc']);
    await tspod(['create', '--name', 'user', ...none, '-v', 'pa:/a', 'busybox', 'true']);
    const no = await tspod(['volume', 'prune'], { stdin: undefined, input: 'N\n' });
    expect(no.exitCode).toBe(0);
    expect(no.stdout).toBe('WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\npb\npc\nAre you sure you want to continue? [y/N] ');
    expect((await tspod(['volume', 'exists', 'pb'])).exitCode).toBe(0);
    const yes = await tspod(['volume', 'prune', '--filter', 'label=mylabel'], { stdin: undefined, input: 'y\n' });
    expect(yes.exitCode).toBe(0);
    expect(yes.stdout.split('\n').slice(1)).toEqual(['pc', 'Are you sure you want to continue? [y/N] pc']);
    expect((await tspod(['volume', 'exists', 'pc'])).exitCode).toBe(1);
    expect((await tspod(['volume', 'exists', 'pb'])).exitCode).toBe(0);
    await tspod(['volume', 'rm', 'pb']);
    const nothing = await tspod(['volume', 'prune'], { stdin: undefined, input: '' });
    expect(nothing.stdout).toBe('WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\nNo dangling volumes found');
  });

  it('binds a type=bind device, refuses a missing one as podman, and makes type=tmpfs volumes real tmpfs mounts', async () => {
    const bad = await tspod(['volume', 'create', '-o', 'type=bind', '-o', 'device=/bogus', 'b1']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toBe('Error: invalid volume option device for driver \'local\': stat /bogus: no such file or directory');
    const dir = mkdtempSync(join(tmpdir(), 'volpod-'));
    try {
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'myfile'), 'hello\n');
      expect((await tspod(['volume', 'create', '-o', 'type=bind', '-o', `device=${dir}`, 'b1'])).stdout).toBe('b1');
      const r = await tspod(['run', '--rm', ...none, '-v', 'b1:/vol:z', 'busybox', 'sh', '-c', 'stat -c %u /vol/myfile; cat /vol/myfile']);
      expect(r.stdout).toBe('0\nhello');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await tspod(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 't1'])).exitCode).toBe(0);
    const t = await tspod(['run', '--rm', ...none, '-v', 't1:/vol', 'busybox', 'sh', '-c', 'stat -f -c %T /vol; df -k /vol | tail -1; echo x > /vol/f']);
    expect(t.exitCode).toBe(0);
    expect(t.stdout.split('\n')[0]).toBe('tmpfs');
    expect(t.stdout.split('\n')[1]).toMatch(/\s2048\s/);
    // nothing reached the volume's directory on disk
    const mp = (await tspod(['volume', 'inspect', '--format', '{{.Mountpoint}}', 't1'])).stdout;
    expect((await tspod(['unshare', 'ls', '-A', mp])).stdout).toBe('');
  });

  it('keeps NeedsCopyUp until a mount point with content is copied; NeedsChown goes with the first use', async () => {
    await tspod(['volume', 'create', 'cu']);
    const flags = async () => (await tspod(['volume', 'inspect', '--format', '{{.NeedsCopyUp}} {{.NeedsChown}}', 'cu'])).stdout;
    expect(await flags()).toBe('true true');
    expect((await tspod(['run', '--rm', ...none, '-v', 'cu:/nonexistent-here', 'busybox', 'true'])).exitCode).toBe(0);
    expect(await flags()).toBe('true false');
    expect((await tspod(['run', '--rm', ...none, '-v', 'cu:/etc', 'busybox', 'true'])).exitCode).toBe(0);
    expect(await flags()).toBe('false false');
    expect((await tspod(['run', '--rm', ...none, '-v', 'cu:/x', 'busybox', 'cat', '/x/passwd'])).stdout).toMatch(/^root:/);
  });

  it('volume mount outside tspod unshare is refused as podman; inside it prints the mount point', async () => {
    await tspod(['volume', 'create', 'mv']);
    const out = await tspod(['volume', 'mount', 'mv']);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toBe('Error: cannot run command "tspod volume mount" in rootless mode, must execute `tspod unshare` first');
    const mp = (await tspod(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'mv'])).stdout;
    const inside = await tspod(['unshare', tspodBin, 'volume', 'mount', 'mv']);
    expect(inside.stdout).toBe(mp);
  });
});

describe('pods as podman', () => {
  it('checks --share as podman: a bogus namespace is refused, +NS adds to the default set, ipc alone leaves the hostname free', async () => {
    const bogus = await tspod(['pod', 'create', '--share', 'bogus', '--name', 'sp']);
    expect(bogus.exitCode).toBe(125);
    expect(bogus.stderr).toBe('Error: invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none');
    expect((await tspod(['pod', 'create', '--share', 'ipc', '--name', 'sp'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'sp', '--format', '{{.SharedNamespaces}}'])).stdout).toBe('[ipc]');
    const own = await tspod(['run', '--rm', '--pod', 'sp', '--hostname', 'foobar', 'busybox', 'hostname']);
    expect(own.stdout, own.stderr).toBe('foobar');
    expect((await tspod(['pod', 'create', '--share', '+pid', '--replace', '--name', 'sp'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'sp', '--format', '{{.SharedNamespaces}}'])).stdout).toBe('[ipc net uts pid]');
    // in the pod's pid namespace, pid 1 is the infra's init, not the member's command
    const pid1 = await tspod(['run', '--rm', '--pod', 'sp', 'busybox', 'cat', '/proc/1/cmdline']);
    expect(pid1.exitCode, pid1.stderr).toBe(0);
    expect(pid1.stdout).not.toMatch(/^cat/);
    expect((await tspod(['run', '--rm', ...none, 'busybox', 'cat', '/proc/1/cmdline'])).stdout).toMatch(/^cat/);
    const joined = await tspod(['run', '--rm', '--pod', 'sp', '--hostname', 'foobar', 'busybox', 'hostname']);
    expect(joined.exitCode).toBe(125);
    expect(joined.stderr).toBe('Error: invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration');
  });

  it('members sharing IPC share the infra\'s /dev/shm; run --pod new:P --hostname names the new pod\'s host', async () => {
    expect((await tspod(['pod', 'create', '--name', 'shm'])).exitCode).toBe(0);
    expect((await tspod(['run', '--rm', '--pod', 'shm', 'busybox', 'touch', '/dev/shm/test1'])).exitCode).toBe(0);
    const seen = await tspod(['run', '--rm', '--pod', 'shm', 'busybox', 'ls', '/dev/shm/test1']);
    expect(seen.stdout, seen.stderr).toBe('/dev/shm/test1');
    const h = await tspod(['run', '--rm', '--pod', 'new:hp', '--hostname', 'foobar', 'busybox', 'hostname']);
    expect(h.stdout, h.stderr).toBe('foobar');
    expect((await tspod(['pod', 'rm', 'hp'])).exitCode).toBe(0);
    expect((await tspod(['run', '--rm', '--pod', 'new:hp', 'busybox', 'hostname'])).stdout).toBe('hp');
  });

  it('pod rm of a missing pod is exit 1 (silent with --force); pod inspect --format renders podman\'s fields; --exit-policy checked', async () => {
    const rm = await tspod(['pod', 'rm', 'bogus']);
    expect(rm.exitCode).toBe(1);
    expect(rm.stderr).toBe('Error: no pod with name or ID bogus found: no such pod');
    const forced = await tspod(['pod', 'rm', '--force', 'bogus']);
    expect([forced.exitCode, forced.stdout, forced.stderr]).toEqual([0, '', '']);
    expect((await tspod(['pod', 'exists', 'bogus'])).exitCode).toBe(1);
    expect((await tspod(['pod', 'create', '--name', 'ip'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'ip', '--format', '{{.InfraConfig.HostNetwork}} {{.ExitPolicy}} {{.Name}}'])).stdout).toBe('false continue ip');
    expect((await tspod(['pod', 'create', '--exit-policy', 'stop', '--name', 'ip2'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'ip2', '--format', '{{.ExitPolicy}}'])).stdout).toBe('stop');
    // a member run in the foreground: its exit stops the pod too (--exit-policy stop), with nothing left running
    expect((await tspod(['run', '--pod', 'ip2', '--name', 'gone', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'ip2', '--format', '{{.State}}'])).stdout).toBe('Exited');
    const bad = await tspod(['pod', 'create', '--exit-policy', 'invalid']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr.split('\n')[0]).toBe('Error: running pod create option: invalid pod exit policy: "invalid"');
    // a pod whose members have all exited is removed with them, without -f (as podman)
    const rmStopped = await tspod(['pod', 'rm', 'ip2']);
    expect(rmStopped.exitCode, rmStopped.stderr).toBe(0);
    expect((await tspod(['container', 'exists', 'gone'])).exitCode).toBe(1);
    const missing = await tspod(['pod', 'inspect', 'bogus']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: inspecting object: no such pod bogus']);
  });
});

afterAll(async () => {
  await tspod(['volume', 'rm', '-a', '-f']);
});
