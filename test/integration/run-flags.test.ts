// issue 12: run/create flags as a podman user sees them: /etc/hosts and /etc/resolv.conf
// entries, --mount and --volumes-from, resource flags (podman's cgroups v1 warning, recorded for
// inspect), annotations, environment rules, and podman's refusals. Budget: about 40 s.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { execa } from 'execa';
import { buildContext, containerDirs, testEnv, tspod, tspodBin, waitFor } from './helpers.js';

const run = (args: string[]) => tspod(['run', '--rm', ...args]);
const none = ['--network', 'none'];

afterAll(async () => {
  await tspod(['rm', '-a', '-f']);
  await tspod(['volume', 'rm', '-a', '-f']);
});

describe('/etc/hosts and /etc/resolv.conf', () => {
  it('--add-host comes first in /etc/hosts; --dns, --dns-search and --dns-option make resolv.conf', async () => {
    const r = await run(['--add-host', 'db:192.0.2.7', '--add-host', 'six:::1', '--dns', '9.9.9.9', '--dns-search', 'example.com',
      '--dns-option', 'ndots:3', 'busybox', 'sh', '-c', 'cat /etc/hosts; echo ---; cat /etc/resolv.conf']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [hosts = '', resolv = ''] = r.stdout.split('---\n');
    expect(hosts.split('\n').slice(0, 2)).toEqual(['192.0.2.7\tdb', '::1\tsix']);
    expect(resolv).toBe('search example.com\nnameserver 9.9.9.9\noptions ndots:3');
  });

  it('refuses as podman does, creating nothing', async () => {
    const before = containerDirs().length;
    const dns = await run([...none, '--dns', '1.1.1.1', 'busybox', 'true']);
    expect(dns.exitCode).toBe(125);
    expect(dns.stderr).toBe('Error: conflicting options: dns and the network mode: none');
    const both = await run(['--no-hosts', '--add-host', 'a:1.2.3.4', 'busybox', 'true']);
    expect(both.stderr).toBe('Error: --no-hosts and --add-host cannot be set together');
    const bad = await run([...none, '--add-host', 'a:1.2.3', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: invalid IP address in add-host: "1.2.3"']);
    expect(containerDirs().length).toBe(before);
  });

  it('--no-hosts leaves the image\'s /etc/hosts (busybox has none)', async () => {
    const r = await run([...none, '--no-hosts', 'busybox', 'sh', '-c', 'test -e /etc/hosts && echo present || echo absent; grep -c " /etc/hosts " /proc/mounts']);
    expect(r.stdout).toBe('absent\n0');
  });
});

describe('--mount and --volumes-from', () => {
  it('bind (ro), tmpfs with size and a named volume, as -v and --tmpfs make them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-runflags-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'f'), 'hello\n');
    const r = await run([...none, '--mount', `type=bind,src=${dir},target=/b,ro`, '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m',
      '--mount', 'type=volume,source=rfvol,destination=/v', 'busybox', 'sh', '-c',
      'cat /b/f; touch /b/x 2>/dev/null || echo ro; df -k /t | tail -1; echo kept > /v/k']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['hello', 'ro']);
    expect(r.stdout.split('\n')[2]).toMatch(/^tmpfs\s+1024\s/);
    const again = await run([...none, '-v', 'rfvol:/w', 'busybox', 'cat', '/w/k']);
    expect(again.stdout).toBe('kept');
  });

  it('refuses a malformed --mount clearly; type=devpts mounts a devpts instance of its own', async () => {
    const noType = await run([...none, '--mount', 'target=/x', 'busybox', 'true']);
    expect(noType.exitCode).toBe(125);
    expect(noType.stderr).toContain('incorrect mount format');
    const devpts = await run([...none, '--mount', 'type=devpts,target=/mnt/pts,mode=620', 'busybox', 'sh', '-c', 'grep " /mnt/pts " /proc/mounts | cut -d" " -f1-4; ls /mnt/pts']);
    expect([devpts.exitCode, devpts.stderr]).toEqual([0, '']);
    expect(devpts.stdout).toMatch(/^devpts \/mnt\/pts devpts rw,nosuid,noexec,relatime,.*mode=620.*\nptmx$/);
    const onPts = await run([...none, '--mount', 'type=devpts,target=/dev/pts', 'busybox', 'true']);
    expect(onPts.exitCode).toBe(125);
  });

  it('--volumes-from copies the other container\'s volumes; :ro makes them read-only', async () => {
    expect((await tspod(['run', '--name', 'rf-src', ...none, '-v', '/data', 'busybox', 'sh', '-c', 'echo x > /data/f'])).exitCode).toBe(0);
    const r = await run([...none, '--volumes-from', 'rf-src:ro', 'busybox', 'sh', '-c', 'cat /data/f; touch /data/g 2>/dev/null || echo ro']);
    expect(r.stdout).toBe('x\nro');
    const missing = await run([...none, '--volumes-from', 'rf-nosuch', 'busybox', 'true']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toContain('no container with name or ID "rf-nosuch" found');
  });
});

describe('resource flags on a cgroups v1 rootless host', () => {
  it('accepted with podman\'s warning, recorded for inspect; bad values refused with podman\'s words', async () => {
    const c = await tspod(['create', ...none, '--memory', '10m', '--cpus', '1.5', '--pids-limit', '100', '-c', '512', 'busybox', 'true']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stderr).toBe('Resource limits are not supported and ignored on cgroups V1 rootless systems');
    const i = await tspod(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}', c.stdout]);
    expect(i.stdout).toBe('10485760 1500000000 100 512');
    const r = await run([...none, '--memory', '10m', 'busybox', 'echo', 'ran']);
    expect([r.exitCode, r.stdout]).toEqual([0, 'ran']);
    const bad = await run([...none, '--memory', '10x', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, "Error: invalid value for memory: invalid size: '10x'"]);
    const plain = await run([...none, '--memory-swap', '-1', 'busybox', 'true']);
    expect([plain.exitCode, plain.stderr]).toEqual([0, '']);
  });
});

describe('--ulimit, --umask, --group-add (set by the helper before exec)', () => {
  it('reach the container\'s process; podman\'s refusals', async () => {
    const r = await run([...none, '--ulimit', 'nofile=100:200', '--ulimit', 'core=-1', '--umask', '0077', '-u', '1000', '--group-add', '5', '--group-add', 'nogroup',
      'busybox', 'sh', '-c', 'ulimit -Sn; ulimit -Hn; ulimit -Sc; umask; id -G']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('100\n200\nunlimited\n0077\n1000 5 10 65534');
    expect((await run([...none, 'busybox', 'sh', '-c', 'umask'])).stdout).toBe('0022');
    const soft = await run([...none, '--ulimit', 'nofile=200:100', 'busybox', 'true']);
    expect([soft.exitCode, soft.stderr]).toEqual([125, 'Error: ulimit option "nofile=200:100" requires name=SOFT:HARD, failed to be parsed: ulimit soft limit must be less than or equal to hard limit: 200 > 100']);
    const umask = await run([...none, '--umask', '9', 'busybox', 'true']);
    expect(umask.stderr).toBe('Error: running container create option: invalid umask string 9: invalid argument');
    const range = await run([...none, '--group-add', '2147483648', 'busybox', 'true']);
    expect([range.exitCode, range.stderr]).toEqual([126, 'Error: uids and gids must be in range 0-2147483647']);
    const missing = await run([...none, '--group-add', 'nosuchgroup', 'busybox', 'true']);
    expect(missing.exitCode).toBe(126);
    expect(missing.stderr).toContain('Unable to find group nosuchgroup: no matching entries in group file');
  });
});

describe('metadata and environment', () => {
  it('--annotation, --label-file, --unsetenv, --unsetenv-all, --env-host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-runflags-'));
    writeFileSync(join(dir, 'labels'), '# a comment\nteam=db\n\nenv=prod\n');
    const c = await tspod(['create', ...none, '--annotation', 'a=b', '--label-file', join(dir, 'labels'), '--label', 'env=dev', 'busybox', 'true']);
    expect(c.exitCode, c.stderr).toBe(0);
    const i = await tspod(['inspect', '--format', '{{.Config.Annotations.a}} {{.Config.Labels.team}} {{.Config.Labels.env}}', c.stdout]);
    expect(i.stdout).toBe('b db dev');
    const bad = await run([...none, '--annotation', 'foo', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: annotations must be formatted KEY=VALUE']);
    const unset = await run([...none, '--unsetenv', 'container', '-e', 'A=1', 'busybox', 'sh', '-c', 'echo "c=$container A=$A"']);
    expect(unset.stdout).toBe('c= A=1');
    const all = await run([...none, '--unsetenv-all', 'busybox', '/bin/sh', '-c', 'echo "P=$PATH c=$container H=${HOSTNAME:+set}"']);
    expect(all.stdout).toBe('P=/sbin:/usr/sbin:/bin:/usr/bin c= H=set');
    const withHost = { env: { ...testEnv(), RF_FROM_HOST: 'yes' } };
    const host = await tspod(['run', '--rm', ...none, '--env-host', 'busybox', 'sh', '-c', 'echo "$RF_FROM_HOST"'], withHost);
    expect(host.stdout).toBe('yes');
    const without = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'echo "${RF_FROM_HOST:-unset}"'], withHost);
    expect(without.stdout).toBe('unset');
  });
});

/** A docker-archive of the busybox layer with its own config (its own image id), named NAME. */
function ownImage(name: string, extra: Record<string, unknown> = {}): string {
  const layer = readFileSync(inject('tspodImages').layerTar);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const dir = mkdtempSync(join(tmpdir(), 'tspod-runflags-img-'));
  mkdirSync(join(dir, 'stage', sha(layer)), { recursive: true });
  writeFileSync(join(dir, 'stage', sha(layer), 'layer.tar'), layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'], Labels: { for: name }, ...extra },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } }));
  writeFileSync(join(dir, 'stage', `${sha(config)}.json`), config);
  writeFileSync(join(dir, 'stage', 'manifest.json'), JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: [name], Layers: [`${sha(layer)}/layer.tar`] }]));
  execFileSync('tar', ['-cf', join(dir, 'image.tar'), '-C', join(dir, 'stage'), '.']);
  return join(dir, 'image.tar');
}

describe('--tz, --shm-size, --read-only-tmpfs, --pidfile, --conmon-pidfile, --timeout, --rmi', () => {
  it('--tz copies the zone to /etc/localtime; a missing or escaping zone is refused', async () => {
    const r = await run([...none, '--tz', 'Europe/Paris', 'busybox', 'date', '+%Z']);
    expect([r.exitCode, r.stdout]).toEqual([0, expect.stringMatching(/^CES?T$/)]);
    const bad = await run([...none, '--tz', 'Nowhere/X', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: running container create option: stat /usr/share/zoneinfo/Nowhere/X: no such file or directory']);
    const out = await run([...none, '--tz', '../../etc/passwd', 'busybox', 'true']);
    expect(out.exitCode).toBe(125);
  });

  it('--shm-size sizes /dev/shm; --read-only-tmpfs=false leaves /tmp read-only', async () => {
    const shm = await run([...none, '--shm-size', '1m', 'busybox', 'sh', '-c', 'df -k /dev/shm | tail -1']);
    expect(shm.stdout).toMatch(/^shm\s+1024\s/);
    const ro = await run([...none, '--read-only', '--read-only-tmpfs=false', 'busybox', 'sh', '-c', 'touch /tmp/x 2>/dev/null && echo rw || echo ro']);
    expect(ro.stdout).toBe('ro');
    const rw = await run([...none, '--read-only', 'busybox', 'sh', '-c', 'touch /tmp/x 2>/dev/null && echo rw || echo ro']);
    expect(rw.stdout).toBe('rw');
  });

  it('--pidfile holds the container process, --conmon-pidfile the monitor (detached)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-runflags-'));
    const [pid, mon] = [join(dir, 'pid'), join(dir, 'conmon')];
    const d = await tspod(['run', '-d', ...none, '--pidfile', pid, '--conmon-pidfile', mon, 'busybox', 'sleep', '100']);
    expect(d.exitCode, d.stderr).toBe(0);
    const i = await tspod(['inspect', '--format', '{{.State.Pid}} {{.State.ConmonPid}}', d.stdout]);
    expect(`${readFileSync(pid, 'utf8')} ${readFileSync(mon, 'utf8')}`).toBe(i.stdout);
    await tspod(['rm', '-f', '-t', '0', d.stdout]);
  });

  it('--timeout kills the container, exit status 255 as podman\'s', async () => {
    const r = await run([...none, '--timeout', '1', 'busybox', 'sleep', '30']);
    expect(r.exitCode).toBe(255);
    // with -d: tspod-monitor does it (run-flags2.test.ts)
  });

  it('--rmi removes the image after the container', async () => {
    expect((await tspod(['load', '-i', ownImage('localhost/rmi-test:1')])).exitCode).toBe(0);
    const r = await run([...none, '--rmi', 'localhost/rmi-test:1', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await tspod(['image', 'exists', 'localhost/rmi-test:1'])).exitCode).toBe(1);
  });
});

describe('-a/--attach', () => {
  it('shows only the streams named; a bad stream refused with podman\'s words', async () => {
    const cmd = ['busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'];
    const out = await run([...none, '-a', 'stdout', ...cmd]);
    expect([out.exitCode, out.stdout, out.stderr]).toEqual([3, 'out', '']);
    const err = await run([...none, '--attach', 'stderr', ...cmd]);
    expect([err.exitCode, err.stdout, err.stderr]).toEqual([3, '', 'err']);
    const bad = await run([...none, '-a', 'bogus', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument']);
  });
});

describe('--log-driver, --log-opt, --oom-score-adj', () => {
  it('none keeps no log and logs says so; path= puts the log there', async () => {
    const none1 = await tspod(['run', '-d', ...none, '--log-driver', 'none', 'busybox', 'echo', 'hi']);
    expect(none1.exitCode, none1.stderr).toBe(0);
    await tspod(['wait', none1.stdout]);
    const l = await tspod(['logs', none1.stdout]);
    expect([l.exitCode, l.stderr]).toEqual([125, "Error: this container is using the 'none' log driver, cannot read logs: this container is not logging output"]);
    const path = join(mkdtempSync(join(tmpdir(), 'tspod-runflags-')), 'ctr.log');
    const d = await tspod(['run', '-d', ...none, '--log-opt', `path=${path}`, 'busybox', 'echo', 'hi']);
    await tspod(['wait', d.stdout]);
    expect((await tspod(['logs', d.stdout])).stdout).toBe('hi');
    expect(readFileSync(path, 'utf8')).toMatch(/ stdout F hi\n$/);
    expect((await tspod(['inspect', '--format', '{{.LogPath}}', d.stdout])).stdout).toBe(path);
    const bad = await run([...none, '--log-driver', 'bad', 'busybox', 'true']);
    expect(bad.stderr).toBe('Error: running container create option: invalid log driver: invalid argument');
  });

  it('passthrough hands tspod\'s own streams to a foreground container and logs nothing; refused with -t and -d', async () => {
    const p = await tspod(['run', '--name', 'passthru', ...none, '--log-driver', 'passthrough', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    expect([p.exitCode, p.stdout, p.stderr]).toEqual([0, 'out', 'err']);
    // the container's stdout is tspod's own (the same pipe), not a relay's
    const same = await execa('sh', ['-c', `readlink /proc/$$/fd/1; "$0" run --rm ${none.join(' ')} --log-driver passthrough busybox readlink /proc/self/fd/1`, tspodBin], { env: testEnv(), reject: false });
    const [outer, inner] = same.stdout.split('\n');
    expect(outer).toMatch(/^(pipe|socket):\[\d+\]$/); // what node gives a child as stdout
    expect(inner).toBe(outer);
    expect((await tspod(['inspect', '--format', '{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}', 'passthru'])).stdout).toBe('passthrough|');
    const l = await tspod(['logs', 'passthru']);
    expect([l.exitCode, l.stderr]).toEqual([125, "Error: this container is using the 'passthrough' log driver, cannot read logs: this container is not logging output"]);
    const s = await tspod(['start', 'passthru']);
    expect(s.exitCode).toBe(125);
    expect(s.stderr).toContain("only `tspod run` in the foreground runs it");
    await tspod(['rm', 'passthru']);
    const t = await tspod(['run', '--rm', '-t', ...none, '--log-driver', 'passthrough', 'busybox', 'true']);
    expect([t.exitCode, t.stderr]).toEqual([125, expect.stringContaining('cannot be used with -t')]);
    const d = await tspod(['run', '-d', ...none, '--log-driver', 'passthrough', 'busybox', 'true']);
    expect([d.exitCode, d.stderr]).toEqual([125, expect.stringContaining('needs the container in the foreground')]);
  });

  it('--oom-score-adj is raised in the container; out of range refused', async () => {
    const r = await run([...none, '--oom-score-adj', '1000', 'busybox', 'cat', '/proc/self/oom_score_adj']);
    expect([r.exitCode, r.stdout]).toEqual([0, '1000']); // the highest: a raise wherever the suite runs
    const bad = await run([...none, '--oom-score-adj', '5000', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: invalid --oom-score-adj 5000: it must be in the range -1000 to 1000']);
  });
});

describe('flags that cannot apply here: accepted as podman accepts them, or refused with the reason', () => {
  it('--image-volume bind|tmpfs|ignore for the image\'s VOLUMEs', async () => {
    expect((await tspod(['load', '-i', ownImage('localhost/vol-image:1', { Volumes: { '/data': {} } })])).exitCode).toBe(0);
    const where = 'grep " /data " /proc/mounts | cut -d" " -f3; echo end';
    expect((await run([...none, 'localhost/vol-image:1', 'sh', '-c', where])).stdout).not.toMatch(/^tmpfs/);
    expect((await run([...none, '--image-volume', 'tmpfs', 'localhost/vol-image:1', 'sh', '-c', where])).stdout).toBe('tmpfs\nend');
    expect((await run([...none, '--image-volume', 'ignore', 'localhost/vol-image:1', 'sh', '-c', where])).stdout).toBe('end');
    const bad = await run([...none, '--image-volume', 'bad', 'localhost/vol-image:1', 'true']);
    expect(bad.stderr).toBe('Error: invalid image volume mode "bad" required value: bind, tmpfs, ignore');
    await tspod(['rmi', '-f', 'localhost/vol-image:1']);
  });

  it('podman\'s words for --platform with --arch, --systemd and --seccomp-policy; clear refusals', async () => {
    const cases: Array<[string[], string]> = [
      [['--arch', 'arm64', '--platform', 'linux/amd64'], 'Error: --platform option can not be specified with --arch or --os'],
      [['--systemd', 'bad'], 'Error: invalid config provided: --systemd values must be one of "true, false, always": invalid configuration'],
      [['--seccomp-policy', 'image'], 'Error: no seccomp policy defined by image'],
      [['--seccomp-policy', 'bad'], 'Error: invalid seccomp policy "bad": valid policies are ["default" "image"]'],
      [['--cgroup-parent', '/foo'], 'tspod creates no cgroup for a container on this host'],
      [['--init', '--init-path', '/x'], 'tspod\'s init is its own tspod-init'],
    ];
    for (const [flags, message] of cases) {
      const r = await run([...none, ...flags, 'busybox', 'true']);
      expect([r.exitCode, r.stderr], flags.join(' ')).toEqual([125, expect.stringContaining(message)]);
    }
    const ok = await run([...none, '--arch', 'amd64', '--personality', 'LINUX', '--security-opt', 'label=disable', '--init-path', '/x', 'busybox', 'echo', 'ran']);
    expect([ok.exitCode, ok.stdout], ok.stderr).toEqual([0, 'ran']);
  });

  it('--systemd: always, or an init command: podman\'s tmpfs, container_uuid, SIGRTMIN+3 to stop; inspect says so', async () => {
    const r = await tspod(['run', '--name', 'sdmode', ...none, '--systemd', 'always', '-v', `${mkdtempSync(join(tmpdir(), 'tspod-sd-'))}:/var/log/journal`, 'busybox', 'sh', '-c',
      'for d in /run /run/lock /tmp /var/log/journal; do grep " $d " /proc/mounts | cut -d" " -f1-3; done; echo "$container_uuid"; stat -c %s /run/.containerenv']);
    expect(r.exitCode, r.stderr).toBe(0);
    const id = (await tspod(['inspect', '--format', '{{.Id}}', 'sdmode'])).stdout;
    // a mount the user gives stays the user's
    expect(r.stdout.split('\n')).toEqual(['tmpfs /run tmpfs', 'tmpfs /run/lock tmpfs', 'tmpfs /tmp tmpfs', expect.not.stringMatching(/^tmpfs /), id.slice(0, 32), '0']);
    expect((await tspod(['inspect', '--format', '{{.Config.SystemdMode}} {{.Config.StopSignal}}', 'sdmode'])).stdout).toBe('true 37');
    const plain = await tspod(['create', '--name', 'sdplain', ...none, 'busybox', 'true']);
    expect(plain.exitCode).toBe(0);
    expect((await tspod(['inspect', '--format', '{{.Config.SystemdMode}} {{.Config.StopSignal}}', 'sdplain'])).stdout).toBe('false 15');
    // --systemd true (the default) with an init command; --stop-signal still wins
    await tspod(['create', '--name', 'sdinit', ...none, '--stop-signal', 'SIGUSR1', 'busybox', '/sbin/init']);
    expect((await tspod(['inspect', '--format', '{{.Config.SystemdMode}} {{.Config.StopSignal}}', 'sdinit'])).stdout).toBe('true 10');
    // stop sends systemd's own signal
    const d = await tspod(['run', '-d', '--name', 'sdstop', ...none, '--systemd', 'always', 'busybox', 'sh', '-c', 'trap "echo got-37; exit 0" 37; echo ready; while :; do sleep 0.1; done']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', 'sdstop'])).stdout === 'ready')).toBe(true);
    expect((await tspod(['stop', '-t', '5', 'sdstop'])).exitCode).toBe(0);
    expect((await tspod(['logs', 'sdstop'])).stdout).toBe('ready\ngot-37');
    await tspod(['rm', 'sdmode', 'sdplain', 'sdinit', 'sdstop']);
  });

  it('--seccomp-policy image: the profile the image\'s label holds, in place of the default or --security-opt\'s', async () => {
    const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] });
    const dir = buildContext(mkdtempSync(join(tmpdir(), 'tspod-seclabel-')), 'ctx', { Containerfile: `FROM busybox\nLABEL io.containers.seccomp.profile='${profile}'\n` });
    const b = await tspod(['build', '-q', '-t', 'localhost/seclabel', dir]);
    expect(b.exitCode, b.stderr).toBe(0);
    const denied = await run([...none, '--seccomp-policy', 'image', 'localhost/seclabel', 'mkdir', '/x']);
    expect([denied.exitCode, denied.stderr]).toEqual([1, "mkdir: can't create directory '/x': Operation not permitted"]);
    expect((await run([...none, '--seccomp-policy', 'image', '--security-opt', 'seccomp=unconfined', 'localhost/seclabel', 'mkdir', '/x'])).exitCode).toBe(0);
    expect((await run([...none, 'localhost/seclabel', 'mkdir', '/x'])).exitCode).toBe(0); // the default policy
    await tspod(['rmi', '-f', 'localhost/seclabel']);
  });
});
