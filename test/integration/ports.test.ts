// Published ports through slirp4netns: TCP and UDP reach the container from
// the host's loopback; taken and privileged host ports are refused before
// anything starts; -P publishes what the image exposes.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { containerDirs, containerProcesses, storeMounts, tspod, userProcesses, waitFor, httpGet, udpRoundTrip } from './helpers.js';
import { namedProcesses } from './procs.js';
import { dockerArchive, rawTar } from './fixtures.js';

afterEach(async () => {
  await tspod(['rm', '-f', '-a']);
  expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor']).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

const serve = 'mkdir -p /www && echo hello-from-container > /www/index.html && exec httpd -f -p 8080 -h /www';

async function hostPort(ref: string, spec: string): Promise<number> {
  const line = (await tspod(['port', ref])).stdout.split('\n').find((l) => l.startsWith(spec))!;
  return Number(line.split(':').pop());
}

describe('-p', () => {
  it('forwards a TCP port: a server in the container answers on 127.0.0.1:HOSTPORT', async () => {
    const r = await tspod(['run', '-d', '--name', 'web', '-p', '127.0.0.1:18081:8080', 'busybox', 'sh', '-c', serve]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await tspod(['port', 'web'])).stdout).toBe('8080/tcp -> 127.0.0.1:18081');
    expect(await waitFor(async () => (await httpGet(18081).catch(() => '')) === 'hello-from-container\n', 10_000)).toBe(true);
    expect((await tspod(['ps', '--format', '{{.Ports}}'])).stdout).toBe('127.0.0.1:18081->8080/tcp');
    const [insp] = JSON.parse((await tspod(['inspect', 'web'])).stdout);
    expect(insp.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18081' }] });
  });

  it('forwards UDP through tspod\'s own forwarder (host loopback stays closed), and picks a free host port when none is given', async () => {
    const r = await tspod(['run', '-d', '--name', 'udp', '-p', '9999/udp', 'probe', 'probe', 'udp-echo', '9999']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', 'udp'])).stdout.includes('listening'))).toBe(true);
    const port = await hostPort('udp', '9999/udp');
    expect(port).toBeGreaterThan(1023);
    expect(namedProcesses('tspod-udpfwd').length).toBe(1);
    expect(await udpRoundTrip(port, 'ping-udp', '127.0.0.1', 5000)).toBe('ping-udp');
    // The probe answers once and exits: the forwarder goes with the container.
    expect(await waitFor(() => namedProcesses('tspod-udpfwd').length === 0, 5000)).toBe(true);
    await tspod(['rm', '-f', 'udp']);
  });

  it('forwards UDP through slirp4netns when host loopback is allowed', async () => {
    const r = await tspod(['run', '-d', '--name', 'udp2', '--network', 'slirp4netns:allow_host_loopback=true', '-p', '9999/udp', 'probe', 'probe', 'udp-echo', '9999']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['logs', 'udp2'])).stdout.includes('listening'))).toBe(true);
    expect(await udpRoundTrip(await hostPort('udp2', '9999/udp'), 'ping-udp', '127.0.0.1', 5000)).toBe('ping-udp');
    expect(namedProcesses('tspod-udpfwd').length).toBe(0);
  });

  it('refuses a host port in use and one below ip_unprivileged_port_start, leaving nothing behind', async () => {
    await tspod(['run', '-d', '--name', 'first', '-p', '18082:8080', 'busybox', 'sh', '-c', serve]);
    const before = containerDirs().length;
    const taken = await tspod(['run', '--rm', '-p', '18082:8080', 'busybox', 'true']);
    expect(taken.exitCode).toBe(126);
    expect(taken.stderr).toMatch(/host port 0\.0\.0\.0:18082\/tcp is already in use/);
    const low = await tspod(['run', '--rm', '-p', '80:8080', 'busybox', 'true']);
    expect(low.exitCode).toBe(125);
    expect(low.stderr).toMatch(/net\.ipv4\.ip_unprivileged_port_start/);
    expect(containerDirs().length).toBe(before);
    for (const bad of ['8080/sctp', 'a:b:c:d', '70000', '1000-1002:80-81']) {
      const r = await tspod(['run', '--rm', '-p', bad, 'busybox', 'true']);
      expect(r.exitCode, bad).toBe(125);
    }
    // podman's notice: the ports are dropped, the container runs
    const none = await tspod(['run', '--rm', '--network', 'none', '-p', '18083:80', 'busybox', 'echo', 'ran']);
    expect([none.exitCode, none.stderr, none.stdout]).toEqual([0, 'Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use', 'ran']);
  });

  it('-P publishes the ports the image exposes', async () => {
    const archive = dockerArchive('localhost/exposing:latest', [readFileSync(inject('tspodImages').layerTar), rawTar([{ path: 'etc/exposing', body: 'yes' }])], ['sh'], ['8080/tcp']);
    expect((await tspod(['load', '-i', archive])).exitCode).toBe(0);
    const r = await tspod(['run', '-d', '--name', 'auto', '-P', 'exposing', 'sh', '-c', serve]);
    expect(r.exitCode, r.stderr).toBe(0);
    const port = await hostPort('auto', '8080/tcp');
    expect(await waitFor(async () => (await httpGet(port).catch(() => '')) === 'hello-from-container\n', 10_000)).toBe(true);
  });
});
