// --tmpfs options, the container paths tspod keeps for itself, malformed image
// commands, the platform warning and seccomp's kernel version check.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTmpfs } from '../../lib/runtime/mounts.js';
import { containerCommand, parseVolume } from '../../lib/engine/run.js';
import { platformMismatch } from '../../lib/image/resolve.js';
import { kernelAtLeast } from '../../lib/runtime/seccomp.js';
import { planLines } from '../../lib/runtime/launch.js';
import type { ImageConfig } from '../../lib/storage/images.js';

describe('--tmpfs', () => {
  it('a destination alone: rw, nosuid, nodev, mode 1777', () => {
    expect(parseTmpfs('/x')).toEqual({ destination: '/x', flags: 2 | 4, data: 'mode=1777', readonly: false });
  });
  it('podman\'s options become mount flags and tmpfs data', () => {
    expect(parseTmpfs('/x/:size=64m,mode=700,uid=5,gid=6,nr_inodes=1k,noexec,ro,dev')).toEqual({
      destination: '/x', flags: 1 | 2 | 8, data: 'mode=700,size=64m,uid=5,gid=6,nr_inodes=1k', readonly: true,
    });
    expect(parseTmpfs('/x:exec,suid,rw,tmpcopyup,notmpcopyup,size=10%').flags).toBe(4);
  });
  it('refuses unknown options with podman\'s words, and bad values by name', () => {
    expect(() => parseTmpfs('/x:size=abc,bogus=1')).toThrow('unknown mount option "bogus=1": invalid mount option');
    expect(() => parseTmpfs('/x:z')).toThrow('unknown mount option "z": invalid mount option');
    expect(() => parseTmpfs('/x:ro=1')).toThrow('unknown mount option "ro=1"');
    expect(() => parseTmpfs('/x:size=abc')).toThrow('invalid tmpfs option "size=abc"');
    expect(() => parseTmpfs('/x:mode=999')).toThrow('invalid tmpfs option "mode=999"');
    expect(() => parseTmpfs('/x:uid=-1')).toThrow('invalid tmpfs option "uid=-1"');
    expect(() => parseTmpfs('x')).toThrow('invalid container path "x", must be an absolute path');
    expect(() => parseTmpfs('/a/../b')).toThrow('must not contain ".."');
  });
  it('the options reach the helper as flags and data; a bare destination keeps its one-field line', () => {
    const base = { lowerDirs: [], upperDir: 'u', workDir: 'w', mergedDir: 'm', network: 'none' as const, slirpArgs: [], hostname: 'h', user: '0', cwd: '/', env: [], argv: ['sh'], binds: [], readOnly: false, tty: false, init: false, security: [], preserveFds: 0 };
    const lines = planLines({ ...base, tmpfs: [parseTmpfs('/x:size=1m,noexec'), '/run'] }).filter((l) => l[0] === 'tmpfs');
    expect(lines).toEqual([['tmpfs', '/x', '14', 'mode=1777,size=1m'], ['tmpfs', '/run']]);
  });
});

describe('mounts over tspod\'s own /proc, /sys and /dev/pts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-mounts-'));
  it.each(['/proc', '/proc/', '/proc/sys', '/sys', '/sys/', '/dev/pts', '/./proc'])('-v DIR:%s and --tmpfs %s are refused', (dest) => {
    expect(() => parseVolume(`${dir}:${dest}`)).toThrow(/cannot mount over \/(proc|sys|dev\/pts)\b.*mount at another path/);
    expect(() => parseTmpfs(dest)).toThrow(/cannot mount over/);
  });
  it('other paths, /sys below its top and /dev are allowed', () => {
    expect(parseVolume(`${dir}:/sys/fs/cgroup`).destination).toBe('/sys/fs/cgroup');
    expect(parseVolume(`${dir}:/procfoo`).destination).toBe('/procfoo');
    expect(parseTmpfs('/dev/shm').destination).toBe('/dev/shm');
  });
});

describe('an image\'s Entrypoint and Cmd', () => {
  const cfg = (c: unknown) => c as ImageConfig['config'];
  it('a list of strings, a bare string (Docker\'s short form), null', () => {
    expect(containerCommand(cfg({ Entrypoint: '/ep', Cmd: null }), [])).toEqual(['/ep']);
    expect(containerCommand(cfg({ Entrypoint: null, Cmd: ['a', 'b'] }), [])).toEqual(['a', 'b']);
  });
  it('an object or a list with a non-string is refused by name, unless overridden', () => {
    expect(() => containerCommand(cfg({ Entrypoint: { a: 1 } }), [])).toThrow("the image's Entrypoint is a JSON object, not a list of strings");
    expect(() => containerCommand(cfg({ Cmd: ['a', 1] }), [])).toThrow("the image's Cmd is a list that holds a non-string");
    expect(() => containerCommand(cfg({ Entrypoint: 5 }), [])).toThrow("the image's Entrypoint is a JSON number");
    expect(containerCommand(cfg({ Entrypoint: { a: 1 }, Cmd: ['x'] }), ['y'], '/bin/sh')).toEqual(['/bin/sh', 'y']);
    expect(containerCommand(cfg({ Cmd: { a: 1 } }), ['y'])).toEqual(['y']);
  });
});

describe('platform warning', () => {
  const amd64 = { os: 'linux', architecture: 'amd64' };
  it('names both platforms as podman does', () => {
    expect(platformMismatch({ os: 'linux', architecture: 's390x' }, amd64)).toBe('image platform (linux/s390x) does not match the expected platform (linux/amd64)');
    expect(platformMismatch({ os: 'linux', architecture: 'arm64', variant: 'v7' }, { os: 'linux', architecture: 'arm64', variant: 'v8' })).toContain('(linux/arm64/v7)');
  });
  it('is quiet when they match, a variant is missing on one side, or the image records none', () => {
    expect(platformMismatch(amd64, amd64)).toBeUndefined();
    expect(platformMismatch({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBeUndefined();
    expect(platformMismatch({}, amd64)).toBeUndefined();
  });
});

describe('seccomp minKernel', () => {
  it('compares kernel releases as versions', () => {
    expect(kernelAtLeast('4.8', '6.18.0-1-amd64')).toBe(true);
    expect(kernelAtLeast('5.10', '5.9.16')).toBe(false);
    expect(kernelAtLeast('5.10', '5.10')).toBe(true);
    expect(kernelAtLeast('6.19', '6.18.3')).toBe(false);
    expect(kernelAtLeast('4.8', '10.1')).toBe(true);
    expect(() => kernelAtLeast('soon', '6.1')).toThrow('minKernel "soon" is not a kernel version');
  });
});

describe('confinement as /proc shows it', () => {
  it('capability masks become podman\'s sorted CAP_ names; id maps their three columns', async () => {
    const { capsFromMask, parseIdMap } = await import('../../lib/runtime/confinement.js');
    expect(capsFromMask('00000000800405fb')).toEqual(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
      'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT']);
    expect(capsFromMask('0000000000000000')).toEqual([]);
    expect(parseIdMap('         0       1006          1\n         1     427680      65536\n')).toEqual([
      { ContainerID: 0, HostID: 1006, Size: 1 }, { ContainerID: 1, HostID: 427680, Size: 65536 }]);
  });
});
