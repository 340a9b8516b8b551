// User-defined networks as a podman user drives them: network create/ls/inspect/rm/prune/exists,
// containers finding each other by name, alias and short id, two networks isolated, TCP and UDP published,
// connect/disconnect of a running container, -p into a container on a network, nothing left after
// the last container, and kill -9 of the namespace holder repaired. Budget: about 90 s.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor, httpGet, udpRoundTrip } from './helpers.js';
import { namedProcesses } from './procs.js';

const runtimeDir = () => join(inject('tspodEnv').XDG_RUNTIME_DIR ?? `/tmp/tspod-run-${process.getuid!()}`, 'tspod');
const netnsState = () => join(runtimeDir(), 'netns', 'state.json');
const netHelpers = ['tspod-netns', 'tspod-dns', 'slirp4netns'];

async function cleanAll(): Promise<void> {
  await tspod(['rm', '-a', '-f']);
  const nets = (await tspod(['network', 'ls', '-q'])).stdout.split('\n').filter((n) => n && n !== 'podman');
  if (nets.length) await tspod(['network', 'rm', '-f', ...nets]);
}

beforeAll(cleanAll);
afterAll(cleanAll);

describe('network commands', () => {
  afterEach(cleanAll);

  it('creates, lists, inspects in podman\'s shape, tells existence by exit code and removes', async () => {
    const c = await tspod(['network', 'create', '--label', 'app=web', 'front']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toBe('front');
    const [n] = JSON.parse((await tspod(['network', 'inspect', 'front'])).stdout);
    expect(n).toMatchObject({ name: 'front', driver: 'bridge', network_interface: 'podman1', subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }],
      ipv6_enabled: false, internal: false, dns_enabled: true, labels: { app: 'web' }, ipam_options: { driver: 'host-local' } });
    expect(n.id).toMatch(/^[0-9a-f]{64}$/);
    const dup = await tspod(['network', 'create', 'front']);
    expect([dup.exitCode, dup.stderr]).toEqual([125, 'Error: network name front already used: network already exists']);
    const internal = await tspod(['network', 'create', '--internal', '--disable-dns', '--subnet', '10.99.0.0/24', '--gateway', '10.99.0.5', 'back']);
    expect(internal.exitCode, internal.stderr).toBe(0);
    expect((await tspod(['network', 'inspect', '--format', '{{.Name}} {{.Internal}} {{.DNSEnabled}} {{.NetworkInterface}}', 'back'])).stdout).toBe('back true false podman2');
    const ls = await tspod(['network', 'ls']);
    expect(ls.stdout.split('\n')[0]).toBe('NETWORK ID    NAME        DRIVER');
    expect(ls.stdout).toContain('2f259bab93aa  podman      bridge');
    expect((await tspod(['network', 'ls', '--filter', 'label=app=web', '--format', '{{.Name}}'])).stdout).toBe('front');
    expect((await tspod(['network', 'exists', 'front'])).exitCode).toBe(0);
    expect((await tspod(['network', 'exists', 'nope'])).exitCode).toBe(1);
    const missing = await tspod(['network', 'rm', 'nope']);
    expect([missing.exitCode, missing.stderr]).toEqual([1, 'Error: unable to find network with name or ID nope: network not found']);
    const dflt = await tspod(['network', 'rm', 'podman']);
    expect([dflt.exitCode, dflt.stderr]).toEqual([125, 'Error: default network podman cannot be removed']);
    expect((await tspod(['network', 'create', '--subnet', '10.99.0.0/16', 'clash'])).stderr).toBe('Error: subnet 10.99.0.0/16 is already used on the host or by another config');
    // a container on a network keeps it from being removed, unless -f
    expect((await tspod(['create', '--network', 'front', '--name', 'c1', 'busybox', 'true'])).exitCode).toBe(0);
    const busy = await tspod(['network', 'rm', 'front']);
    expect([busy.exitCode, busy.stderr]).toEqual([2, 'Error: "front" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used']);
    expect((await tspod(['network', 'prune', '-f'])).stdout).toBe('back');
    const forced = await tspod(['network', 'rm', '-f', 'front']);
    expect([forced.exitCode, forced.stdout]).toEqual([0, 'front']);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
    const unknown = await tspod(['run', '--rm', '--network', 'nosuch', 'busybox', 'true']);
    expect([unknown.exitCode, unknown.stderr]).toEqual([125, 'Error: unable to find network with name or ID nosuch: network not found']);
  });

  it('connects and disconnects a stopped container (recorded for its next start)', async () => {
    await tspod(['network', 'create', 'a']);
    await tspod(['network', 'create', 'b']);
    expect((await tspod(['create', '--network', 'a', '--name', 'c', 'busybox', 'true'])).exitCode).toBe(0);
    const con = await tspod(['network', 'connect', '--alias', 'extra', 'b', 'c']);
    expect(con.exitCode, con.stderr).toBe(0);
    expect((await tspod(['network', 'rm', 'b'])).exitCode).toBe(2);
    const slirp = await tspod(['create', '--name', 's', 'busybox', 'true']);
    expect(slirp.exitCode).toBe(0);
    expect((await tspod(['network', 'connect', 'b', 's'])).stderr).toBe('Error: "slirp4netns" is not supported: invalid network mode');
    expect((await tspod(['network', 'disconnect', 'b', 'c'])).exitCode).toBe(0);
    expect((await tspod(['network', 'disconnect', 'b', 'c'])).stderr).toMatch(/^Error: container [0-9a-f]{64} is not connected to network b$/);
    expect((await tspod(['network', 'rm', 'b'])).exitCode).toBe(0);
  });
});

const serve = (text: string, port = 8080) => `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${port} -h /www`;

describe('containers on user-defined networks', () => {
  afterEach(async () => {
    await cleanAll();
    // the namespace and its helpers stop with the last container
    expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor', ...netHelpers]).length === 0 && namedProcesses('tspod-netns').length === 0, 10_000)).toBe(true);
    expect(existsSync(netnsState())).toBe(false);
    expect(storeMounts()).toEqual([]);
  });

  it('reach each other by name, alias and short id; /etc/hosts and resolv.conf as podman writes them', async () => {
    expect((await tspod(['network', 'create', 'app'])).exitCode).toBe(0);
    const web = await tspod(['run', '-d', '--network', 'app', '--network-alias', 'www', '--name', 'web', 'busybox', 'sh', '-c', serve('hello-web')]);
    expect(web.exitCode, web.stderr).toBe(0);
    const short = web.stdout.trim().slice(0, 12);
    const [insp] = JSON.parse((await tspod(['inspect', 'web'])).stdout);
    expect(insp.HostConfig.NetworkMode).toBe('bridge');
    expect(insp.NetworkSettings.Networks.app.IPAddress).toMatch(/^10\.89\.0\.\d+$/);
    expect(insp.NetworkSettings.Networks.app.Aliases).toEqual(['www', short]);
    expect((await tspod(['ps', '--filter', 'network=app', '--format', '{{.Names}}'])).stdout).toBe('web');
    const r = await tspod(['run', '--rm', '--network', 'app', '--name', 'client', 'busybox', 'sh', '-c',
      `for h in web www ${short}; do n=0; until timeout 3 wget -q -O - http://$h:8080/ || [ $n -ge 20 ]; do n=$((n+1)); sleep 0.2; done; done; `
      + 'echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hosts; ip -4 -o addr show eth0; ip -o link show lo']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [out, resolv, hosts] = r.stdout.split('---\n');
    expect(out).toBe('hello-web\nhello-web\nhello-web\n');
    expect(resolv!.split('\n')[0]).toMatch(/^search dns\.podman\b/);
    expect(resolv).toContain('nameserver 10.89.0.1\n');
    expect(hosts).toMatch(/^127\.0\.0\.1\tlocalhost/);
    const ip = /inet (10\.89\.0\.\d+)\/24/.exec(hosts!)![1];
    expect(hosts).toContain(`${ip}\t`);
    expect(hosts).toMatch(/ client\n/);
    expect(hosts).toMatch(/<LOOPBACK,UP/);
    // --dns and --add-host are kept on a user network
    const fixed = await tspod(['run', '--rm', '--network', 'app', '--dns', '10.0.2.3', '--add-host', 'extra:10.1.2.3', 'busybox', 'sh', '-c', 'grep nameserver /etc/resolv.conf; grep extra /etc/hosts']);
    expect(fixed.stdout).toBe('nameserver 10.0.2.3\n10.1.2.3\textra');
    // an unknown name is forwarded upstream: the answer is no address, not a hang
    const nx = await tspod(['run', '--rm', '--network', 'app', 'busybox', 'sh', '-c', 'timeout 10 nslookup no-such-host.invalid 10.89.0.1 >/dev/null 2>&1; echo $?']);
    expect(nx.stdout).toBe('1');
  });

  it('a pod joins a network: its members are reached by the pod\'s name and see its resolv.conf', async () => {
    await tspod(['network', 'create', 'pods']);
    const pc = await tspod(['pod', 'create', '--network', 'pods', '--name', 'pp']);
    expect(pc.exitCode, pc.stderr).toBe(0);
    const m = await tspod(['run', '-d', '--pod', 'pp', '--name', 'member', 'busybox', 'sh', '-c', serve('in-pod')]);
    expect(m.exitCode, m.stderr).toBe(0);
    expect((await tspod(['exec', 'member', 'sh', '-c', 'head -1 /etc/resolv.conf'])).stdout).toMatch(/^search dns\.podman/);
    const r = await tspod(['run', '--rm', '--network', 'pods', 'busybox', 'sh', '-c', 'n=0; until timeout 3 wget -q -O - http://pp:8080/ || [ $n -ge 20 ]; do n=$((n+1)); sleep 0.2; done']);
    expect(r.stdout).toBe('in-pod');
    const bad = await tspod(['run', '--rm', '--pod', 'pp', '--network', 'pods', 'busybox', 'true']);
    expect([bad.exitCode, bad.stderr]).toEqual([125, 'Error: a container in a pod shares the pod\'s network: give --network to `tspod pod create`']);
    expect((await tspod(['pod', 'rm', '-f', 'pp'])).exitCode).toBe(0);
  });

  it('keeps two networks apart; --internal has no way out; connect and disconnect a running container', async () => {
    await tspod(['network', 'create', 'red']);
    await tspod(['network', 'create', 'blue']);
    await tspod(['network', 'create', '--internal', 'closed']);
    expect((await tspod(['run', '-d', '--network', 'red', '--name', 'srv', 'busybox', 'sh', '-c', serve('red')])).exitCode).toBe(0);
    const [srvIp] = (await tspod(['exec', 'srv', 'sh', '-c', 'ip -4 -o addr show eth0'])).stdout.match(/10\.89\.\d+\.\d+/)!;
    const fromBlue = await tspod(['run', '--rm', '--network', 'blue', 'busybox', 'sh', '-c', `timeout 3 wget -q -O - http://${srvIp}:8080/ || echo unreachable; nslookup srv >/dev/null 2>&1 || echo no-name`]);
    expect(fromBlue.stdout).toBe('unreachable\nno-name');
    // the internal network reaches no gateway but its own, and nothing outside
    const closed = await tspod(['run', '--rm', '--network', 'closed', 'busybox', 'sh', '-c', `ip route | grep -c default; ip route add default via 10.89.2.1; timeout 3 wget -q -O - http://${srvIp}:8080/ || echo unreachable`]);
    expect(closed.stdout).toBe('0\nunreachable');
    // connect: a running client on blue joins red and then reaches srv by name
    expect((await tspod(['run', '-d', '--network', 'blue', '--name', 'cli', 'busybox', 'sleep', '60'])).exitCode).toBe(0);
    const con = await tspod(['network', 'connect', '--alias', 'cli2', 'red', 'cli']);
    expect(con.exitCode, con.stderr).toBe(0);
    expect((await tspod(['exec', 'cli', 'timeout', '3', 'wget', '-q', '-O', '-', 'http://srv:8080/'])).stdout).toBe('red');
    expect((await tspod(['exec', 'srv', 'sh', '-c', 'nslookup cli2 | tail -n +3 | grep -c Address'])).stdout).toBe('1');
    const dis = await tspod(['network', 'disconnect', 'red', 'cli']);
    expect(dis.exitCode, dis.stderr).toBe(0);
    expect((await tspod(['exec', 'cli', 'sh', '-c', 'ip -o link | grep -c eth1; timeout 3 wget -q -O - http://srv:8080/ || echo gone'])).stdout).toBe('0\ngone');
    // /etc/hosts follows connect and disconnect: off its only network srv has no line of its own, back on it has one
    expect((await tspod(['network', 'disconnect', 'red', 'srv'])).exitCode).toBe(0);
    const off = (await tspod(['exec', 'srv', 'cat', '/etc/hosts'])).stdout;
    expect(off).not.toContain(srvIp);
    expect(off).not.toMatch(/ srv$/m);
    expect((await tspod(['network', 'connect', 'red', 'srv'])).exitCode).toBe(0);
    expect((await tspod(['exec', 'srv', 'cat', '/etc/hosts'])).stdout).toMatch(/^10\.89\.\d+\.\d+\t\S+ srv$/m);
  });

  it('publishes a port of a container on a network; kill -9 of the namespace holder is repaired by the next run and by network reload', async () => {
    await tspod(['network', 'create', 'pub']);
    const r = await tspod(['run', '-d', '--network', 'pub', '--name', 'site', '-p', '127.0.0.1:18093:8080', 'busybox', 'sh', '-c', serve('published')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await waitFor(async () => (await httpGet(18093)) === 'published\n', 10_000)).toBe(true);
    // a reload of a container whose namespace is well replaces its forwards (podman's system test does this)
    const healthy = await tspod(['network', 'reload', 'site']);
    expect(healthy.exitCode, healthy.stderr).toBe(0);
    expect(await httpGet(18093)).toBe('published\n');
    // disconnected from its network and connected again, its published port reaches it again
    expect((await tspod(['network', 'disconnect', 'pub', 'site'])).exitCode).toBe(0);
    const back = await tspod(['network', 'connect', 'pub', 'site']);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await waitFor(async () => (await httpGet(18093).catch(() => '')) === 'published\n', 10_000)).toBe(true);
    // the address has its broadcast, as netavark sets it
    expect((await tspod(['exec', 'site', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout).toMatch(/inet 10\.89\.\d+\.\d+\/24 brd 10\.89\.\d+\.255 /);
    const u = await tspod(['run', '-d', '--network', 'pub', '--name', 'udp', '-p', '127.0.0.1:18094:9999/udp', 'probe', 'probe', 'udp-echo', '9999']);
    expect(u.exitCode, u.stderr).toBe(0);
    expect(await waitFor(async () => (await udpRoundTrip(18094)) === 'ping-udp', 10_000)).toBe(true);
    await tspod(['rm', '-f', 'udp']);
    // the holder dies: slirp4netns and tspod-dns go with it
    const { holderPid } = JSON.parse(readFileSync(netnsState(), 'utf8')) as { holderPid: number };
    process.kill(holderPid, 'SIGKILL');
    expect(await waitFor(() => namedProcesses('tspod-dns').length === 0 && userProcesses(['slirp4netns']).length === 0, 10_000)).toBe(true);
    const insp = await tspod(['network', 'inspect', '--format', '{{.Name}}', 'pub']);
    expect(insp.stderr).toContain('network reload');
    expect((await tspod(['ps'])).stderr).toBe('WARN[0000] the rootless network namespace that connected site died: run `tspod network reload --all` to connect it again');
    // a new container gets a fresh namespace at once
    const again = await tspod(['run', '--rm', '--network', 'pub', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0 | grep -c 10.89']);
    expect([again.exitCode, again.stdout]).toEqual([0, '1']);
    // network reload wires the running one again, its port too
    const rl = await tspod(['network', 'reload', 'site']);
    expect(rl.exitCode, rl.stderr).toBe(0);
    expect(await waitFor(async () => (await httpGet(18093)) === 'published\n', 10_000)).toBe(true);
    expect((await tspod(['run', '--rm', '--network', 'pub', 'busybox', 'timeout', '3', 'wget', '-q', '-O', '-', 'http://site:8080/'])).stdout).toBe('published');
  });
});
