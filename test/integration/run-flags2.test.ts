// issue 12, second part: secrets (`tspod secret ...`, `run --secret`), and the run/create flags
// of the lifecycle and namespaces, as a podman user sees them. Budget: about 60 s.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
