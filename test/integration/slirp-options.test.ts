// slirp4netns's options as podman 4.3 takes them (--network slirp4netns:cidr=,port_handler=,...), and
// the /etc/hosts a container and a pod member get on slirp4netns. Budget: about 10 s.
import { afterEach, describe, expect, it } from 'vitest';
import { get } from 'node:http';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';

afterEach(async () => {
  await tspod(['pod', 'rm', '-f', '-a']);
  await tspod(['rm', '-f', '-a']);
  expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor']).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

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
});
