// Confinement seen from inside the container: capabilities, seccomp,
// no_new_privs, masked and read-only paths, fds, terminal injection and the
// binaries tspod runs. The probe image carries a static test program.
import { afterEach, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import { lstatSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerProcesses, testEnv, tspod, tspodBin, userProcesses, waitFor } from './helpers.js';

const none = ['--network', 'none'];

afterEach(async () => {
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 5000)).toBe(true);
});

async function status(args: string[], user: string[] = []): Promise<Record<string, string>> {
  const r = await tspod(['run', '--rm', ...none, ...user, ...args, 'busybox', 'cat', '/proc/self/status']);
  expect(r.exitCode, r.stderr).toBe(0);
  return Object.fromEntries(r.stdout.split('\n').map((l) => l.split(/:\s+/) as [string, string]));
}

async function probe(args: string[], ...what: string[]) {
  return tspod(['run', '--rm', ...none, ...args, 'probe', 'probe', ...what]);
}

describe('container files handled for the user', () => {
  it('cp of a stopped container runs the image\'s tar confined (seccomp, caps, its own root), not on the host', async () => {
    const { dockerArchive, rawTar } = await import('./fixtures.js');
    const { readFileSync } = await import('node:fs');
    const { inject } = await import('vitest');
    const fake = '#!/bin/sh\ngrep -E "^(Seccomp|CapEff):" /proc/self/status >&2\necho "root=$(echo $(ls /))" >&2\nexit 3\n';
    const archive = dockerArchive('localhost/faketar:latest', [readFileSync(inject('tspodImages').layerTar), rawTar([
      { path: 'usr/', type: 'Directory' }, { path: 'usr/bin/', type: 'Directory' }, { path: 'usr/bin/tar', body: fake, mode: 0o755 },
    ])]);
    expect((await tspod(['load', '-q', '-i', archive])).exitCode).toBe(0);
    const id = (await tspod(['create', ...none, 'localhost/faketar', 'true'])).stdout;
    const dir = mkdtempSync(join(tmpdir(), 'tspod-faketar-'));
    const r = await tspod(['cp', `${id}:/etc/passwd`, dir]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/CapEff:\s+00000000800405fb/);
    expect(r.stderr).toMatch(/Seccomp:\s+2/);
    expect(r.stderr).toMatch(/root=.*\bproc\b/);
    expect(r.stderr).not.toMatch(/root=.*\b(work|boot)\b/); // the host's root has them, the image's not
    await tspod(['rm', id]);
    await tspod(['rmi', 'localhost/faketar']);
  });
});

describe('capabilities', () => {
  it('default: podman\'s set in every set but inheritable and ambient', async () => {
    const s = await status([]);
    expect([s.CapEff, s.CapPrm, s.CapBnd, s.CapInh, s.CapAmb]).toEqual(['00000000800405fb', '00000000800405fb', '00000000800405fb', '0000000000000000', '0000000000000000']);
  });
  it('a non-root user gets none effective', async () => {
    const s = await status([], ['-u', 'tester']);
    expect([s.CapEff, s.CapPrm]).toEqual(['0000000000000000', '0000000000000000']);
  });
  it('--cap-drop all --cap-add NET_RAW leaves exactly NET_RAW; --cap-drop removes one', async () => {
    expect((await status(['--cap-drop', 'all', '--cap-add', 'NET_RAW'])).CapEff).toBe('0000000000002000');
    expect((await status(['--cap-drop', 'CAP_CHOWN'])).CapEff).toBe('00000000800405fa');
    expect((await status(['--cap-add', 'sys_admin'])).CapEff).toBe('00000000802405fb');
  });
  it('--privileged: every capability, no seccomp filter, nothing masked', async () => {
    const s = await status(['--privileged']);
    expect(s.CapEff).toBe('000001ffffffffff');
    expect(s.Seccomp).toBe('0');
    const r = await tspod(['run', '--rm', ...none, '--privileged', 'busybox', 'sh', '-c', 'mount | grep -c " /proc/keys " || true']);
    expect(r.stdout).toBe('0');
  });
  it('--privileged: the host\'s devices, each only as open to the container as to the user on the host', async () => {
    // A root-only character device of the host: bound in, but the user cannot open it there either.
    const rootOnly = readdirSync('/dev').map((n) => `/dev/${n}`).find((p) => {
      const st = lstatSync(p);
      return st.isCharacterDevice() && st.uid === 0 && (st.mode & 0o077) === 0 && !/^\/dev\/(tty|console|ptmx)/.test(p);
    });
    expect(rootOnly).toBeDefined();
    const priv = await tspod(['run', '--rm', ...none, '--privileged', 'busybox', 'sh', '-c', `ls /dev; ls -l /dev/net/tun; cat ${rootOnly} </dev/null; echo "cat=$?"`]);
    expect(priv.exitCode, priv.stderr).toBe(0);
    const listed = priv.stdout.split('\n');
    expect(listed).toContain('fuse');
    expect(listed).toContain(rootOnly!.slice(5));
    expect(listed).not.toContain('console');
    expect(listed.some((l) => /^tty\d/.test(l))).toBe(false);
    expect(priv.stdout).toMatch(/^crw-rw-rw- .* 10, +200 .*\/dev\/net\/tun$/m);
    expect(priv.stdout).toContain('cat=1');
    expect(priv.stderr).toContain(`can't open '${rootOnly}': Permission denied`);
    const plain = await tspod(['run', '--rm', ...none, 'busybox', 'ls', '/dev']);
    expect(plain.stdout.split('\n')).not.toContain('fuse');
  });
  it('refuses an unknown capability with exit 125', async () => {
    const r = await tspod(['run', '--rm', ...none, '--cap-add', 'FLY', 'busybox', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/unknown capability "FLY"/);
  });
});

describe('seccomp and no_new_privs', () => {
  it('filters by default; NoNewPrivs as podman (off) unless asked for', async () => {
    const s = await status([]);
    expect([s.Seccomp, s.NoNewPrivs]).toEqual(['2', '0']);
    const n = await status(['--security-opt', 'no-new-privileges']);
    expect([n.Seccomp, n.NoNewPrivs]).toEqual(['2', '1']);
    expect((await status(['--security-opt', 'seccomp=unconfined'])).Seccomp).toBe('0');
  });
  it.each([['keyctl'], ['add_key'], ['bpf'], ['userns']])('blocks %s with EPERM', async (what) => {
    const r = await probe([], what);
    expect(r.stdout).toBe('errno=1');
  });
  it('answers syscalls the profile does not know with ENOSYS, and clone3 too (libc falls back to clone)', async () => {
    expect((await probe([], 'cachestat')).stdout).toBe('errno=38');
    expect((await probe([], 'clone3')).stdout).toBe('errno=38');
    expect((await probe(['--security-opt', 'seccomp=unconfined'], 'cachestat')).stdout).not.toBe('errno=38');
  });
  it('unshare -U inside the container fails; unconfined, the kernel would allow it', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'unshare', '-U', 'true']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect((await probe(['--security-opt', 'seccomp=unconfined'], 'userns')).stdout).toBe('ok');
  });
  it('takes a profile file in the OCI format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-seccomp-'));
    const { readFileSync } = await import('node:fs');
    const { root } = await import('./helpers.js');
    const profile = JSON.parse(readFileSync(join(root, 'lib/runtime/seccomp.json'), 'utf8'));
    profile.syscalls.push({ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 });
    writeFileSync(join(dir, 'p.json'), JSON.stringify(profile));
    const r = await tspod(['run', '--rm', ...none, '--security-opt', `seccomp=${join(dir, 'p.json')}`, 'busybox', 'mkdir', '/x']);
    expect(r.stderr).toMatch(/Permission denied/);
    writeFileSync(join(dir, 'bad.json'), '{');
    const bad = await tspod(['run', '--rm', ...none, '--security-opt', `seccomp=${join(dir, 'bad.json')}`, 'busybox', 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/not a valid profile/);
  });
});

describe('masked and read-only paths', () => {
  it('masks /proc/keys and /proc/timer_list, empties /sys/firmware, and makes /proc/sys read-only', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c',
      'wc -c < /proc/keys; wc -c < /proc/timer_list; ls /sys/firmware | wc -l; echo x > /proc/sys/kernel/domainname || echo sys-ro; echo 1 > /proc/sysrq-trigger || echo sysrq-ro']);
    expect(r.stdout.split('\n').map((l) => l.trim())).toEqual(['0', '0', '0', 'sys-ro', 'sysrq-ro']);
  });
  it('unmask=ALL and mask= change them', async () => {
    const mounted = 'for p in /proc/keys /proc/timer_list /proc/sys; do grep -c " $p " /proc/self/mountinfo; done; wc -c < /etc/hostname';
    const dflt = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', mounted]);
    const lines = dflt.stdout.split('\n').map((l) => l.trim());
    expect(lines.slice(0, 3)).toEqual(['1', '1', '1']);
    expect(Number(lines[3])).toBeGreaterThan(0); // the hostname file, not masked by default
    const r = await tspod(['run', '--rm', ...none, '--security-opt', 'unmask=ALL', '--security-opt', 'mask=/etc/hostname', 'busybox', 'sh', '-c', mounted]);
    expect(r.stdout.split('\n').map((l) => l.trim())).toEqual(['0', '0', '0', '0']);
    const one = await tspod(['run', '--rm', ...none, '--security-opt', 'unmask=/proc/keys', 'busybox', 'sh', '-c', mounted]);
    expect(one.stdout.split('\n').slice(0, 3).map((l) => l.trim())).toEqual(['0', '1', '1']);
  });
});

describe('file descriptors and binaries', () => {
  it('--preserve-fds passes exactly the fds asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-fds-'));
    writeFileSync(join(dir, 'f'), 'through-fd-3\n');
    const { openSync } = await import('node:fs');
    const fd = openSync(join(dir, 'f'), 'r');
    const r = await tspod(['run', '--rm', ...none, '--preserve-fds', '1', 'busybox', 'sh', '-c', 'cat <&3; ls /proc/self/fd | tr "\\n" " "'], {
      stdin: undefined, stdio: ['ignore', 'pipe', 'pipe', fd],
    });
    // 3 is the preserved fd, 4 the directory ls is reading
    expect(r.stdout).toBe('through-fd-3\n0 1 2 3 4 ');
  });
  it('nothing in the container can open the init binary for writing (CVE-2019-5736 class)', async () => {
    const r = await tspod(['run', '--rm', ...none, '--init', 'probe', 'probe', 'exe-write']);
    expect(r.stdout).toMatch(/^errno=(1|13|26)$/);
  });
  it('the container\'s parent (tspod-launch, then tspod-wait) runs from a sealed memfd: its /proc/PID/exe cannot be rewritten, even after it exits (CVE-2019-5736 class)', async () => {
    const { openSync, writeSync, readlinkSync, closeSync } = await import('node:fs');
    await tspod(['run', '-d', ...none, '--name', 'sealed', 'busybox', 'sleep', '100']);
    expect(await waitFor(() => userProcesses(['tspod-wait']).length === 1)).toBe(true);
    const [helper] = userProcesses(['tspod-wait']);
    expect(readlinkSync(`/proc/${helper!.pid}/exe`)).toMatch(/^\/memfd:tspod-wait/);
    // What a container's root (the same uid) would do: hold the file, wait, write.
    const held = openSync(`/proc/${helper!.pid}/exe`, 'r');
    await tspod(['rm', '-f', 'sealed']);
    let error: NodeJS.ErrnoException | undefined;
    try {
      const w = openSync(`/proc/self/fd/${held}`, 'r+');
      writeSync(w, Buffer.from([0x7f]), 0, 1, 0); // the ELF magic byte again: harmless if it ever got through
      closeSync(w);
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    }
    closeSync(held);
    expect(error?.code).toMatch(/^(EPERM|EACCES|ETXTBSY)$/);
  });

  it('no tspod helper or host process is visible inside the pid namespace', async () => {
    const r = await tspod(['run', '--rm', ...none, 'busybox', 'sh', '-c', 'ls -d /proc/[0-9]* | wc -l']);
    // the shell and ls (and its pipe partner): only the container's own processes
    expect(Number(r.stdout)).toBeLessThanOrEqual(3);
  });
});

describe('terminal injection (TIOCSTI)', () => {
  it('a container sharing the user\'s terminal cannot push input into it', async () => {
    // The outer shell reads a line after tspod exits: injected text would land there.
    const term = pty.spawn('/bin/sh', ['-c', `${tspodBin} run --rm -i --network none probe probe tiocsti 'echo INJECTED\n'; echo tspod-done; read line; echo "read:[$line]"`], {
      cols: 80, rows: 24, env: testEnv(),
    });
    let out = '';
    term.onData((d) => (out += d));
    // Typed only once tspod has exited: with -i, what is typed while it runs is the container's input.
    await waitFor(() => /tspod-done/.test(out), 20_000);
    term.write('typed\r');
    await new Promise<void>((resolve) => term.onExit(() => resolve()));
    expect(out).toMatch(/errno=(1|5|25)/); // 25: stdin is a pipe tspod-launch relays, not the terminal
    expect(out).toMatch(/read:\[typed\]/);
  });
});
