// slirp4netns's options as podman 4.3 takes them (--network slirp4netns:cidr=,port_handler=,...), the
// /etc/hosts a container and a pod member get on slirp4netns, and containers.conf's [containers]
// keys for the /etc files (CONTAINERS_CONF). Budget: about 15 s.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerProcesses, storeMounts, testEnv, tspod, userProcesses, waitFor, httpGet } from './helpers.js';

afterEach(async () => {
  await tspod(['pod', 'rm', '-f', '-a']);
  await tspod(['rm', '-f', '-a']);
  await tspod(['network', 'rm', '-f', 'ccnet']);
  expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor']).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

describe('slirp4netns options', () => {
  it('cidr= moves the container\'s address, its resolver and its /etc/hosts entry', async () => {
    const r = await tspod(['run', '--rm', '--name', 'c1', '--hostname', 'c1', '--network', 'slirp4netns:cidr=172.19.5.0/24', 'busybox',
      'sh', '-c', 'ip -4 -o addr show tap0; cat /etc/resolv.conf /etc/hosts']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/inet 172\.19\.5\.100\/24 /);
    expect(r.stdout).toMatch(/^nameserver 172\.19\.5\.3$/m);
    expect(r.stdout).toMatch(/^172\.19\.5\.100\tc1 c1$/m);
    const bad = await tspod(['run', '--rm', '--network', 'slirp4netns:cidr=172.19.5.0/28', 'busybox', 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('cidr=172.19.5.0/28');
  });

  it('port_handler=rootlesskit and =slirp4netns publish a port range as without it', async () => {
    for (const [handler, first] of [['rootlesskit', 18101], ['slirp4netns', 18111]] as const) {
      const range = `${first}-${first + 1}`;
      const serve = `mkdir -p /www && echo via-${handler} > /www/index.html && (httpd -p ${first} -h /www; exec httpd -f -p ${first + 1} -h /www)`;
      const r = await tspod(['run', '-d', '--network', `slirp4netns:port_handler=${handler}`, '-p', `${range}:${range}`, 'busybox', 'sh', '-c', serve]);
      expect(r.exitCode, r.stderr).toBe(0);
      for (const port of [first, first + 1]) {
        expect(await waitFor(async () => (await httpGet(port).catch(() => '')) === `via-${handler}\n`, 10_000), `${handler} ${port}`).toBe(true);
      }
    }
  });

  it('a pod member\'s /etc/hosts: the pod\'s hostname and infra name on its address, the member on 127.0.0.1', async () => {
    expect((await tspod(['pod', 'create', '--name', 'hp', '--infra-name', 'hp-infra'])).exitCode).toBe(0);
    const r = await tspod(['run', '--rm', '--pod', 'hp', '--name', 'hp-c1', 'busybox', 'cat', '/etc/hosts']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^10\.0\.2\.100\thp hp-infra$/m);
    expect(r.stdout).toMatch(/^127\.0\.0\.1\thp-c1$/m);
  });

  it('containers.conf: dns_servers, dns_searches and base_hosts_file, host_containers_internal_ip; the flags win', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-cc-'));
    try {
      writeFileSync(join(dir, 'hosts'), '172.18.1.1 basehost1\n172.18.2.2 basehost2 #a comment\n');
      writeFileSync(join(dir, 'containers.conf'), `[containers]\n  dns_searches = ["example.com"]\n  dns_servers = ["1.1.1.1", "100.100.100.100", "8.8.8.8"]\n`
        + `  base_hosts_file = "${join(dir, 'hosts')}"\n  host_containers_internal_ip = "172.18.9.9"\n`);
      const env = { env: { ...testEnv(), CONTAINERS_CONF: join(dir, 'containers.conf') } };
      const r = await tspod(['run', '--rm', '--add-host', 'added:172.18.3.3', 'busybox', 'cat', '/etc/resolv.conf', '/etc/hosts'], env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^search example\.com\nnameserver 1\.1\.1\.1\nnameserver 100\.100\.100\.100\nnameserver 8\.8\.8\.8\n/);
      const hosts = r.stdout.split('\n').filter((l) => /^\d|^::/.test(l) && !l.startsWith('nameserver'));
      expect(hosts.slice(0, 3)).toEqual(['172.18.3.3\tadded', '172.18.1.1\tbasehost1', '172.18.2.2\tbasehost2']);
      expect(hosts).toContain('172.18.9.9\thost.containers.internal');
      expect(hosts).toHaveLength(7);
      // a base entry naming the container's hostname stands for its own line
      const named = await tspod(['run', '--rm', '--name', 'basehost1', '--hostname', 'basehost1', 'busybox', 'cat', '/etc/hosts'], env);
      expect(named.stdout.split('\n').filter(Boolean)).toHaveLength(5);
      // on a user network the servers replace the network's resolver; --dns wins over the file
      expect((await tspod(['network', 'create', 'ccnet'])).exitCode).toBe(0);
      const onNet = await tspod(['run', '--rm', '--network', 'ccnet', 'busybox', 'cat', '/etc/resolv.conf'], env);
      expect(onNet.stdout).toBe('search example.com\nnameserver 1.1.1.1\nnameserver 100.100.100.100\nnameserver 8.8.8.8');
      const flag = await tspod(['run', '--rm', '--dns', '9.9.9.9', 'busybox', 'cat', '/etc/resolv.conf'], env);
      expect(flag.stdout).toBe('search example.com\nnameserver 9.9.9.9');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
