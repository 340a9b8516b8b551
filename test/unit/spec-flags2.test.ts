// lib/spec namespaces.ts, devices.ts, passwd.ts: the run/create flags of issue 12's second part,
// with podman 4.3.1's words. Budget: about 1 s.
import { describe, expect, it } from 'vitest';
import { parseNamespaceMode, parseSysctls } from '../../lib/spec/namespaces.js';
import { envMergeList, parseChrootDirs, parseDeviceCgroupRules, parseDevices, proxyEnv } from '../../lib/spec/devices.js';
import { groupAdditions, passwdAdditions } from '../../lib/spec/passwd.js';

const msg = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};
const ns = { hostNetwork: false, hostIpc: false, hostUts: false };

describe('namespaces and sysctls', () => {
  it('modes', () => {
    expect(parseNamespaceMode('pid', 'host')).toBe('host');
    expect(parseNamespaceMode('ipc', 'shareable')).toBe('private');
    expect(parseNamespaceMode('uts', undefined)).toBeUndefined();
    expect(msg(() => parseNamespaceMode('pid', 'bogus'))).toBe('unrecognized namespace mode bogus passed');
    expect(parseNamespaceMode('pid', 'container:x')).toEqual({ container: 'x' });
    expect(parseNamespaceMode('pid', 'ns:/proc/1/ns/pid')).toEqual({ path: '/proc/1/ns/pid' });
    expect(msg(() => parseNamespaceMode('uts', 'ns:'))).toBe('must provide a path to a namespace when specifying "ns:"');
    expect(msg(() => parseNamespaceMode('cgroupns', 'ns:/proc/1/ns/cgroup'))).toMatch(/^--cgroupns ns:\/proc\/1\/ns\/cgroup: joining a path's cgroup namespace is not supported by tspod/);
    expect(msg(() => parseNamespaceMode('cgroupns', 'container:x'))).toMatch(/^--cgroupns container:x: joining another container's cgroup namespace is not supported/);
  });
  it('sysctls', () => {
    expect(parseSysctls(['net.ipv4.ip_forward=1', 'kernel.shmmax=10', 'fs.mqueue.msg_max=20'], ns)).toEqual([['net.ipv4.ip_forward', '1'], ['kernel.shmmax', '10'], ['fs.mqueue.msg_max', '20']]);
    expect(msg(() => parseSysctls(['foo.bar=1'], ns))).toBe("sysctl 'foo.bar' is not allowed");
    expect(msg(() => parseSysctls(['kernel.hostname=x'], ns))).toBe("sysctl 'kernel.hostname' is not allowed");
    expect(msg(() => parseSysctls(['net.a=1'], { ...ns, hostNetwork: true }))).toBe("sysctl net.a=1 can't be set since Network Namespace set to host: invalid argument");
    expect(msg(() => parseSysctls(['kernel.sem=1'], { ...ns, hostIpc: true }))).toBe("sysctl kernel.sem=1 can't be set since IPC Namespace set to host: invalid argument");
    expect(msg(() => parseSysctls(['net.x'], ns))).toBe('net.x is invalid, sysctl values must be in the form of KEY=VALUE');
    expect(msg(() => parseSysctls(['net...x=1'], ns))).toBe("sysctl 'net...x' is not allowed");
  });
});

describe('devices, chrootdirs, env', () => {
  const ok = () => undefined;
  it('--device forms and refusals', () => {
    expect(parseDevices(['/dev/null', '/dev/null:/dev/x', '/dev/null:r', '/dev/null:/dev/y:rw'], ok)).toEqual([
      { host: '/dev/null', container: '/dev/null', read: true, write: true },
      { host: '/dev/null', container: '/dev/x', read: true, write: true },
      { host: '/dev/null', container: '/dev/null', read: true, write: false },
      { host: '/dev/null', container: '/dev/y', read: true, write: true },
    ]);
    expect(msg(() => parseDevices(['/dev/nope'], () => { throw new Error('ENOENT'); }))).toBe('stat /dev/nope: no such file or directory');
    expect(msg(() => parseDevices(['/dev/null:/dev/x:q'], ok))).toBe('invalid device mode: q');
    expect(msg(() => parseDevices(['/dev/null:../x'], ok))).toMatch(/^invalid device specification/);
    let calls = 0;
    expect(msg(() => parseDevices(['/dev/kvm'], () => { if (calls++) throw new Error('EACCES'); }))).toMatch(/^--device \/dev\/kvm: \/dev\/kvm cannot be opened for reading and writing by this user/);
    expect(msg(() => parseDeviceCgroupRules(['c 1:3 rwm', 'a *:* m']))).toBeUndefined();
    expect(msg(() => parseDeviceCgroupRules(['bogus']))).toBe('invalid device cgroup rule requires type, major:Minor, and access rules: "bogus"');
    expect(msg(() => parseChrootDirs(['rel']))).toMatch(/^invalid --chrootdirs "rel"/);
  });
  it('--env-merge and --http-proxy', () => {
    expect(envMergeList(['PATH=/bin', 'A=1'], ['PATH=/x:${PATH}', 'B=$A-$NOPE', 'A=2'], ['A=9'])).toEqual(['PATH=/x:/bin', 'A=1', 'B=1-']);
    expect(proxyEnv({ http_proxy: 'h', HOME: '/x', NO_PROXY: 'n' })).toEqual(['http_proxy=h', 'NO_PROXY=n']);
  });
});

describe('/etc/passwd additions', () => {
  const base = { imagePasswd: 'root:x:0:0:root:/root:/bin/sh\n', workdir: '/', passwd: true, hostUsers: [], hostPasswd: '', containerId: 'c1' };
  it('as podman', () => {
    expect(passwdAdditions({ ...base, user: '1234' })).toEqual(['1234:*:1234:0:container user:/:/bin/sh']);
    expect(passwdAdditions({ ...base, user: '1234:5' })).toEqual(['1234:*:1234:5:container user:/:/bin/sh']);
    expect(passwdAdditions({ ...base, user: '0' })).toEqual([]);
    expect(passwdAdditions({ ...base, user: '1234', passwd: false })).toEqual([]);
    expect(passwdAdditions({ ...base, user: '7', passwdEntry: '$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false' })).toEqual(['7:x:7:0:container user:/:/bin/false']);
    expect(passwdAdditions({ ...base, user: '0', hostUsers: ['me'], hostPasswd: 'me:x:1000:1000:Me:/home/me:/bin/bash\n' })).toEqual(['me:*:1000:1000:Me:/:/bin/sh']);
    expect(() => passwdAdditions({ ...base, user: '0', hostUsers: ['nope'] })).toThrow('creating temporary passwd file for container c1: user: unknown user nope');
    expect(groupAdditions('root:x:0:\n', '65536:65536', true)).toEqual(['65536:x:65536:65536']);
    expect(groupAdditions('root:x:0:\n', '65536:0', true)).toEqual([]);
    expect(groupAdditions('root:x:0:\n', '65536', true)).toEqual([]);
    expect(groupAdditions('', '5:6', false)).toEqual([]);
  });
});

describe('health checks', () => {
  it('flags over the image\'s HEALTHCHECK, podman\'s words', async () => {
    const { healthConfig, parseGoDuration, nextHealth, healthArgv } = await import('../../lib/spec/health.js');
    expect(parseGoDuration('1m30s')).toBe(90e9);
    expect(parseGoDuration('500ms')).toBe(5e8);
    expect(() => parseGoDuration('bogus')).toThrow('time: invalid duration "bogus"');
    expect(healthConfig({ cmd: 'curl x' }, undefined).config).toEqual({ Test: ['CMD-SHELL', 'curl x'], Interval: 30e9, Timeout: 30e9, Retries: 3 });
    const image = { Test: ['CMD', 'true'], Interval: 5e9, Retries: 7 };
    expect(healthConfig({}, image).config).toEqual({ Test: ['CMD', 'true'], Interval: 5e9, Timeout: 30e9, Retries: 7 });
    expect(healthConfig({ interval: '1s' }, image).config?.Interval).toBe(1e9);
    expect(healthConfig({ none: true }, image).config).toBeUndefined();
    expect(healthConfig({ cmd: 'none' }, image).config).toBeUndefined();
    expect(healthConfig({ cmd: '["CMD","a","b"]' }, undefined).config?.Test).toEqual(['CMD', 'a', 'b']);
    expect(() => healthConfig({ cmd: 'x', none: true }, undefined)).toThrow('cannot specify both --no-healthcheck and --health-cmd');
    expect(() => healthConfig({ onFailure: 'x' }, undefined)).toThrow('invalid on-failure action "x" for health check: supported actions are none,kill,restart,stop');
    expect(healthArgv(['CMD-SHELL', 'a b'])).toEqual(['/bin/sh', '-c', 'a b']);
    const r = (exitCode: number) => ({ start: 's', end: 'e', exitCode, output: '' });
    const one = nextHealth(undefined, r(1), 2, false);
    expect([one.Status, one.FailingStreak]).toEqual(['starting', 1]);
    expect(nextHealth(one, r(1), 2, false).Status).toBe('unhealthy');
    expect(nextHealth(undefined, r(1), 1, true).FailingStreak).toBe(0);
    expect(nextHealth(one, r(0), 2, false)).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
  });
});
