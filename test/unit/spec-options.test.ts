// lib/spec/options.ts: the run/create options' parsing, with podman 4.3's words and values
// (checked against podman 4.3.1 on a cgroups v1 rootless host). Budget: about 1 s.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cgroupV2Delegation, containerEnv, parseAddHost, parseGroupAdd, parseUlimits, parseUmask, timezoneFile, platformFromParts, parseImageVolume, parseLogConfig, parseOomScoreAdj, parseAttach, systemdMode, checkSeccompPolicy, parseAnnotations, parseDns, parseExpose, parseLabelFileText, parseResources, parseSize,
} from '../../lib/spec/options.js';
import { hostsFile, resolvConf } from '../../lib/network/etc-files.js';
import { journalEntry } from '../../lib/engine/journal.js';
import { parseProfile } from '../../lib/runtime/seccomp.js';

describe('--add-host, --dns*', () => {
  it('parses HOST:IP (IPv6 too) and refuses as podman does', () => {
    expect(parseAddHost('foo:1.2.3.4')).toEqual({ host: 'foo', ip: '1.2.3.4' });
    expect(parseAddHost('six:::1')).toEqual({ host: 'six', ip: '::1' });
    expect(() => parseAddHost('bad')).toThrow('bad format for add-host: "bad"');
    expect(() => parseAddHost('foo:1.2.3')).toThrow('invalid IP address in add-host: "1.2.3"');
  });
  it('--dns needs a network and IP addresses', () => {
    expect(parseDns([], [], [], 'none')).toBeUndefined();
    expect(() => parseDns(['1.1.1.1'], [], [], 'none')).toThrow('conflicting options: dns and the network mode: none');
    expect(() => parseDns([], ['x.com'], [], 'none')).toThrow('conflicting options: dns and the network mode: none');
    expect(() => parseDns(['1.2.3'], [], [], 'slirp4netns')).toThrow('1.2.3 is not an ip address');
    expect(parseDns(['9.9.9.9'], ['ex.com'], ['ndots:3'], 'slirp4netns')).toEqual({ servers: ['9.9.9.9'], search: ['ex.com'], options: ['ndots:3'] });
  });
  it('writes them into /etc/hosts (first) and /etc/resolv.conf (podman\'s order)', () => {
    expect(hostsFile('h', 'n', 'none', [{ host: 'foo', ip: '1.2.3.4' }])).toMatch(/^1\.2\.3\.4\tfoo\n127\.0\.0\.1\tlocalhost/);
    const host = 'search example.com\nnameserver 192.0.2.1\noptions edns0\n';
    expect(resolvConf('slirp4netns', host, { servers: ['9.9.9.9'], search: ['a.b'], options: ['ndots:3'] })).toBe('search a.b\nnameserver 9.9.9.9\noptions ndots:3\n');
    expect(resolvConf('slirp4netns', host, { servers: [], search: ['.'], options: [] })).toBe('nameserver 10.0.2.3\noptions edns0\n');
  });
});

describe('resource flags', () => {
  it('sizes as go-units reads them', () => {
    expect(parseSize('memory', '10m')).toBe(10 * 1024 * 1024);
    expect(parseSize('memory', '1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('memory', '512')).toBe(512);
    expect(parseSize('memory', '1kb')).toBe(1024);
    expect(() => parseSize('memory', '10x')).toThrow("invalid value for memory: invalid size: '10x'");
  });
  it('records podman\'s HostConfig fields; a limit asked for is flagged for the warning', () => {
    const r = parseResources({ memory: '10m', cpus: '1.5', pidsLimit: 100, cpuShares: 512, deviceReadBps: ['/dev/sda:1mb'] });
    expect(r.limited).toBe(true);
    expect(r.hostConfig).toEqual({ Memory: 10485760, NanoCpus: 1_500_000_000, PidsLimit: 100, CpuShares: 512, BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1048576 }] });
    // podman prints no warning for these: no limit
    expect(parseResources({ memorySwap: '-1', cpus: '-1', pidsLimit: -1, memorySwappiness: -1 }).limited).toBe(false);
    expect(parseResources({}).hostConfig).toEqual({});
    expect(parseResources({ kernelMemory: '5m' }).warnings).toEqual(['The --kernel-memory flag is no longer supported. This flag is a noop.']);
  });
  it('refuses what podman refuses, with its words', () => {
    expect(() => parseResources({ memorySwap: 'abc' })).toThrow("invalid value for memory: invalid size: 'abc'");
    expect(() => parseResources({ cpus: 'abc' })).toThrow('invalid argument "abc" for "--cpus" flag: strconv.ParseFloat: parsing "abc": invalid syntax');
    expect(() => parseResources({ blkioWeight: 'abc' })).toThrow('invalid value for blkio-weight: strconv.ParseUint: parsing "abc": invalid syntax');
    expect(() => parseResources({ blkioWeightDevice: ['/dev/sda'] })).toThrow('bad format: /dev/sda');
    expect(() => parseResources({ blkioWeightDevice: ['/dev/sda:abc'] })).toThrow('invalid weight for device: /dev/sda:abc');
    expect(() => parseResources({ deviceReadBps: ['/dev/sda:1x'] })).toThrow('invalid rate for device: /dev/sda:1x. The correct format is <device-path>:<number>[<unit>]');
    expect(() => parseResources({ deviceReadIops: ['/dev/sda:1mb'] })).toThrow('invalid rate for device: /dev/sda:1mb. The correct format is <device-path>:<number>. Number must be a positive integer');
    expect(() => parseResources({ deviceWriteBps: ['sda:1mb'] })).toThrow('bad format for device path: sda:1mb');
  });
});

describe('cgroup v2 delegation', () => {
  const uid = process.getuid!();
  function tree(controllers: string | undefined): string {
    const root = mkdtempSync(join(tmpdir(), 'tspod-cg-'));
    const dir = join(root, 'user.slice/user-1000.slice/user@1000.service');
    mkdirSync(dir, { recursive: true });
    if (controllers !== undefined) writeFileSync(join(dir, 'cgroup.controllers'), controllers);
    return root;
  }
  const self = '0::/user.slice/user-1000.slice/user@1000.service\n';
  const owner = (owned: boolean) => () => (owned ? uid : uid + 1);
  it('finds the controllers of a user-owned v2 subtree', () => {
    expect(cgroupV2Delegation(tree('cpu memory pids\n'), self, uid, owner(true))).toEqual(['cpu', 'memory', 'pids']);
  });
  it('no delegation: v1 or hybrid, another owner, no controllers, a path with ..', () => {
    expect(cgroupV2Delegation(tree('cpu memory pids'), '12:pids:/user.slice\n0::/user.slice/user-1000.slice/user@1000.service\n', uid, owner(true))).toBeUndefined();
    expect(cgroupV2Delegation(tree('cpu memory pids'), self, uid, owner(false))).toBeUndefined();
    expect(cgroupV2Delegation(tree(''), self, uid, owner(true))).toBeUndefined();
    expect(cgroupV2Delegation(tree(undefined), self, uid, owner(true))).toBeUndefined();
    expect(cgroupV2Delegation(tree('memory'), '0::/../x\n', uid, owner(true))).toBeUndefined();
  });
});

describe('metadata and environment', () => {
  it('--annotation, --expose, --label-file', () => {
    expect(parseAnnotations(['a=b', 'c=']))
      .toEqual({ a: 'b', c: '' });
    expect(() => parseAnnotations(['foo'])).toThrow('annotations must be formatted KEY=VALUE');
    expect(parseExpose(['80', '53/udp', '8000-8002'])).toEqual(['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp']);
    expect(() => parseExpose(['abc'])).toThrow('invalid range format for --expose: abc: strconv.ParseUint: parsing "abc": invalid syntax');
    expect(parseLabelFileText('# c\na=1\n\n b=2 \nc\n')).toEqual(['a=1', 'b=2', 'c']);
  });
  it('--unsetenv, --unsetenv-all, --env-host as podman orders them', () => {
    const base = { defaults: ['PATH=/bin', 'container=tspod'], image: ['PATH=/img', 'I=1'], hostname: 'h', extra: [] as string[], unset: [] as string[], unsetAll: false };
    expect(containerEnv(base)).toEqual(['PATH=/img', 'container=tspod', 'I=1', 'HOSTNAME=h']);
    expect(containerEnv({ ...base, unset: ['PATH', 'HOSTNAME', 'A'], extra: ['A=1'] })).toEqual(['container=tspod', 'I=1', 'HOSTNAME=h', 'A=1']);
    expect(containerEnv({ ...base, unsetAll: true })).toEqual(['HOSTNAME=h']);
    expect(containerEnv({ ...base, host: ['I=host', 'H=1'], extra: ['H=2'] })).toEqual(['PATH=/img', 'container=tspod', 'I=host', 'HOSTNAME=h', 'H=2']);
  });
});

describe('--ulimit, --umask, --group-add', () => {
  it('ulimits: podman\'s names, soft[:hard], -1 unlimited, the last one per name', () => {
    expect(parseUlimits(['nofile=100:200', 'core=-1', 'nproc=5', 'nproc=7:8', 'host'])).toEqual([[7, '100', '200'], [4, '-1', '-1'], [6, '7', '8']]);
    const bad = (s: string) => `ulimit option "${s}" requires name=SOFT:HARD, failed to be parsed: `;
    expect(() => parseUlimits(['nofile=200:100'])).toThrow(bad('nofile=200:100') + 'ulimit soft limit must be less than or equal to hard limit: 200 > 100');
    expect(() => parseUlimits(['nofile=-1:100'])).toThrow('soft: -1 (unlimited), hard: 100');
    expect(() => parseUlimits(['bogus=1'])).toThrow(bad('bogus=1') + 'invalid ulimit type: bogus');
    expect(() => parseUlimits(['nofile'])).toThrow(bad('nofile') + 'invalid ulimit argument: nofile');
    expect(() => parseUlimits(['nofile=unlimited'])).toThrow('strconv.ParseInt: parsing "unlimited": invalid syntax');
    expect(() => parseUlimits(['nofile=1:2:3'])).toThrow('too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`');
  });
  it('umask: octal, at most four digits', () => {
    expect(parseUmask('0077')).toBe('0077');
    expect(parseUmask(undefined)).toBeUndefined();
    expect(() => parseUmask('9')).toThrow('running container create option: invalid umask string 9: invalid argument');
    expect(() => parseUmask('77777')).toThrow('invalid umask string 77777');
  });
  it('group-add: ids in range as -u, keep-groups alone', () => {
    expect(parseGroupAdd(['5', 'wheel'])).toEqual({ groups: ['5', 'wheel'], keepGroups: false });
    expect(parseGroupAdd(['keep-groups'])).toEqual({ groups: [], keepGroups: true });
    expect(() => parseGroupAdd(['keep-groups', '5'])).toThrow("the '--group-add keep-groups' option is not allowed with any other --group-add options");
    expect(() => parseGroupAdd(['2147483648'])).toThrow('uids and gids must be in range 0-2147483647');
    expect(() => parseGroupAdd(['a:b'])).toThrow('invalid --group-add "a:b"');
  });
});

describe('--tz', () => {
  it('a zone of /usr/share/zoneinfo or local; nothing outside', () => {
    const exists = (p: string) => p === '/usr/share/zoneinfo/Europe/Paris';
    expect(timezoneFile('Europe/Paris', exists)).toBe('/usr/share/zoneinfo/Europe/Paris');
    expect(timezoneFile('local', exists)).toBe('/etc/localtime');
    expect(() => timezoneFile('Nowhere/X', exists)).toThrow('running container create option: stat /usr/share/zoneinfo/Nowhere/X: no such file or directory');
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'Europe//Paris', 'Europe/./Paris', '']) expect(() => timezoneFile(bad, () => true)).toThrow(/invalid timezone/);
  });
});

describe('flags that cannot apply here', () => {
  it('--arch/--os/--variant make a platform; not with --platform', () => {
    const host = { os: 'linux', architecture: 'amd64' };
    expect(platformFromParts({}, host)).toBeUndefined();
    expect(platformFromParts({ arch: 'arm64', variant: 'v8' }, host)).toBe('linux/arm64/v8');
    expect(platformFromParts({ platform: 'linux/arm64' }, host)).toBe('linux/arm64');
    expect(() => platformFromParts({ platform: 'linux/arm64', os: 'linux' }, host)).toThrow('--platform option can not be specified with --arch or --os');
  });
  it('--image-volume, --systemd, --seccomp-policy', () => {
    expect(parseImageVolume(undefined)).toBe('bind');
    expect(parseImageVolume('tmpfs')).toBe('tmpfs');
    expect(() => parseImageVolume('x')).toThrow('invalid image volume mode "x" required value: bind, tmpfs, ignore');
    expect(systemdMode('true', ['sh'])).toBe(false);
    expect(systemdMode(undefined, ['/sbin/init'])).toBe(true);
    expect(systemdMode('true', ['/usr/lib/systemd/systemd', '--log-level=info'])).toBe(true);
    expect(systemdMode('true', ['/usr/local/sbin/init'])).toBe(true);
    expect(systemdMode('true', ['/sbin/initx'])).toBe(false);
    expect(systemdMode('false', ['/sbin/init'])).toBe(false);
    expect(systemdMode('always', ['sh'])).toBe(true);
    expect(() => systemdMode('yes', ['sh'])).toThrow('--systemd values must be one of "true, false, always"');
    expect(() => checkSeccompPolicy('default', {})).not.toThrow();
    expect(() => checkSeccompPolicy('image', {})).toThrow('no seccomp policy defined by image');
    expect(checkSeccompPolicy('image', { 'io.containers.seccomp.profile': '{"defaultAction":"SCMP_ACT_ALLOW"}' })).toBe('{"defaultAction":"SCMP_ACT_ALLOW"}');
    expect(checkSeccompPolicy(undefined, { 'io.containers.seccomp.profile': '{}' })).toBeUndefined();
  });
});

describe('--log-driver, --log-opt, --oom-score-adj', () => {
  it('k8s-file (default), json-file, journald, none, passthrough; path= and tag=; the rest refused', () => {
    expect(parseLogConfig(undefined, [])).toEqual({ driver: 'k8s-file' });
    expect(parseLogConfig('none', [])).toEqual({ driver: 'none' });
    expect(parseLogConfig('k8s-file', ['path=/tmp/x.log', 'tag=web'])).toEqual({ driver: 'k8s-file', path: '/tmp/x.log', tag: 'web' });
    expect(() => parseLogConfig('bad', [])).toThrow('running container create option: invalid log driver: invalid argument');
    expect(parseLogConfig('passthrough', [])).toEqual({ driver: 'passthrough' });
    expect(() => parseLogConfig('passthrough', [], { tty: true })).toThrow(/cannot be used with -t/);
    expect(() => parseLogConfig('passthrough', [], { detach: true })).toThrow(/needs the container in the foreground/);
    expect(parseLogConfig('journald', ['tag=web'])).toEqual({ driver: 'journald', tag: 'web' });
    expect(parseLogConfig('json-file', [])).toEqual({ driver: 'json-file' });
    expect(() => parseLogConfig(undefined, ['path=rel.log'])).toThrow(/absolute path/);
    expect(() => parseLogConfig(undefined, ['max-size=abc'])).toThrow("invalid value for size: invalid size: 'abc'");
    expect(parseLogConfig(undefined, ['max-size=7.039m'])).toEqual({ driver: 'k8s-file', maxSize: 7039000 });
    expect(parseLogConfig(undefined, ['max-size=2k'])).toEqual({ driver: 'k8s-file', maxSize: 2000 });
    expect(parseLogConfig(undefined, ['max-size=0'])).toEqual({ driver: 'k8s-file' });
    expect(() => parseLogConfig(undefined, ['bogus=1'])).toThrow(/unknown log option/);
  });
  it('oom-score-adj in -1000..1000', () => {
    expect(parseOomScoreAdj(100)).toBe(100);
    expect(parseOomScoreAdj(undefined)).toBeUndefined();
    expect(() => parseOomScoreAdj(5000)).toThrow('invalid --oom-score-adj 5000: it must be in the range -1000 to 1000');
  });
});

describe('-a/--attach', () => {
  it('the streams named, all by default', () => {
    expect(parseAttach([])).toEqual({ stdout: true, stderr: true });
    expect(parseAttach(['stdout'])).toEqual({ stdout: true, stderr: false });
    expect(parseAttach(['STDERR', 'stdin'])).toEqual({ stdout: false, stderr: true });
    expect(() => parseAttach(['bogus'])).toThrow('invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument');
  });
});

describe('signals (kill -s, --stop-signal)', () => {
  it("reads podman's names and numbers and refuses the rest in its words", async () => {
    const { parseSignal } = await import('../../lib/spec/signals.js');
    expect([parseSignal('TERM'), parseSignal('sigkill'), parseSignal('-HUP'), parseSignal('9'), parseSignal('RTMIN+3'), parseSignal('SIGRTMAX')]).toEqual([15, 9, 1, 9, 37, 64]);
    for (const bad of ['0', 'SIGBADSIG', 'SIG', 'BADSIG', '%%', '!', "''", ' ', '-', 'RTMAX+1']) {
      expect(() => parseSignal(bad), bad).toThrow(`invalid signal: ${bad.replace(/^-/, '')}`);
    }
    for (const n of ['65', '-65', '999']) expect(() => parseSignal(n)).toThrow('valid signals are 1 through 64');
  });
});

describe('the journal\'s entries, as journalctl -o json prints them', () => {
  it('MESSAGE as text or bytes, PRIORITY 3 as stderr, partial lines, the time to the microsecond', () => {
    const line = (o: object) => JSON.stringify({ __CURSOR: 'c1', __REALTIME_TIMESTAMP: '1764438000123456', ...o });
    expect(journalEntry(line({ MESSAGE: 'hello', PRIORITY: '6' }))).toEqual({ cursor: 'c1', entry: { time: '2025-11-29T17:40:00.123456+00:00', stream: 'stdout', partial: false, text: 'hello' } });
    expect(journalEntry(line({ MESSAGE: [104, 105, 0xff], PRIORITY: '3', CONTAINER_PARTIAL_MESSAGE: 'true' }))?.entry).toEqual({ time: '2025-11-29T17:40:00.123456+00:00', stream: 'stderr', partial: true, text: 'hi\ufffd' });
    expect(journalEntry(line({ MESSAGE: null }))?.entry.text).toBe('');
    expect(journalEntry('not json')).toBeUndefined();
  });
});

describe('seccomp profiles from an image\'s label are checked field by field', () => {
  it('names what is wrong, never a TypeError', () => {
    const bad: Array<[unknown, string]> = [
      [null, 'the profile must be a JSON object'], [{}, 'defaultAction is missing'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [null] }, 'each syscalls entry needs an action'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }, 'names must be a list of strings'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0 }] }] }, 'each args entry needs index, value and op'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', archMap: [{}] }, 'each archMap entry needs an architecture'],
    ];
    for (const [p, msg] of bad) expect(() => parseProfile(JSON.stringify(p), 'the label')).toThrow(`the label is not a valid profile: ${msg}`);
    expect(() => parseProfile('{', 'the label')).toThrow(/^the label is not a valid profile: /);
    expect(parseProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}', 'x').syscalls).toHaveLength(1);
  });
});
