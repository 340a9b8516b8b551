// issue 12, second part: secrets (`tspod secret ...`, `run --secret`), and the run/create flags
// of the lifecycle and namespaces, pod create's container flags, cgroup v2 limits on a fake tree,
// health checks, as a podman user sees them. Budget: about 70 s.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { tspod, waitFor } from './helpers.js';

const none = ['--network', 'none'];
const run = (args: string[]) => tspod(['run', '--rm', ...none, ...args]);
const tmp = mkdtempSync(join(tmpdir(), 'tspod-flags2-'));
const secretFile = join(tmp, 'pw');
writeFileSync(secretFile, 'hunter2');

afterAll(async () => {
  await tspod(['rm', '-a', '-f']);
  await tspod(['secret', 'rm', '-a']);
  await tspod(['rmi', '-f', 'localhost/flags2-commit']);
});

describe('tspod secret', () => {
  it('create (file, stdin, --env), ls, inspect, rm as podman, kept mode 0600 in the store', async () => {
    const c = await tspod(['secret', 'create', '--label', 'a=b', 'pw', secretFile]);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^[0-9a-f]{25}$/);
    const fromStdin = await tspod(['secret', 'create', 'piped', '-'], { input: 'abc\n', stdin: undefined });
    expect(fromStdin.exitCode, fromStdin.stderr).toBe(0);
    const fromEnv = await tspod(['secret', 'create', '--env', 'envd', 'FLAGS2_VAR'], { env: { ...process.env, ...inject('tspodEnv'), FLAGS2_VAR: 'v' } });
    expect(fromEnv.exitCode, fromEnv.stderr).toBe(0);

    const dir = join(inject('tspodEnv').XDG_DATA_HOME!, 'tspod', 'secrets');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [join(dir, 'secrets.json'), ...readdirSync(join(dir, 'filedriver')).map((n) => join(dir, 'filedriver', n))]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }

    const again = await tspod(['secret', 'create', 'pw', secretFile]);
    expect([again.exitCode, again.stderr]).toEqual([125, 'Error: pw: secret name in use']);
    const badName = await tspod(['secret', 'create', 'b/ad', secretFile]);
    expect(badName.stderr).toBe('Error: only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: b/ad: invalid secret name');
    const empty = join(tmp, 'empty');
    writeFileSync(empty, '');
    expect((await tspod(['secret', 'create', 'e', empty])).stderr).toBe('Error: secret data must be larger than 0 and less than 512000 bytes');

    const ls = await tspod(['secret', 'ls']);
    expect(ls.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+DRIVER\s+CREATED\s+UPDATED$/);
    expect(ls.stdout).toMatch(new RegExp(`${c.stdout}\\s+pw\\s+file\\s+(Less than a second|\\d+ seconds?) ago`));
    expect((await tspod(['secret', 'ls', '-q'])).stdout.split('\n')).toContain(c.stdout);
    expect((await tspod(['secret', 'ls', '--filter', 'name=pip', '--format', '{{.Name}} {{.Driver}}'])).stdout).toBe('piped file');
    expect((await tspod(['secret', 'ls', '--noheading', '--format', 'table {{.Name}}'])).stdout.split('\n').sort()).toEqual(['envd', 'piped', 'pw']);
    expect((await tspod(['secret', 'ls', '--filter', 'bogus=1'])).stderr).toBe('Error: invalid filter "bogus"');

    const ins = await tspod(['secret', 'inspect', 'pw']);
    const [rep] = JSON.parse(ins.stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(rep!)).toEqual(['ID', 'CreatedAt', 'UpdatedAt', 'Spec']);
    expect(rep!.Spec).toEqual({ Name: 'pw', Driver: { Name: 'file', Options: { path: join(dir, 'filedriver') } }, Labels: { a: 'b' } });
    expect((await tspod(['secret', 'inspect', '--format', '{{.Spec.Name}}={{.ID}}', 'pw'])).stdout).toBe(`pw=${c.stdout}`);
    expect((await tspod(['secret', 'inspect', '--pretty', 'pw'])).stdout).toMatch(/^ID:\s+\w{25}\nName:\s+pw\nLabels:\n - a=b\nDriver:\s+file\nCreated at:/);
    const missing = await tspod(['secret', 'inspect', 'nope']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: inspecting secret: no secret with name or id "nope": no such secret']);

    const rm = await tspod(['secret', 'rm', 'piped', 'nope']);
    expect(rm.exitCode).toBe(125);
    expect(rm.stdout).toMatch(/^[0-9a-f]{25}$/);
    expect(rm.stderr).toBe('Error: no secret with name or id "nope": no such secret');
    expect((await tspod(['secret', 'rm'])).stderr).toBe('Error: `tspod secret rm` requires one argument, or the --all flag');
    await tspod(['secret', 'rm', 'envd']);
  });

  it('run --secret: a file at /run/secrets/NAME or a variable, uid/gid/mode, refused when missing', async () => {
    const r = await run(['--secret', 'pw', '--secret', 'source=pw,type=env,target=PW', '--secret', 'pw,target=/etc/pw,uid=5,gid=6,mode=0400', 'busybox', 'sh', '-c',
      'cat /run/secrets/pw; echo; echo $PW; ls -ln /etc/pw /run/secrets/pw | cut -c1-10,11-60 | tr -s " " | cut -d" " -f1,3,4; touch /run/secrets/x 2>/dev/null || echo ro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['hunter2', 'hunter2', '-r-------- 5 6', '-r--r--r-- 0 0', 'ro']);
    const missing = await run(['--secret', 'nope', 'busybox', 'true']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: no secret with name or id "nope": no such secret']);
    const badType = await run(['--secret', 'pw,type=bogus', 'busybox', 'true']);
    expect(badType.stderr).toBe('Error: type bogus is invalid: parsing secret');
    const envMode = await run(['--secret', 'pw,type=env,uid=1', 'busybox', 'true']);
    expect(envMode.stderr).toBe('Error: UID, GID, Mode options cannot be set with secret type env: parsing secret');
  });

  it('is never part of diff, commit or export; inspect names it, its Env does not hold it', async () => {
    const c = await tspod(['run', ...none, '--name', 'sec1', '--secret', 'pw', '--secret', 'pw,type=env,target=PW', 'busybox', 'sh', '-c', 'echo hi > /f']);
    expect(c.exitCode, c.stderr).toBe(0);
    // podman shows the same two lines (tspod's /etc mount points change /etc)
    expect((await tspod(['diff', 'sec1'])).stdout).toBe('C /etc\nA /f');
    const ins = JSON.parse((await tspod(['inspect', 'sec1'])).stdout) as Array<{ Config: { Env: string[]; Secrets: Array<{ Name: string; Mode: number }> } }>;
    expect(ins[0]!.Config.Secrets.map((s) => [s.Name, s.Mode])).toEqual([['pw', 0o444], ['pw', 0o444]]);
    expect(ins[0]!.Config.Env.join('\n')).not.toContain('hunter2');
    const tarFile = join(tmp, 'export.tar');
    expect((await tspod(['export', '-o', tarFile, 'sec1'])).exitCode).toBe(0);
    const names = execFileSync('tar', ['tf', tarFile], { encoding: 'utf8' });
    expect(names).not.toMatch(/run\/secrets\/pw/);
    expect(execFileSync('tar', ['xOf', tarFile], { encoding: 'latin1', maxBuffer: 1 << 28 })).not.toContain('hunter2');
    const commit = await tspod(['commit', '-q', 'sec1', 'localhost/flags2-commit']);
    expect(commit.exitCode, commit.stderr).toBe(0);
    const fromImage = await run(['localhost/flags2-commit', 'sh', '-c', 'cat /f; ls -A /run/secrets 2>&1; echo "[$PW]"']);
    expect(fromImage.stdout).toBe('hi\nls: /run/secrets: No such file or directory\n[]');
  });
});

describe('namespaces and sysctls', () => {
  it('--pid host sees the user\'s processes; --ipc/--uts host, --cgroupns private', async () => {
    const self = execFileSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }).trim();
    const r = await run(['--pid', 'host', 'busybox', 'sh', '-c', `readlink /proc/self/ns/pid; test -d /proc/${process.pid} && echo sees-test-runner`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${self}\nsees-test-runner`);
    const own = await run(['busybox', 'sh', '-c', `readlink /proc/self/ns/pid; test -d /proc/${process.pid} || echo hidden`]);
    expect(own.stdout).not.toContain(self);
    expect(own.stdout).toContain('hidden');
    const ipc = execFileSync('readlink', ['/proc/self/ns/ipc'], { encoding: 'utf8' }).trim();
    const cg = execFileSync('readlink', ['/proc/self/ns/cgroup'], { encoding: 'utf8' }).trim();
    const h = await run(['--ipc', 'host', '--uts', 'host', '--cgroupns', 'private', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/ipc; hostname; readlink /proc/self/ns/cgroup']);
    expect(h.exitCode, h.stderr).toBe(0);
    const [i, host, c] = h.stdout.split('\n');
    expect([i, host]).toEqual([ipc, execFileSync('hostname', { encoding: 'utf8' }).trim()]);
    expect(c).not.toBe(cg);
    // container:ID: another container's pid, ipc and uts namespaces (its user namespace entered)
    const a = await tspod(['run', '-d', ...none, '--name', 'ns-a', '--hostname', 'ns-a-host', 'busybox', 'sleep', '600']);
    expect(a.exitCode, a.stderr).toBe(0);
    const theirs = (await tspod(['exec', 'ns-a', 'readlink', '/proc/self/ns/ipc'])).stdout;
    const j = await run(['--pid', 'container:ns-a', '--ipc', 'container:ns-a', '--uts', 'container:ns-a', 'busybox', 'sh', '-c', 'ps -o comm | grep -c "^sleep"; readlink /proc/self/ns/ipc; hostname']);
    expect([j.exitCode, j.stdout], j.stderr).toEqual([0, `1\n${theirs}\nns-a-host`]);
    const missing = await run(['--pid', 'container:nope', 'busybox', 'true']);
    expect(missing.stderr).toBe('Error: looking up container to share pid namespace with: no container with name or ID "nope" found: no such container');
    await tspod(['rm', '-f', '-t', '0', 'ns-a']);
    const bad = await run(['--pid', 'bogus', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: unrecognized namespace mode bogus passed']);
  });

  it('--sysctl writes namespaced keys; refuses others with podman\'s words', async () => {
    const r = await run(['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=1000', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmax']);
    expect([r.exitCode, r.stdout], r.stderr).toEqual([0, '1\n1000']);
    expect((await run(['--sysctl', 'foo.bar=1', 'busybox', 'true'])).stderr).toBe("Error: sysctl 'foo.bar' is not allowed");
    expect((await tspod(['run', '--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'true'])).stderr)
      .toBe("Error: sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid argument");
    expect((await run(['--sysctl', 'net.ipv4.ip_forward', 'busybox', 'true'])).stderr).toBe('Error: net.ipv4.ip_forward is invalid, sysctl values must be in the form of KEY=VALUE');
  });
});

describe('devices, environment, dependencies', () => {
  it('--device binds a node the user can open; refuses a missing one as podman', async () => {
    const r = await run(['--device', '/dev/null:/dev/mynull:rw', '--device-cgroup-rule', 'c 1:3 rwm', 'busybox', 'sh', '-c', 'ls -l /dev/mynull | cut -c1; echo x > /dev/mynull && echo wrote']);
    expect([r.exitCode, r.stdout], r.stderr).toEqual([0, 'c\nwrote']);
    const missing = await run(['--device', '/dev/nope', 'busybox', 'true']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: stat /dev/nope: no such file or directory']);
    expect((await run(['--device-cgroup-rule', 'bogus', 'busybox', 'true'])).stderr).toBe('Error: invalid device cgroup rule requires type, major:Minor, and access rules: "bogus"');
  });

  it('--env-merge, --http-proxy (default on), --chrootdirs, --disable-content-trust', async () => {
    const env = { ...process.env, ...inject('tspodEnv'), http_proxy: 'http://proxy.example:3128', NO_PROXY: 'local' };
    const r = await tspod(['run', '--rm', ...none, '--disable-content-trust', '--env-merge', 'PATH=/x:${PATH}', '--chrootdirs', '/jail', 'busybox', 'sh', '-c',
      'echo $PATH; echo $http_proxy $NO_PROXY; cat /jail/etc/hostname | wc -l'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('/x:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nhttp://proxy.example:3128 local\n1');
    const off = await tspod(['run', '--rm', ...none, '--http-proxy=false', 'busybox', 'sh', '-c', 'echo "[$http_proxy]"'], { env });
    expect(off.stdout).toBe('[]');
  });

  it('--requires starts the required container first; refuses an unknown one', async () => {
    expect((await tspod(['create', ...none, '--name', 'req-db', 'busybox', 'sleep', '60'])).exitCode).toBe(0);
    const app = await tspod(['run', '--rm', ...none, '--requires', 'req-db', 'busybox', 'true']);
    expect(app.exitCode, app.stderr).toBe(0);
    expect((await tspod(['inspect', '--format', '{{.State.Status}}', 'req-db'])).stdout).toBe('running');
    // --detach-keys on exec and run: checked as attach checks them
    expect((await tspod(['exec', '--detach-keys', 'ctrl-x,y', 'req-db', 'true'])).exitCode).toBe(0);
    expect((await tspod(['exec', '--detach-keys', 'ctrl-1', 'req-db', 'true'])).stderr).toBe('Error: invalid detach key "ctrl-1" (a letter, or ctrl-LETTER; e.g. ctrl-p,ctrl-q)');
    expect((await run(['--detach-keys', 'ctrl-1', 'busybox', 'true'])).stderr).toBe('Error: invalid detach key "ctrl-1" (a letter, or ctrl-LETTER; e.g. ctrl-p,ctrl-q)');
    const bad = await run(['--requires', 'nope', 'busybox', 'true']);
    expect(bad.stderr).toBe('Error: "nope" is not a valid container, cannot be used as a dependency: no container with name or ID "nope" found: no such container');
    await tspod(['rm', '-f', '-t', '0', 'req-db']);
  });
});

describe('lifecycle flags', () => {
  it('--stop-timeout: stop without -t uses the container\'s own time; inspect shows it', async () => {
    // On SIGTERM the container needs 3 s to exit cleanly (status 0): its --stop-timeout of 1 s
    // ends it with SIGKILL (137) first, where stop's default of 10 s would have let it finish.
    const c = await tspod(['run', '-d', ...none, '--stop-timeout', '1', 'busybox', 'sh', '-c', 'trap "sleep 3; exit 0" TERM; echo ready; sleep 600 & wait']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', c.stdout])).stdout.includes('ready'))).toBe(true);
    expect((await tspod(['inspect', '--format', '{{.Config.StopTimeout}}', c.stdout])).stdout).toBe('1');
    expect((await tspod(['stop', c.stdout])).exitCode).toBe(0);
    expect((await tspod(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', c.stdout])).stdout).toBe('exited 137');
  });

  it('--sig-proxy (default true) passes tspod\'s signals to the container; false keeps them from it', async () => {
    const script = 'trap "echo got; exit 7" USR2; echo ready; sleep 600 & wait';
    const on = tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', script]);
    await new Promise((res) => on.stdout!.once('data', res));
    on.kill('SIGUSR2');
    const r = await on;
    expect([r.exitCode, r.stdout]).toEqual([7, 'ready\ngot']);
    const off = tspod(['run', '--rm', ...none, '--sig-proxy=false', '--name', 'noproxy', 'busybox', 'sh', '-c', script]);
    await new Promise((res) => off.stdout!.once('data', res));
    off.kill('SIGUSR2');
    const r2 = await off;
    // tspod itself ends on the signal (as podman does); the container never saw it
    expect(r2.stdout).toBe('ready');
    await tspod(['rm', '-f', '-t', '0', 'noproxy']);
  });

  it('run -d --timeout: the monitor kills the container, status 255; run -d --rmi removes container and image', async () => {
    const t = await tspod(['run', '-d', ...none, '--timeout', '1', 'busybox', 'sleep', '600']);
    expect(t.exitCode, t.stderr).toBe(0);
    const w = await tspod(['wait', t.stdout]);
    expect(w.stdout).toBe('255');
    expect((await tspod(['tag', 'busybox', 'localhost/flags2-rmi'])).exitCode).toBe(0);
    const r = await tspod(['run', '-d', ...none, '--name', 'rmi-d', '--rmi', 'localhost/flags2-rmi', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['image', 'exists', 'localhost/flags2-rmi'])).exitCode === 1)).toBe(true);
    expect((await tspod(['container', 'exists', 'rmi-d'])).exitCode).toBe(1);
    expect((await tspod(['image', 'exists', 'busybox'])).exitCode).toBe(0);
  });
});

describe('/etc/passwd', () => {
  it('-u UID gets podman\'s entry; --passwd-entry, --passwd=false, --hostuser', async () => {
    const r = await run(['-u', '1234', 'busybox', 'sh', '-c', 'tail -1 /etc/passwd; id -un']);
    expect([r.exitCode, r.stdout], r.stderr).toEqual([0, '1234:*:1234:0:container user:/:/bin/sh\n1234']);
    const e = await run(['-u', '1234', '--passwd-entry', '$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false', 'busybox', 'tail', '-1', '/etc/passwd']);
    expect(e.stdout).toBe('1234:x:1234:0:container user:/:/bin/false');
    const off = await run(['-u', '1234', '--passwd=false', 'busybox', 'grep', '-c', '^1234:', '/etc/passwd']);
    expect(off.stdout).toBe('0');
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    const h = await run(['--hostuser', me, 'busybox', 'tail', '-1', '/etc/passwd']);
    expect(h.stdout).toMatch(new RegExp(`^${me}:\\*:${process.getuid!()}:${process.getgid!()}:[^:]*:/:/bin/sh$`));
    const bad = await run(['--hostuser', 'no-such-user-x', 'busybox', 'true']);
    expect(bad.exitCode).toBe(126);
    expect(bad.stderr).toMatch(/^Error: creating temporary passwd file for container [0-9a-f]{64}: user: unknown user no-such-user-x$/);
  });
});

describe('--rootfs', () => {
  it('runs a directory as the root (changes land in it); DIR:O keeps it unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-rootfs-'));
    const exported = join(tmp, 'bb.tar');
    const c = await tspod(['create', ...none, '--name', 'rootfs-src', 'busybox', 'true']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect((await tspod(['export', '-o', exported, 'rootfs-src'])).exitCode).toBe(0);
    execFileSync('tar', ['xf', exported, '-C', dir, '--no-same-owner', '--exclude=./dev/*', '--exclude=dev/*']);
    const r = await run(['--rootfs', dir, 'sh', '-c', 'echo made > /made; cat /made']);
    expect([r.exitCode, r.stdout], r.stderr).toEqual([0, 'made']);
    expect(readFileSync(join(dir, 'made'), 'utf8')).toBe('made\n');
    const o = await run(['--rootfs', `${dir}:O`, 'sh', '-c', 'echo x > /overlay-only; cat /made']);
    expect([o.exitCode, o.stdout], o.stderr).toEqual([0, 'made']);
    expect(existsSync(join(dir, 'overlay-only'))).toBe(false);
    const missing = await run(['--rootfs', join(tmp, 'nope'), 'true']);
    expect(missing.stderr).toMatch(/^Error: stat .*nope: no such file or directory/);
    await tspod(['rm', 'rootfs-src']);
  });
});

describe('resource limits under cgroup v2 delegation (a fake tree standing in for /sys/fs/cgroup)', () => {
  it('a cgroup per container with the limits written, the container moved in, removed at cleanup; info says so', async () => {
    const fake = mkdtempSync(join(tmpdir(), 'tspod-fakecg-'));
    const own = join(fake, 'user.slice', 'me');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(own, 'cgroup.subtree_control'), '');
    const procFile = join(fake, 'proc-self-cgroup');
    writeFileSync(procFile, '0::/user.slice/me\n');
    const env = { ...process.env, ...inject('tspodEnv'), TSPOD_CGROUP_ROOT: fake, TSPOD_PROC_SELF_CGROUP: procFile };
    const r = await tspod(['run', '-d', ...none, '--memory', '64m', '--memory-reservation', '32m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '100',
      '--cpuset-cpus', '0', '--blkio-weight', '500', '--cgroup-conf', 'memory.high=50000000', 'busybox', 'sleep', '600'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const cg = join(own, `tspod-${r.stdout}`);
    const read = (f: string) => readFileSync(join(cg, f), 'utf8');
    expect(Object.fromEntries(['memory.max', 'memory.low', 'memory.swap.max', 'memory.high', 'cpu.max', 'cpu.weight', 'pids.max', 'cpuset.cpus', 'io.weight', 'cgroup.procs'].map((f) => [f, read(f)]))).toEqual({
      'memory.max': '67108864', 'memory.low': '33554432', 'memory.swap.max': '67108864', 'memory.high': '50000000', 'cpu.max': '50000 100000',
      'cpu.weight': '20', 'pids.max': '100', 'cpuset.cpus': '0', 'io.weight': 'default 4950',
      // tspod-launch's container process wrote "0" (itself) before exec
      'cgroup.procs': '0',
    });
    expect(readFileSync(join(own, 'cgroup.subtree_control'), 'utf8').split(' ').sort()).toEqual(['+cpu', '+cpuset', '+io', '+memory', '+pids']);
    const info = await tspod(['info', '--format', '{{.Host.CgroupControllers}}'], { env });
    expect(info.stdout).toBe('[cpuset cpu io memory pids]');
    expect((await tspod(['rm', '-f', '-t', '0', r.stdout], { env })).exitCode).toBe(0);
    expect(await waitFor(() => !existsSync(cg))).toBe(true);
    // without delegation (this host): podman's warning, nothing written
    const v1 = await run(['--memory', '64m', 'busybox', 'true']);
    expect(v1.stderr).toBe('Resource limits are not supported and ignored on cgroups V1 rootless systems');
  });
});

describe('pod create: the container flags podman applies to the pod\'s containers', () => {
  it('--add-host, --dns, -v, --sysctl, --uts host, --infra-name, --label-file reach the infra and the members', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-podvol-'));
    writeFileSync(join(dir, 'f'), 'pv\n');
    execFileSync('chmod', ['755', dir]);
    const labels = join(tmp, 'pod-labels');
    writeFileSync(labels, 'team=blue\n# comment\n');
    const p = await tspod(['pod', 'create', '--name', 'flagpod', '--infra-name', 'flagpod-infra', '--add-host', 'db:192.0.2.9', '--dns', '9.9.9.9', '-v', `${dir}:/pv`,
      '--sysctl', 'net.ipv4.ip_forward=1', '--uts', 'host', '--label-file', labels, '--share-parent=false', '--memory', '64m']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stderr).toBe('Resource limits are not supported and ignored on cgroups V1 rootless systems');
    const r = await tspod(['run', '--rm', '--pod', 'flagpod', 'busybox', 'sh', '-c', 'grep db /etc/hosts; grep nameserver /etc/resolv.conf; cat /pv/f; cat /proc/sys/net/ipv4/ip_forward; hostname']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`192.0.2.9\tdb\nnameserver 9.9.9.9\npv\n1\n${execFileSync('hostname', { encoding: 'utf8' }).trim()}`);
    expect((await tspod(['container', 'exists', 'flagpod-infra'])).exitCode).toBe(0);
    const ins = JSON.parse((await tspod(['pod', 'inspect', 'flagpod'])).stdout) as { Labels: Record<string, string> } | Array<{ Labels: Record<string, string> }>;
    expect((Array.isArray(ins) ? ins[0]! : ins).Labels.team).toBe('blue');
    expect((await tspod(['pod', 'rm', '-f', 'flagpod'])).exitCode).toBe(0);
  });
});

describe('health checks', () => {
  it('healthcheck run: unhealthy (exit 1) then healthy; inspect\'s Config.Healthcheck and State.Health; ps (healthy)', async () => {
    const c = await tspod(['run', '-d', ...none, '--name', 'hc1', '--health-cmd', 'test -e /ok', '--health-retries', '2', 'busybox', 'sleep', '600']);
    expect(c.exitCode, c.stderr).toBe(0);
    const ins = JSON.parse((await tspod(['inspect', 'hc1'])).stdout) as Array<{ Config: { Healthcheck: unknown }; State: { Health: { Status: string } } }>;
    expect(ins[0]!.Config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'test -e /ok'], Interval: 30000000000, Timeout: 30000000000, Retries: 2 });
    expect(ins[0]!.State.Health.Status).toBe('starting');
    const bad = await tspod(['healthcheck', 'run', 'hc1']);
    expect([bad.exitCode, bad.stdout]).toEqual([1, 'unhealthy']);
    expect((await tspod(['ps', '--format', '{{.Status}}', '--filter', 'name=hc1'])).stdout).toMatch(/^Up .* \(starting\)$/);
    await tspod(['healthcheck', 'run', 'hc1']);
    expect((await tspod(['ps', '--format', '{{.Status}}', '--filter', 'health=unhealthy'])).stdout).toMatch(/^Up .* \(unhealthy\)$/);
    expect((await tspod(['exec', 'hc1', 'touch', '/ok'])).exitCode).toBe(0);
    const good = await tspod(['healthcheck', 'run', 'hc1']);
    expect([good.exitCode, good.stdout]).toEqual([0, '']);
    expect((await tspod(['ps', '--format', '{{.Status}}', '--filter', 'name=hc1'])).stdout).toMatch(/^Up .* \(healthy\)$/);
    const health = JSON.parse((await tspod(['inspect', '--format', '{{json .State.Health}}', 'hc1'])).stdout) as { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number }> };
    expect([health.Status, health.FailingStreak, health.Log.map((l) => l.ExitCode)]).toEqual(['healthy', 0, [1, 1, 0]]);
  });

  it('podman\'s refusals; --health-on-failure kill', async () => {
    const none2 = await tspod(['run', '-d', ...none, '--name', 'hc2', 'busybox', 'sleep', '600']);
    const no = await tspod(['healthcheck', 'run', 'hc2']);
    expect([no.exitCode, no.stderr]).toEqual([125, `Error: container ${none2.stdout} has no defined healthcheck`]);
    expect((await tspod(['healthcheck', 'run', 'nope'])).stderr).toBe('Error: unable to look up nope to perform a health check: no container with name or ID "nope" found: no such container');
    expect((await run(['--health-cmd', 'true', '--no-healthcheck', 'busybox', 'true'])).stderr).toBe('Error: cannot specify both --no-healthcheck and --health-cmd');
    expect((await run(['--health-cmd', 'true', '--health-interval', 'bogus', 'busybox', 'true'])).stderr).toBe('Error: invalid healthcheck-interval: time: invalid duration "bogus"');
    expect((await run(['--health-cmd', 'true', '--health-on-failure', 'bogus', 'busybox', 'true'])).stderr).toBe('Error: invalid on-failure action "bogus" for health check: supported actions are none,kill,restart,stop');
    const k = await tspod(['run', '-d', ...none, '--name', 'hc3', '--health-cmd', 'false', '--health-retries', '1', '--health-on-failure', 'kill', 'busybox', 'sleep', '600']);
    expect(k.exitCode, k.stderr).toBe(0);
    expect((await tspod(['healthcheck', 'run', 'hc3'])).exitCode).toBe(1);
    expect(await waitFor(async () => (await tspod(['inspect', '--format', '{{.State.Status}}', 'hc3'])).stdout === 'exited')).toBe(true);
    await tspod(['rm', '-f', '-t', '0', 'hc1', 'hc2', 'hc3']);
  });
});

describe('create --init-ctr', () => {
  it('init containers run to completion first at pod start; once ones are removed after', async () => {
    expect((await tspod(['create', '--init-ctr', 'always', 'busybox', 'true'])).stderr).toBe('Error: must specify pod value with init-ctr');
    expect((await tspod(['pod', 'create', '--name', 'initpod'])).exitCode).toBe(0);
    expect((await tspod(['create', '--init-ctr', 'bogus', '--pod', 'initpod', 'busybox', 'true'])).stderr).toBe("Error: init-ctr value must be 'always' or 'once'");
    const vol = mkdtempSync(join(tmpdir(), 'tspod-initctr-'));
    execFileSync('chmod', ['777', vol]);
    expect((await tspod(['create', '--name', 'ic-once', '--init-ctr', 'once', '--pod', 'initpod', '-v', `${vol}:/v`, 'busybox', 'sh', '-c', 'echo init > /v/order'])).exitCode).toBe(0);
    expect((await tspod(['create', '--name', 'ic-main', '--pod', 'initpod', '-v', `${vol}:/v`, 'busybox', 'sh', '-c', 'echo main >> /v/order; sleep 600'])).exitCode).toBe(0);
    const s = await tspod(['pod', 'start', 'initpod']);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(await waitFor(() => existsSync(join(vol, 'order')) && readFileSync(join(vol, 'order'), 'utf8') === 'init\nmain\n')).toBe(true);
    expect((await tspod(['container', 'exists', 'ic-once'])).exitCode).toBe(1);
    expect((await tspod(['pod', 'rm', '-f', 'initpod'])).exitCode).toBe(0);
  });
});

