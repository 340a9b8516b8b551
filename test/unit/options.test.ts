// Option mapping: volumes, environment, entrypoint/cmd, argv splitting,
// subid files, storage.conf, cgroup detection, templates, human units.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerCommand, mergeEnv, parseVolume } from '../../lib/engine/run.js';
import { capMask, DEFAULT_CAPS } from '../../lib/runtime/security.js';
import { checkUserNamespaces, idMappingsFrom, parseSubidFile } from '../../lib/runtime/idmap.js';
import { loadStorageConfig } from '../../lib/config/storage-conf.js';
import { cgroupLayout, delegatedControllers } from '../../lib/engine/system.js';
import { compileTemplate } from '../../lib/util/template.js';
import { columns, humanDuration, humanSize } from '../../lib/util/human.js';
import { parseSlirpOptions, slirpAddresses } from '../../lib/network/slirp.js';
import { hostsFile, resolvConf } from '../../lib/network/etc-files.js';
import { baseHostsEntries, readContainersConf } from '../../lib/config/containers-conf.js';
import { planLines } from '../../lib/runtime/launch.js';
import { escapeField } from '../../lib/runtime/sync.js';

describe('parseVolume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
  it('maps HOST:CTR[:ro|rw]', () => {
    expect(parseVolume(`${dir}:/data`)).toEqual({ type: 'bind', source: dir, destination: '/data', readonly: false });
    expect(parseVolume(`${dir}:/data/:ro`)).toMatchObject({ destination: '/data/', readonly: true });
    expect(parseVolume(`${dir}:/d:rw,z`)).toMatchObject({ readonly: false });
  });
  it('names a volume with NAME:CTR, an anonymous one with CTR alone', () => {
    expect(parseVolume('data:/x:ro,nocopy')).toEqual({ type: 'volume', volume: 'data', source: '', destination: '/x', readonly: true, noCopy: true });
    expect(parseVolume('/scratch')).toEqual({ type: 'volume', volume: '', source: '', destination: '/scratch', readonly: false });
  });
  it.each([['bad name:/x', /neither an absolute host path nor a volume name/], [`${dir}:rel`, /must be absolute/], ['rel', /expected/], [`${dir}:/x:exec`, /unknown option/], [`${dir}:/x:nocopy`, /unknown option/], ['/nonexistent-xyz:/x', /does not exist/]])('refuses %s', (spec, why) => {
    expect(() => parseVolume(spec)).toThrow(why);
  });
});

describe('environment and command', () => {
  it('later values win, first position kept', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3'], ['PATH=/x'])).toEqual(['PATH=/x', 'A=2', 'B=3']);
  });
  it('follows podman for Entrypoint and Cmd', () => {
    const cfg = { Entrypoint: ['/ep'], Cmd: ['default'] };
    expect(containerCommand(cfg, [])).toEqual(['/ep', 'default']);
    expect(containerCommand(cfg, ['x'])).toEqual(['/ep', 'x']);
    expect(containerCommand(cfg, [], 'echo')).toEqual(['echo']);
    expect(containerCommand(cfg, ['a'], '["/bin/sh","-c"]')).toEqual(['/bin/sh', '-c', 'a']);
    expect(containerCommand(cfg, ['a'], '')).toEqual(['a']);
  });
  it('has podman\'s default capability mask', () => {
    expect(capMask(DEFAULT_CAPS).toString(16)).toBe('800405fb');
  });
});

describe('subid files', () => {
  const text = '# comment\nalice:100000:65536\n1001:200000:1000\nbob:300000:65536\n';
  it('finds ranges by name or by uid', () => {
    expect(parseSubidFile(text, 'alice', 5)).toEqual({ start: 100000, count: 65536 });
    expect(parseSubidFile(text, 'carol', 1001)).toEqual({ start: 200000, count: 1000 });
    expect(parseSubidFile(text, 'nobody', 7)).toBeUndefined();
  });
  it('names the missing file and the fix', () => {
    expect(() => idMappingsFrom(text, '', 'alice', 5, 5)).toThrow(/no \/etc\/subgid entry for user alice.*usermod --add-subuids/);
    expect(() => idMappingsFrom('', text, 'alice', 5, 5)).toThrow(/no \/etc\/subuid entry/);
    expect(idMappingsFrom(text, text, 'bob', 9, 9).subgid).toEqual({ start: 300000, count: 65536 });
  });
  it('says which sysctl disables user namespaces', () => {
    const sysctl = (values: Record<string, string>) => (p: string) => {
      if (!(p in values)) throw new Error('ENOENT');
      return values[p]!;
    };
    expect(() => checkUserNamespaces(sysctl({ '/proc/sys/user/max_user_namespaces': '0\n' }))).toThrow(/user.max_user_namespaces/);
    expect(() => checkUserNamespaces(sysctl({ '/proc/sys/user/max_user_namespaces': '100', '/proc/sys/kernel/unprivileged_userns_clone': '0' }))).toThrow(/unprivileged_userns_clone=1/);
    expect(() => checkUserNamespaces(sysctl({ '/proc/sys/user/max_user_namespaces': '100' }))).not.toThrow();
  });
});

describe('storage.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-conf-'));
  it('leaves the choice open by default (fuse-overlayfs the fallback); an empty mount_program selects native overlay; --storage-opt wins', () => {
    expect(loadStorageConfig([], dir)).toMatchObject({ auto: true, mountProgram: '/usr/bin/fuse-overlayfs' });
    writeFileSync(join(dir, 'storage.conf'), '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = ""\n');
    expect(loadStorageConfig([], dir)).toMatchObject({ auto: false, mountProgram: undefined });
    expect(loadStorageConfig(['overlay.mount_program=/usr/bin/fuse-overlayfs'], dir).mountProgram).toBe('/usr/bin/fuse-overlayfs');
    expect(() => loadStorageConfig(['overlay.mount_program=/no/such'], dir)).toThrow(/not installed/);
    expect(() => loadStorageConfig(['bogus=1'], dir)).toThrow(/unknown --storage-opt/);
    writeFileSync(join(dir, 'storage.conf'), '[storage]\ndriver = "vfs"\n');
    expect(() => loadStorageConfig([], dir)).toThrow(/not supported/);
    writeFileSync(join(dir, 'storage.conf'), 'not = [toml');
    expect(() => loadStorageConfig([], dir)).toThrow(/not valid TOML/);
  });
});

describe('cgroups', () => {
  const line = (point: string, type: string) => `30 1 0:26 / ${point} rw,nosuid - ${type} ${type} rw`;
  it('tells v2, hybrid and v1 apart', () => {
    expect(cgroupLayout(line('/sys/fs/cgroup', 'cgroup2'))).toBe('v2');
    expect(cgroupLayout([line('/sys/fs/cgroup', 'tmpfs'), line('/sys/fs/cgroup/memory', 'cgroup'), line('/sys/fs/cgroup/unified', 'cgroup2')].join('\n'))).toBe('hybrid');
    expect(cgroupLayout([line('/sys/fs/cgroup/memory', 'cgroup')].join('\n'))).toBe('v1');
  });
  it('reads delegated controllers from a (fake) v2 tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'tspod-cg-'));
    mkdirSync(join(root, 'user.slice/user-1000.slice/user@1000.service'), { recursive: true });
    writeFileSync(join(root, 'user.slice/user-1000.slice/user@1000.service/cgroup.controllers'), 'cpu memory pids\n');
    expect(delegatedControllers(root, '/user.slice/user-1000.slice/user@1000.service')).toEqual(['cpu', 'memory', 'pids']);
    expect(delegatedControllers(root, '/elsewhere')).toEqual([]);
  });
});

describe('Go templates', () => {
  it('renders fields (case-sensitive, as Go), json, and table headers', () => {
    const t = compileTemplate('{{.Names}}\\t{{.State.Status}} {{json .Labels}}');
    expect(t.render({ Names: ['a'], State: { Status: 'running' }, Labels: { x: '1' } })).toBe('[a]\trunning {"x":"1"}');
    expect(() => compileTemplate('{{.names}}').render({ Names: ['a'] })).toThrow(/can't evaluate field names/);
    const tab = compileTemplate('table {{.ID}} {{.CreatedAt}}');
    expect(tab.table).toBe(true);
    expect(tab.header()).toBe('ID CREATED AT');
    expect(() => compileTemplate('{{range .X}}')).toThrow(/unexpected EOF/);
  });
});

describe('human units', () => {
  it('formats as podman', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(3000)).toBe('3 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(3 * 3600_000)).toBe('3 hours');
    expect(humanSize(2_140_160)).toBe('2.14 MB');
    expect(humanSize(512)).toBe('512 B');
    expect(columns([['A', 'BB'], ['ccc', 'd']])).toBe('A    BB\nccc  d\n');
  });
});

describe('network files and options', () => {
  it('parses slirp4netns options', () => {
    expect(parseSlirpOptions('slirp4netns')).toEqual({ allowHostLoopback: false, mtu: 65520 });
    expect(parseSlirpOptions('slirp4netns:allow_host_loopback=true,mtu=1500')).toEqual({ allowHostLoopback: true, mtu: 1500 });
    expect(parseSlirpOptions('slirp4netns:port_handler=rootlesskit,port_handler=slirp4netns')).toEqual({ allowHostLoopback: false, mtu: 65520 });
    expect(() => parseSlirpOptions('slirp4netns:port_handler=other')).toThrow(/unknown slirp4netns option/);
    expect(() => parseSlirpOptions('slirp4netns:allow_host_loopback=yes')).toThrow(/true or false/);
    const o = parseSlirpOptions('slirp4netns:cidr=172.19.5.7/24,enable_ipv6=true,outbound_addr=192.0.2.9');
    expect(o).toEqual({ allowHostLoopback: false, mtu: 65520, cidr: '172.19.5.0/24', enableIpv6: true, outboundAddr: '192.0.2.9' });
    expect(slirpAddresses(o)).toEqual({ guest: '172.19.5.100', gateway: '172.19.5.2', dns: '172.19.5.3' });
    expect(slirpAddresses({})).toEqual({ guest: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3' });
    expect(slirpAddresses(parseSlirpOptions('slirp4netns:cidr=10.9.0.0/16'))).toEqual({ guest: '10.9.0.100', gateway: '10.9.0.2', dns: '10.9.0.3' });
    for (const bad of ['10.0.2.0/25', '10.0.2.0', '300.1.1.0/24']) expect(() => parseSlirpOptions(`slirp4netns:cidr=${bad}`), bad).toThrow(/cidr=/);
  });
  it('writes hosts and resolv.conf', () => {
    expect(hostsFile('h', 'n', 'slirp4netns', [], { hostIp: '192.0.2.7' })).toContain('10.0.2.100\th n\n192.0.2.7\thost.containers.internal\n');
    expect(hostsFile('h', 'n', 'slirp4netns', [], { guest: '172.19.5.100', hostIp: '192.0.2.7' })).toContain('172.19.5.100\th n\n');
    // a pod member: the pod's hostname and infra name on the pod's address, the member itself 127.0.0.1
    expect(hostsFile('pod1', 'c1', 'slirp4netns', [], { hostIp: '192.0.2.7', podInfra: { hostname: 'pod1', name: 'pod1-infra' } }))
      .toContain('10.0.2.100\tpod1 pod1-infra\n127.0.0.1\tc1\n192.0.2.7\thost.containers.internal\n');
    const host = 'search example.com\nnameserver 127.0.0.53\nnameserver 192.0.2.1\n';
    expect(resolvConf('slirp4netns', host)).toBe('search example.com\nnameserver 10.0.2.3\n');
    expect(resolvConf('slirp4netns', host, undefined, '172.19.5.3')).toBe('search example.com\nnameserver 172.19.5.3\n');
    expect(resolvConf('none', host)).toBe('search example.com\nnameserver 192.0.2.1\n');
  });
});

describe('launch plan', () => {
  it('escapes values so one plan line stays one line', () => {
    expect(escapeField('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
    const lines = planLines({
      mountProgram: undefined, lowerDirs: ['/l2', '/l1'], upperDir: '/u', workDir: '/w', mergedDir: '/m', network: 'none', slirpArgs: [], hostname: 'h',
      user: '0', cwd: '/', env: ['A=1'], argv: ['sh'], binds: [{ source: '/s', destination: '/d', readonly: true }], tmpfs: ['/t'],
      readOnly: false, tty: false, init: false, security: [['caps', '800405fb']], preserveFds: 0,
    });
    expect(lines).toContainEqual(['mode', 'native']);
    expect(lines.filter((l) => l[0] === 'lower')).toEqual([['lower', '/l2'], ['lower', '/l1']]);
    expect(lines).toContainEqual(['bind', '/s', '/d', 'ro']);
    expect(lines).toContainEqual(['caps', '800405fb']);
  });
});

describe('lifecycle parsing', async () => {
  const { parseFilters, parseLogLine, parseSince } = await import('../../lib/engine/containers.js');
  it('reads k8s-file log lines', () => {
    expect(parseLogLine('2026-11-25T04:00:00.123456789+00:00 stdout F hello world')).toEqual({ time: '2026-11-25T04:00:00.123456789+00:00', stream: 'stdout', partial: false, text: 'hello world' });
    expect(parseLogLine('2026-11-25T04:00:00.1+00:00 stderr P part')?.partial).toBe(true);
    expect(parseLogLine('garbage')).toBeUndefined();
  });
  it('parses --since as a duration or a time', () => {
    expect(parseSince('10s', 100_000)).toBe(90_000);
    expect(parseSince('2m', 1_000_000)).toBe(880_000);
    expect(parseSince('2026-11-25T00:00:00Z')).toBe(Date.parse('2026-11-25T00:00:00Z'));
    expect(() => parseSince('soon')).toThrow(/give a duration/);
  });
  it('filters ps by status, name, id and ancestor', () => {
    const c = { id: 'abc123', name: 'web-1', imageName: 'localhost/busybox:latest', imageId: 'sha256:feed', state: { status: 'exited' } } as never;
    const match = (spec: string) => parseFilters([spec])[0]!.match(c);
    expect([match('status=exited'), match('status=stopped'), match('status=running')]).toEqual([true, true, false]);
    expect([match('name=^web'), match('name=db'), match('id=abc'), match('ancestor=busybox'), match('ancestor=feed')]).toEqual([true, false, true, true, true]);
    expect(() => parseFilters(['color=red'])).toThrow(/^color is an invalid filter$/);
    expect(() => parseFilters(['status=sleeping'])).toThrow(/^unknown container state: sleeping: invalid argument$/);
  });
});

describe('attach detach keys', async () => {
  const { DetachScanner, parseDetachKeys } = await import('../../lib/engine/attach.js');
  it('parses podman\'s notation', () => {
    expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual([0x10, 0x11]);
    expect(parseDetachKeys('a,ctrl-[')).toEqual([0x61, 0x1b]);
    expect(parseDetachKeys('')).toEqual([]);
    expect(() => parseDetachKeys('ctrl-')).toThrow(/invalid detach key/);
  });
  it('detaches on the sequence, across chunks, and passes a broken sequence through', () => {
    const s = new DetachScanner([0x10, 0x11]);
    expect(s.feed(Buffer.from('ab\x10'))).toEqual({ pass: Buffer.from('ab'), detach: false });
    expect(s.feed(Buffer.from('\x11'))).toEqual({ pass: Buffer.from(''), detach: true });
    const t = new DetachScanner([0x10, 0x11]);
    expect(t.feed(Buffer.from('\x10x\x10\x10'))).toEqual({ pass: Buffer.from('\x10x\x10'), detach: false });
    expect(new DetachScanner([]).feed(Buffer.from('\x10\x11')).detach).toBe(false);
  });
});

describe('published ports', async () => {
  const { parsePublish, formatPorts } = await import('../../lib/network/ports.js');
  it('parses podman\'s -p forms', () => {
    expect(parsePublish('8080')).toEqual([{ hostIp: '0.0.0.0', hostPort: 0, containerPort: 8080, protocol: 'tcp' }]);
    expect(parsePublish('18080:80')).toEqual([{ hostIp: '0.0.0.0', hostPort: 18080, containerPort: 80, protocol: 'tcp' }]);
    expect(parsePublish('127.0.0.1:18080:80/udp')[0]).toEqual({ hostIp: '127.0.0.1', hostPort: 18080, containerPort: 80, protocol: 'udp' });
    expect(parsePublish('127.0.0.1::80')[0]!.hostPort).toBe(0);
    expect(parsePublish('8000-8002:9000-9002').map((p) => `${p.hostPort}>${p.containerPort}`)).toEqual(['8000>9000', '8001>9001', '8002>9002']);
    expect(formatPorts(parsePublish('127.0.0.1:18080:80'))).toEqual(['80/tcp -> 127.0.0.1:18080']);
  });
  it.each(['', '80/sctp', 'x:80', '1:2:3:4', '70000', '90-80', '8000-8001:80', 'host:1:2'])('refuses %j', (spec) => {
    expect(() => parsePublish(spec)).toThrow();
  });
});

describe('missing prerequisites name the fix', async () => {
  const { checkIdMapTool } = await import('../../lib/runtime/idmap.js');
  const { slirpProgram, checkTun } = await import('../../lib/network/slirp.js');
  it('newuidmap, slirp4netns, /dev/net/tun', () => {
    expect(() => checkIdMapTool('newuidmap', ['/nonexistent'])).toThrow(/newuidmap is not installed.*apt-get install uidmap/);
    expect(() => slirpProgram(['/nonexistent/slirp4netns'])).toThrow(/slirp4netns is not installed.*--network none/);
    expect(() => checkTun('/nonexistent/tun')).toThrow(/chmod 666 \/dev\/net\/tun/);
    expect(checkIdMapTool('newuidmap')).toMatch(/newuidmap$/); // installed on the test machine
  });
});

describe('containers.conf [containers]', () => {
  it('reads the /etc keys, CONTAINERS_CONF alone when set, and refuses a wrong type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-cc-'));
    const f = join(dir, 'containers.conf');
    writeFileSync(f, '[containers]\n  dns_searches = ["example.com"]\n  dns_servers = ["1.1.1.1", "100.100.100.100"]\n  dns_options = ["ndots:2"]\n'
      + '  base_hosts_file = "/x/hosts"\n  host_containers_internal_ip = "10.1.2.3"\n  no_hosts = false\n[engine]\n  whatever = 1\n');
    expect(readContainersConf({ CONTAINERS_CONF: f })).toEqual({ dnsServers: ['1.1.1.1', '100.100.100.100'], dnsSearches: ['example.com'], dnsOptions: ['ndots:2'],
      baseHostsFile: '/x/hosts', hostContainersInternalIp: '10.1.2.3', noHosts: false });
    expect(readContainersConf({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'none') })).toEqual({});
    expect(() => readContainersConf({ CONTAINERS_CONF: join(dir, 'missing.conf') })).toThrow(/CONTAINERS_CONF names/);
    writeFileSync(f, '[containers]\ndns_servers = "1.1.1.1"\n');
    expect(() => readContainersConf({ CONTAINERS_CONF: f })).toThrow('dns_servers must be a list of strings');
    rmSync(dir, { recursive: true, force: true });
  });
  it('puts base_hosts_file entries after --add-host, and leaves out the container\'s line when one names its hostname', () => {
    const base = baseHostsEntries('# c\n10.1.1.1 one\n\n10.2.2.2  two two.alias #some comment\n');
    expect(base).toEqual(['10.1.1.1\tone', '10.2.2.2\ttwo two.alias']);
    const t = hostsFile('h', 'n', 'slirp4netns', [{ host: 'x', ip: '10.9.9.9' }], { base, hostIp: '10.3.3.3' }).split('\n').filter(Boolean);
    expect(t).toEqual(['10.9.9.9\tx', '10.1.1.1\tone', '10.2.2.2\ttwo two.alias', expect.stringMatching(/^127\.0\.0\.1\tlocalhost/), expect.stringMatching(/^::1\tlocalhost/),
      '10.0.2.100\th n', '10.3.3.3\thost.containers.internal']);
    expect(hostsFile('one', 'one', 'slirp4netns', [], { base, hostIp: '10.3.3.3' }).split('\n').filter(Boolean)).toHaveLength(5);
  });
});
