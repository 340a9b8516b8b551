// --network container:NAME|ID (issue 12), as podman 4.3 does it: the container joins the other's
// network namespace (same interfaces and addresses; a server there on 127.0.0.1 is reachable), uses
// its /etc/hosts (with its own line while it runs) and /etc/resolv.conf, keeps its own hostname, and
// has no network of its own; rm refuses the other container while it has dependents, rm --depend
// removes them first; a missing container is podman's error. ns:PATH joins a namespace of this
// user's containers; pod create, a non-member in a pod and --userns are refused. Nothing is left behind.
// Budget: about 30 s.
import { afterEach, describe, expect, it } from 'vitest';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';

afterEach(async () => {
  await tspod(['rm', '-f', '-a', '-t', '0']);
  expect(await waitFor(() => userProcesses([...containerProcesses, 'tspod-monitor', 'httpd']).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
  expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
});

const etc = 'cat /etc/hosts; echo ==; cat /etc/resolv.conf; echo ==; ip -o addr | sed "s/ valid_lft.*//"; echo ==; hostname';

describe('--network container:', () => {
  it('joins the other container\'s network: its server on 127.0.0.1, its interfaces, its /etc files', async () => {
    // a web server in X, on X's loopback only
    const x = await tspod(['run', '-d', '--name', 'netc-x', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', 'mkdir /www && echo served-by-x > /www/f && exec httpd -f -p 127.0.0.1:8080 -h /www']);
    expect(x.exitCode, x.stderr).toBe(0);
    const xid = x.stdout.trim();
    const y = await tspod(['run', '--rm', '--name', 'netc-y', '--net=container:netc-x', 'busybox', 'sh', '-c',
      `for i in $(seq 50); do wget -qO- http://127.0.0.1:8080/f && break; sleep 0.2; done; echo ==; ${etc}`]);
    expect(y.exitCode, y.stderr).toBe(0);
    const [served, yHosts, yResolv, yAddr, yHostname] = y.stdout.split('\n==\n');
    expect(served).toBe('served-by-x');
    const mine = await tspod(['exec', 'netc-x', 'sh', '-c', etc]);
    const [xHosts, xResolv, xAddr, xHostname] = mine.stdout.split('\n==\n');
    // the same interfaces and addresses (slirp4netns's tap0 of X), the same resolv.conf
    expect(yAddr).toBe(xAddr);
    expect(yAddr).toContain('tap0');
    expect(yResolv).toBe(xResolv);
    // X's /etc/hosts, with Y's own line while Y ran (podman's), gone once Y exited
    expect(yHosts).toMatch(new RegExp(`^${xHosts!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n127\\.0\\.0\\.1\\t${yHostname} netc-y$`));
    expect(xHosts).not.toContain('netc-y');
    // its own hostname, not X's
    expect(yHostname).toMatch(/^[0-9a-f]{12}$/);
    expect(yHostname).not.toBe(xHostname);
    // one slirp4netns: X's (Y has no network of its own)
    expect(userProcesses(['slirp4netns']).length).toBe(1);

    // inspect: NetworkMode names X by its full id; NetworkSettings are X's (its published port too), as podman's
    const made = await tspod(['create', '--name', 'netc-z', '--network', 'container:netc-x', 'busybox', 'true']);
    expect(made.exitCode, made.stderr).toBe(0);
    const ins = await tspod(['inspect', 'netc-z', '--format', '{{.HostConfig.NetworkMode}} {{json .NetworkSettings}} {{json .HostConfig.PortBindings}}']);
    const xNet = (await tspod(['inspect', 'netc-x', '--format', '{{json .NetworkSettings}}'])).stdout;
    expect(xNet).toContain('"80/tcp"');
    expect(ins.stdout).toBe(`container:${xid} ${xNet} {}`);
  });

  it('starts the other container first; -p is discarded with podman\'s notice; a missing one is podman\'s error', async () => {
    expect((await tspod(['create', '--name', 'netc-x', '--network', 'none', 'busybox', 'sleep', '600'])).exitCode).toBe(0);
    const y = await tspod(['run', '--rm', '-p', '8080:80', '--network', 'container:netc-x', 'busybox', 'sh', '-c', 'ip -o link | cut -d: -f2']);
    expect([y.exitCode, y.stdout.trim()], y.stderr).toEqual([0, 'lo']);
    expect(y.stderr).toBe('Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use');
    expect((await tspod(['inspect', 'netc-x', '--format', '{{.State.Status}}'])).stdout).toBe('running');

    for (const flag of [['--network', 'container:netc-nope'], ['--net=container:netc-nope']]) {
      const missing = await tspod(['create', ...flag, 'busybox', 'true']);
      expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: looking up container to share net namespace with: no container with name or ID "netc-nope" found: no such container']);
    }
  });

  it('rm refuses a container with dependents (podman\'s words); rm --depend removes them, then it', async () => {
    const x = await tspod(['create', '--name', 'netc-x', 'busybox', 'sleep', '600']);
    const xid = x.stdout.trim();
    const y = await tspod(['create', '--network', 'container:netc-x', 'busybox', 'true']);
    const z = await tspod(['create', '--network', `container:${xid.slice(0, 12)}`, 'busybox', 'true']);
    const deps = [y.stdout.trim(), z.stdout.trim()].sort();
    for (const args of [['rm', 'netc-x'], ['rm', '-f', 'netc-x']]) {
      const r = await tspod(args);
      expect(r.exitCode).toBe(125);
      expect(r.stderr.split('\n')[0]).toBe(`Error: container ${xid} has dependent containers which must be removed before it: ${deps.join(', ')}: container already exists`);
    }
    expect((await tspod(['ps', '-a', '-q'])).stdout.split('\n').length).toBe(3);
    const r = await tspod(['rm', '--depend', 'netc-x']);
    expect([r.exitCode, r.stdout], r.stderr).toEqual([0, [...deps, xid].join('\n')]);
    expect((await tspod(['ps', '-a', '-q'])).stdout).toBe('');
  });

  it('ns:PATH joins a namespace of this user\'s containers; pods and --userns are refused as podman', async () => {
    const x = await tspod(['run', '-d', '--name', 'netc-x', '--network', 'none', 'busybox', 'sleep', '600']);
    expect(x.exitCode, x.stderr).toBe(0);
    const pid = (await tspod(['inspect', 'netc-x', '--format', '{{.State.Pid}}'])).stdout;
    const theirs = (await tspod(['exec', 'netc-x', 'readlink', '/proc/self/ns/net'])).stdout;
    const viaPath = await tspod(['run', '--rm', '--network', `ns:/proc/${pid}/ns/net`, 'busybox', 'readlink', '/proc/self/ns/net']);
    expect([viaPath.exitCode, viaPath.stdout], viaPath.stderr).toEqual([0, theirs]);
    const viaName = await tspod(['run', '--rm', '--network', 'container:netc-x', 'busybox', 'readlink', '/proc/self/ns/net']);
    expect(viaName.stdout).toBe(theirs);
    const gone = await tspod(['create', '--network', 'ns:/netc-nonexistent', 'busybox', 'true']);
    expect([gone.exitCode, gone.stderr]).toEqual([125, 'Error: cannot find specified network namespace path: stat /netc-nonexistent: no such file or directory']);

    const pod = await tspod(['pod', 'create', '--name', 'netc-p', '--network', 'container:netc-x']);
    expect([pod.exitCode, pod.stderr.split('\n')[0]]).toEqual([125, 'Error: pods presently do not support network mode container']);
    expect((await tspod(['pod', 'create', '--name', 'netc-p'])).exitCode).toBe(0);
    const podId = (await tspod(['pod', 'inspect', 'netc-p', '--format', '{{.ID}}'])).stdout;
    const outside = await tspod(['create', '--pod', 'netc-p', '--network', 'container:netc-x', 'busybox', 'true']);
    expect([outside.exitCode, outside.stderr]).toEqual([125, `Error: running container create option: container has joined pod ${podId} and dependency container ${x.stdout.trim()} is not a member of the pod: invalid argument`]);
    const keepId = await tspod(['create', '--userns', 'keep-id', '--network', 'container:netc-x', 'busybox', 'true']);
    expect(keepId.exitCode).toBe(125);
    expect(keepId.stderr).toMatch(/^Error: the user namespace options \(--userns keep-id\) cannot be combined with joining the namespaces of container netc-x/);
    await tspod(['pod', 'rm', '-f', 'netc-p']);
  });
});

describe('--pid, --ipc, --uts ns:PATH', () => {
  it('joins the namespaces at the paths (one of the user\'s containers\'); a missing path is podman\'s error; the host\'s is refused', async () => {
    const x = await tspod(['run', '-d', '--name', 'nsp-x', '--hostname', 'nsp-host', '--network', 'none', 'busybox', 'sleep', '100']);
    expect(x.exitCode, x.stderr).toBe(0);
    const pid = (await tspod(['inspect', '--format', '{{.State.Pid}}', 'nsp-x'])).stdout;
    const ns = 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname';
    const inX = (await tspod(['exec', 'nsp-x', 'sh', '-c', ns])).stdout.split('\n');
    const joined = await tspod(['run', '--rm', '--network', 'none', ...['pid', 'ipc', 'uts'].flatMap((k) => [`--${k}`, `ns:/proc/${pid}/ns/${k}`]), 'busybox', 'sh', '-c', `${ns}; ps -o comm | grep -c sleep`]);
    expect(joined.exitCode, joined.stderr).toBe(0);
    // the same three namespaces, X's hostname (its uts namespace), and X's sleep in sight (its pid namespace)
    expect(joined.stdout.split('\n')).toEqual([...inX, '1']);
    expect(inX[3]).toBe('nsp-host');
    const own = await tspod(['run', '--rm', '--network', 'none', '--ipc', `ns:/proc/${pid}/ns/ipc`, 'busybox', 'sh', '-c', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc']);
    const [ownPid, ownIpc] = own.stdout.split('\n');
    expect([ownPid === inX[0], ownIpc]).toEqual([false, inX[1]]); // only what was asked is joined
    const missing = await tspod(['run', '--rm', '--network', 'none', '--uts', 'ns:/no/such/ns', 'busybox', 'true']);
    expect([missing.exitCode, missing.stderr]).toEqual([125, 'Error: cannot find specified UTS namespace path: stat /no/such/ns: no such file or directory']);
    // the host's own namespace belongs to the host's user namespace: no rootless container joins it
    const host = await tspod(['run', '--rm', '--network', 'none', '--ipc', `ns:/proc/${process.pid}/ns/ipc`, 'busybox', 'true']);
    expect(host.exitCode).toBe(125);
    expect(host.stderr).toMatch(/namespace \/proc\/\d+\/ns\/ipc/);
  });
});

describe('what a joined container may not reach', () => {
  it('an orphan left in a joined pid namespace does not keep the container running; a FIFO as ns:PATH does not hang the start', async () => {
    expect((await tspod(['run', '-d', '--name', 'orph-x', '--network', 'none', 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    const y = await tspod(['run', '-d', '--name', 'orph-y', '--network', 'none', '--pid', 'container:orph-x', 'busybox', 'sh', '-c', 'sleep 300 & echo hi']);
    expect(y.exitCode, y.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['inspect', '--format', '{{.State.Status}}', 'orph-y'])).stdout === 'exited', 15_000)).toBe(true);
    expect((await tspod(['logs', 'orph-y'])).stdout).toBe('hi');
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const fifo = join(mkdtempSync(join(tmpdir(), 'tspod-fifo-')), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const f = await tspod(['run', '--rm', '--network', 'none', '--ipc', `ns:${fifo}`, 'busybox', 'true'], { timeout: 20_000 });
    expect(f.exitCode).toBe(125);
    expect(f.stderr).toContain(fifo);
  });

  it('a hosts file of the user\'s that the other container mounts read-only stays read-only and untouched', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const mine = join(mkdtempSync(join(tmpdir(), 'tspod-hosts-')), 'myhosts');
    writeFileSync(mine, '127.0.0.1 localhost mine\n');
    expect((await tspod(['run', '-d', '--name', 'hosts-h', '--network', 'none', '-v', `${mine}:/etc/hosts:ro`, 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    const y = await tspod(['run', '--rm', '--name', 'hosts-y', '--network', 'container:hosts-h', 'busybox', 'sh', '-c', 'cat /etc/hosts; echo INJECTED >> /etc/hosts && echo wrote']);
    expect(y.stdout).toBe('127.0.0.1 localhost mine');
    expect(y.stderr).toMatch(/Read-only file system/);
    expect(readFileSync(mine, 'utf8')).toBe('127.0.0.1 localhost mine\n');
  });

  it('a container with a user namespace of its own cannot be joined (its mapping would come along)', async () => {
    expect((await tspod(['run', '-d', '--name', 'keep-k', '--network', 'none', '--userns', 'keep-id', 'busybox', 'sleep', '1000'])).exitCode).toBe(0);
    const r = await tspod(['run', '--rm', '--network', 'container:keep-k', 'busybox', 'true']);
    expect([r.exitCode, r.stderr]).toEqual([125, expect.stringContaining('container keep-k runs in a user namespace of its own (--userns keep-id)')]);
  });
});
