// `tspod run` as an ordinary user: identity, namespaces, exit codes,
// mounts, options, and that nothing is left behind.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { networkInterfaces, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { containerDirs, containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';

const none = ['--network', 'none'];

afterEach(async () => {
  // Every run must end with no helper, overlay or network process and no mount.
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

function subidStart(file: string): number {
  const me = userInfo().username;
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${me}:`))!;
  return Number(line.split(':')[1]);
}

describe('identity and namespaces', () => {
  it('runs as root of a user namespace mapped to the user and the subuid range', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'id -u; cat /proc/self/uid_map; cat /proc/self/gid_map']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines[0]).toBe('0');
    expect(lines).toContain(`0 ${process.getuid!()} 1`);
    expect(lines).toContain(`1 ${subidStart('/etc/subuid')} 65536`);
    expect(lines).toContain(`0 ${process.getgid!()} 1`);
    expect(lines).toContain(`1 ${subidStart('/etc/subgid')} 65536`);
  });

  it('makes the command PID 1 and hides the host processes', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'ps', '-o', 'pid,args']);
    expect(r.exitCode).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.trim());
    expect(rows).toEqual([expect.stringMatching(/^1\s+ps -o pid,args$/)]);
  });

  it('puts --init at PID 1 with the command below it', async () => {
    const r = await tspod(['run', '--rm', ...none, '--init', 'busybox', 'ps', '-o', 'pid,args']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\s*1\s+.*tspod-init -- ps/m);
    expect(r.stdout).toMatch(/^\s*2\s+ps -o pid,args/m);
  });

  it('sets the hostname: the container id prefix by default, --hostname when given', async () => {
    const named = await tspod(['run', '--rm', ...none, '--hostname', 'box1', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname']);
    expect(named.stdout.split('\n')).toEqual(['box1', 'box1']);
    const dflt = await tspod(['run', '--rm', ...none, 'busybox', 'hostname']);
    expect(dflt.stdout).toMatch(/^[0-9a-f]{12}$/);
  });

  it('keeps only the default capabilities', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'grep', 'CapEff', '/proc/self/status']);
    expect(r.stdout).toMatch(/CapEff:\s+00000000800405fb/);
  });

  it('gives the container only fds 0, 1 and 2', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'ls', '/proc/self/fd']);
    // ls itself opens one fd for the directory it lists.
    expect(r.stdout.split('\n').map(Number).filter((n) => n > 3)).toEqual([]);
  });
});

describe('exit codes', () => {
  it.each([
    [['true'], 0],
    [['sh', '-c', 'exit 3'], 3],
    [['/etc/passwd'], 126],
    [['no-such-command'], 127],
  ])('%j exits %i', async (cmd, code) => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', ...cmd]);
    expect(r.exitCode).toBe(code);
  });

  it('says which command was not found', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'no-such-command']);
    expect(r.stderr).toMatch(/^Error: no-such-command: executable file not found in \$PATH/);
  });

  it('exits 125 with the fix for an unknown image, a bad reference and a bad flag', async () => {
    const unknown = await tspod(['run', '--rm', ...none, 'nosuchimage', 'true']);
    expect(unknown.exitCode).toBe(125);
    expect(unknown.stderr).toMatch(/nosuchimage: image not known locally, and pulling it failed: short-name "nosuchimage" did not resolve/);
    const bad = await tspod(['run', '--rm', ...none, 'Bad:Image:Ref', 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/invalid image reference/);
    const flag = await tspod(['run', '--no-such-flag', 'busybox', 'true']);
    expect(flag.exitCode).toBe(125);
    expect(flag.stderr).toMatch(/unknown flag: --no-such-flag/);
  });

  it('refuses hostile command-line input with exit 125 (or 126 for an argv the kernel refuses)', async () => {
    const empty = await tspod(['run', '--rm', ...none, '-e', '=x', 'busybox', 'true']);
    expect(empty.exitCode).toBe(125);
    expect(empty.stderr).toMatch(/invalid environment variable "=x"/);
    // An environment bigger than the kernel's exec limit: tspod starts, the container's exec cannot.
    const dir = mkdtempSync(join(tmpdir(), 'tspod-bigenv-'));
    writeFileSync(join(dir, 'env'), Array.from({ length: 40 }, (_, i) => `BIG${i}=${'x'.repeat(100_000)}`).join('\n'));
    const huge = await tspod(['run', '--rm', ...none, '--env-file', join(dir, 'env'), 'busybox', 'true']);
    expect(huge.exitCode).toBe(126);
    expect(huge.stderr).toMatch(/argument list too long/);
    const badName = await tspod(['run', '--rm', ...none, '--name', '../evil', 'busybox', 'true']);
    expect(badName.exitCode).toBe(125);
    expect(badName.stderr).toMatch(/invalid container name/);
  });

  it('refuses an image whose /dev is a symlink', async () => {
    const { dockerArchive, rawTar } = await import('./fixtures.js');
    const { inject } = await import('vitest');
    const base = readFileSync(inject('tspodImages').layerTar);
    const archive = dockerArchive('localhost/devlink:latest', [base, rawTar([{ path: 'dev', type: 'SymbolicLink', linkpath: '/etc' }])]);
    expect((await tspod(['load', '-i', archive])).exitCode).toBe(0);
    const r = await tspod(['run', '--rm', ...none, 'devlink', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/\/dev in the image is a symlink/);
    await tspod(['rmi', 'devlink']);
  });

  it('reports a command killed by a signal as 128+signal', async () => {
    // PID 1 cannot be killed from inside its namespace: the command runs under --init.
    const r = await tspod(['run', '--rm', ...none, '--init', 'busybox', 'sh', '-c', 'kill -9 $$']);
    expect(r.exitCode).toBe(137);
  });

  it('passes arguments after the image to the command, flags included', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'echo', '-n', '--rm', 'x']);
    expect(r.stdout).toBe('--rm x');
  });
});

describe('image config and overrides', () => {
  it('uses the image Cmd, and --entrypoint replaces it', async () => {
    const dflt = await tspod(['run', '--rm', ...none, 'busybox'], { input: 'echo from-sh-cmd\n', stdin: undefined });
    // no -i: stdin is not passed, so sh reads EOF at once and prints nothing
    expect(dflt.exitCode).toBe(0);
    expect(dflt.stdout).toBe('');
    const withI = await tspod(['run', '--rm', '-i', ...none, 'busybox'], { input: 'echo from-sh-cmd\n', stdin: undefined });
    expect(withI.stdout).toBe('from-sh-cmd');
    const ep = await tspod(['run', '--rm', ...none, '--entrypoint', 'echo', 'busybox', 'a', 'b']);
    expect(ep.stdout).toBe('a b');
  });

  it('sets environment from the image, -e, KEY from the host and --env-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-env-'));
    writeFileSync(join(dir, 'env'), '# comment\nFROMFILE=yes\nA=file\n');
    const r = await tspod(['run', '--rm', ...none, '--env-file', join(dir, 'env'), '-e', 'A=flag', '-e', 'HOSTVAR', 'busybox', 'sh', '-c', 'echo $FROMFILE $A $HOSTVAR $PATH'], {
      env: { ...process.env, ...(await import('./helpers.js')).testEnv(), HOSTVAR: 'copied' },
    });
    expect(r.stdout).toBe('yes flag copied /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  it('runs as -u USER[:GROUP] with the user\'s groups and home, in -w DIR', async () => {
    const r = await tspod(['run', '--rm', ...none, '-u', 'tester', '-w', '/home/tester', 'busybox', 'sh', '-c', 'id; pwd; echo $HOME; touch f && stat -c %u f']);
    expect(r.stdout.split('\n')).toEqual(['uid=1000(tester) gid=1000(tester) groups=10(wheel)', '/home/tester', '/home/tester', '1000']);
    const g = await tspod(['run', '--rm', ...none, '-u', '1000:10', 'busybox', 'id', '-g']);
    expect(g.stdout).toBe('10');
    const bad = await tspod(['run', '--rm', ...none, '-u', 'nobody-here', 'busybox', 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/unable to find user nobody-here/);
  });

  it('refuses a -w directory that does not exist, as podman 4.3 (the image\'s WORKDIR is made)', async () => {
    const r = await tspod(['run', '--rm', ...none, '-w', '/new/dir', 'busybox', 'pwd']);
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toMatch(/^Error: workdir "\/new\/dir" does not exist on container [0-9a-f]{64}$/);
  });

  it('keeps image ownership mapped: uid 1000 in the image is the matching subuid', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'stat', '-c', '%u:%g', '/home/tester']);
    expect(r.stdout).toBe('1000:1000');
  });
});

describe('mounts', () => {
  it('bind-mounts a host directory read-write; files created are the user\'s on the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
    writeFileSync(join(dir, 'in'), 'from-host\n');
    const r = await tspod(['run', '--rm', ...none, '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'cat /data/in; echo out > /data/out']);
    expect(r.stdout).toBe('from-host');
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('out\n');
    expect(statSync(join(dir, 'out')).uid).toBe(process.getuid!());
  });

  it('bind-mounts read-only with :ro', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
    const r = await tspod(['run', '--rm', ...none, '-v', `${dir}:/data:ro`, 'busybox', 'touch', '/data/x']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('refuses a bad -v spec with exit 125', async () => {
    // (NAME:/data names a volume and /data alone makes an anonymous one: see volumes.test.ts)
    for (const spec of ['bad/name:/data', 'relative', '/tmp:/data:bogus', '/does/not/exist:/data', '/tmp:/data/../etc', '/tmp::/x', ':/data']) {
      const r = await tspod(['run', '--rm', ...none, '-v', spec, 'busybox', 'true']);
      expect(r.exitCode, spec).toBe(125);
      expect(r.stderr, spec).toMatch(/invalid volume/);
    }
  });

  it('--read-only makes / read-only but keeps /tmp, /run and --tmpfs writable', async () => {
    const r = await tspod(['run', '--rm', ...none, '--read-only', '--tmpfs', '/scratch', 'busybox', 'sh', '-c',
      'touch /x 2>/dev/null && echo root-writable; touch /tmp/a /run/b /scratch/c && echo tmp-writable']);
    expect(r.stdout).toBe('tmp-writable');
  });

  it('mounts /proc, /dev with its devices and pts, /dev/shm and a read-only /sys', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c',
      'for d in null zero full random urandom tty; do test -c /dev/$d || echo missing $d; done; test -c /dev/pts/ptmx && test -d /dev/shm && test -d /dev/mqueue && echo dev-ok; ' +
      'echo x > /dev/null && head -c 4 /dev/zero | wc -c; touch /sys/x 2>/dev/null || echo sys-ro; test -r /proc/self/status && echo proc-ok']);
    expect(r.stdout.split('\n')).toEqual(['dev-ok', '4', 'sys-ro', 'proc-ok']);
  });

  it('changes made in a --rm container are gone; the image layer is untouched', async () => {
    await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'rm /bin/ls; echo changed > /etc/passwd']);
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'test -e /bin/ls && head -1 /etc/passwd']);
    expect(r.stdout).toBe('root:x:0:0:root:/root:/bin/sh');
  });
});

describe('network', () => {
  it('--network none gives only lo', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'ls', '/sys/class/net']);
    expect(r.stdout).toBe('lo');
  });

  it('slirp4netns gives tap0 10.0.2.100/24, a default route and DNS at 10.0.2.3', async () => {
    const r = await tspod(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 addr show tap0; ip route; cat /etc/resolv.conf']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/inet 10\.0\.2\.100\/24/);
    expect(r.stdout).toMatch(/default via 10\.0\.2\.2 dev tap0/);
    expect(r.stdout).toMatch(/nameserver 10\.0\.2\.3/);
  });

  it('reaches a server on the host loopback through 10.0.2.2 only when allowed', async () => {
    const server = createServer((_req, res) => res.end('hello-from-host\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const get = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.2.2 ${port}`;
      const allowed = await tspod(['run', '--rm', '--network', 'slirp4netns:allow_host_loopback=true', 'busybox', 'sh', '-c', get]);
      expect(allowed.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(allowed.stdout).toMatch(/hello-from-host$/);
      const denied = await tspod(['run', '--rm', 'busybox', 'sh', '-c', get]);
      expect(denied.stdout).toBe('');
    } finally {
      server.close();
    }
  });

  it("the default environment is podman's: PATH, container, TERM=xterm (without -t too), HOSTNAME; --pull=never names a missing image in podman's words", async () => {
    const env = (await tspod(['run', '--rm', ...none, 'busybox', 'env'])).stdout.split('\n');
    expect(env).toContain('TERM=xterm');
    expect(env.some((l) => l.startsWith('PATH='))).toBe(true);
    expect((await tspod(['run', '--rm', ...none, '--unsetenv=TERM', 'busybox', 'env'])).stdout).not.toContain('TERM');
    const never = await tspod(['run', '--rm', '--pull=never', 'localhost/not-here:1', 'true']);
    expect([never.exitCode, never.stderr]).toEqual([125, 'Error: localhost/not-here:1: image not known']);
  });

  it('--hostname takes what podman takes (an underscore too) and refuses only what the kernel would', async () => {
    const r = await tspod(['run', '--rm', ...none, '--hostname', 'web_1', 'busybox', 'hostname']);
    expect([r.exitCode, r.stdout]).toEqual([0, 'web_1']);
    const long = await tspod(['run', '--rm', ...none, '--hostname', 'h'.repeat(65), 'busybox', 'true']);
    expect(long.exitCode).toBe(126);
    expect(long.stderr).toContain("longer than 64 bytes, the kernel's limit");
    // A pod without --name gets a generated name (adjective_name) as its hostname.
    const pod = await tspod(['pod', 'create']);
    expect(pod.exitCode).toBe(0);
    expect((await tspod(['pod', 'rm', '-f', pod.stdout])).exitCode).toBe(0);
  });

  it('writes /etc/hosts with the hostname and host.containers.internal', async () => {
    const r = await tspod(['run', '--rm', '--hostname', 'web', '--name', 'hosts-test', 'busybox', 'cat', '/etc/hosts']);
    expect(r.stdout).toMatch(/^10\.0\.2\.100\tweb hosts-test$/m);
    // podman 4.3 names the host's own first address so (slirp4netns's gateway only where the host has none)
    const hostIp = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address ?? '10.0.2.2';
    expect(r.stdout.split('\n')).toContain(`${hostIp}\thost.containers.internal`);
  });
});

describe('container records', () => {
  it('--rm leaves no container state; without --rm ps -a lists it until rm', async () => {
    const before = containerDirs().length;
    await tspod(['run', '--rm', ...none, 'busybox', 'true']);
    expect(containerDirs().length).toBe(before);
    const kept = await tspod(['run', ...none, '--name', 'kept', 'busybox', 'sh', '-c', 'exit 4']);
    expect(kept.exitCode).toBe(4);
    const ps = await tspod(['ps', '-a', '--format', '{{.Names}} {{.State}} {{.ExitCode}}']);
    expect(ps.stdout.split('\n')).toContain('kept exited 4');
    const dup = await tspod(['run', ...none, '--name', 'kept', 'busybox', 'true']);
    expect(dup.exitCode).toBe(125);
    expect(dup.stderr).toMatch(/name "kept" is already in use/);
    const rm = await tspod(['rm', 'kept']);
    expect(rm.exitCode).toBe(0);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
    expect(containerDirs().length).toBe(before);
  });
});

describe('native overlay', () => {
  const rootType = ['sh', '-c', 'grep " / " /proc/self/mounts | cut -d" " -f3'];
  it('runs with the kernel overlayfs when mount_program is empty, with fuse-overlayfs when it names it', async () => {
    const r = await tspod(['--storage-opt', 'overlay.mount_program=', 'run', '--rm', ...none, 'busybox', 'sh', '-c', 'grep " / " /proc/self/mounts | cut -d" " -f3; echo hi > /f; cat /f']);
    expect(r.stdout.split('\n')).toEqual(['overlay', 'hi']);
    const fuse = await tspod(['--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs', 'run', '--rm', ...none, 'busybox', ...rootType]);
    expect(fuse.stdout).toBe('fuse.fuse-overlayfs');
  });

  it('is the default where the kernel mounts overlay rootless (this kernel does); info and doctor say so', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', ...rootType]);
    expect(r.stdout).toBe('overlay');
    const info = await tspod(['info', '--format', '{{json .Store.GraphStatus}}']);
    expect(JSON.parse(info.stdout)['Native Overlay Diff']).toBe('true');
    const doctor = await tspod(['doctor']);
    expect(doctor.stdout).toMatch(/storage.*native overlay/);
  });

  it('a container keeps the overlay it was created with', async () => {
    const c = await tspod(['--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs', 'create', ...none, 'busybox', ...rootType]);
    expect(c.exitCode).toBe(0);
    const id = c.stdout.trim();
    const started = await tspod(['start', '-a', id]);
    expect(started.stdout).toBe('fuse.fuse-overlayfs');
    expect((await tspod(['rm', id])).exitCode).toBe(0);
  });

  it('reads mount_program from storage.conf', async () => {
    const { testEnv } = await import('./helpers.js');
    const conf = join(testEnv().XDG_CONFIG_HOME!, 'tspod');
    const { mkdirSync, rmSync } = await import('node:fs');
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(conf, 'storage.conf'), '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = ""\n');
    try {
      const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'grep " / " /proc/self/mounts | cut -d" " -f3']);
      expect(r.stdout).toBe('overlay');
    } finally {
      rmSync(join(conf, 'storage.conf'));
    }
  });
});
