// Pods: containers sharing the infra's network, IPC and UTS namespaces.
import { afterEach, describe, expect, it } from 'vitest';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';
import { freePort } from './registries.js';

afterEach(async () => {
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

describe('pods', () => {
  it('two containers of a pod talk over localhost and share its hostname; the pod\'s port reaches them; stop and rm -f leave nothing', async () => {
    const port = await freePort();
    const create = await tspod(['pod', 'create', '--name', 'p1', '--hostname', 'podhost', '-p', `${port}:8080`]);
    expect(create.exitCode, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect((await tspod(['pod', 'ps', '--format', 'json'])).stdout).toContain('"Status": "Created"');

    const srv = await tspod(['run', '-d', '--pod', 'p1', '--name', 'p1-srv', 'busybox', 'sh', '-c', 'echo served-in-pod > /tmp/i && exec httpd -f -p 8080 -h /tmp']);
    expect(srv.exitCode, srv.stderr).toBe(0);
    const client = async () => tspod(['run', '--rm', '--pod', 'p1', 'busybox', 'sh', '-c', 'hostname; wget -qO- http://127.0.0.1:8080/i']);
    expect(await waitFor(async () => (await client()).stdout === 'podhost\nserved-in-pod', 10_000)).toBe(true);
    expect(await waitFor(async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/i`)).text()) === 'served-in-pod\n';
      } catch {
        return false;
      }
    }, 10_000)).toBe(true);

    const ps = await tspod(['ps', '--pod', '--filter', 'pod=p1', '--format', '{{.Names}} {{.PodName}}']);
    expect(ps.stdout.split('\n').sort()).toEqual([`${create.stdout.slice(0, 12)}-infra p1`, 'p1-srv p1']);
    const inspect = JSON.parse((await tspod(['pod', 'inspect', 'p1'])).stdout);
    expect(inspect).toMatchObject({ Name: 'p1', Hostname: 'podhost', State: 'Running', SharedNamespaces: ['ipc', 'net', 'uts'], NumContainers: 2 });
    expect(inspect.InfraContainerID).toMatch(/^[0-9a-f]{64}$/);
    const infraRm = await tspod(['rm', '-f', inspect.InfraContainerID]);
    expect(infraRm.stderr).toContain('and cannot be removed without removing the pod');
    expect(infraRm.stderr).toContain('`tspod pod rm p1`');

    const refused = await tspod(['pod', 'rm', 'p1']);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toContain('has running containers');
    expect((await tspod(['pod', 'stop', '-t', '1', 'p1'])).exitCode).toBe(0);
    expect((await tspod(['ps', '-a', '--filter', 'pod=p1', '--format', '{{.State}}'])).stdout.split('\n')).toEqual(['exited', 'exited']);
    // Started again as a whole, then removed running.
    expect((await tspod(['pod', 'start', 'p1'])).exitCode).toBe(0);
    expect(await waitFor(async () => (await client()).stdout === 'podhost\nserved-in-pod', 10_000)).toBe(true);
    expect((await tspod(['pod', 'rm', '-f', 'p1'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'exists', 'p1'])).exitCode).toBe(1);
    expect((await tspod(['ps', '-a', '--filter', 'pod=p1', '-q'])).stdout).toBe('');
  });

  it('--exit-policy=stop: the pod stops when its last container exits; --pod-id-file names it', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const idFile = join(mkdtempSync(join(tmpdir(), 'tspod-podid-')), 'pod-id');
    expect((await tspod(['pod', 'create', '--name', 'p3', '--exit-policy=stop', '--pod-id-file', idFile])).exitCode).toBe(0);
    const id = readFileSync(idFile, 'utf8');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await tspod(['run', '-d', '--pod-id-file', idFile, 'busybox', 'sleep', '1'])).exitCode).toBe(0);
    expect(JSON.parse((await tspod(['pod', 'inspect', 'p3'])).stdout).State).toBe('Running');
    expect(await waitFor(async () => JSON.parse((await tspod(['pod', 'inspect', 'p3'])).stdout).State === 'Exited', 15_000)).toBe(true);
    expect((await tspod(['pod', 'rm', '-f', '--pod-id-file', idFile])).exitCode).toBe(0);
    expect((await tspod(['pod', 'rm', '--ignore', '--pod-id-file', idFile])).exitCode).toBe(0);
    expect((await tspod(['pod', 'create', '--exit-policy', 'sometimes'])).stderr).toContain('running pod create option: invalid pod exit policy: "sometimes"');
  });

  it('pod top, logs, kill, restart and prune work on every container of the pod', async () => {
    expect((await tspod(['pod', 'create', '--name', 'p4'])).exitCode).toBe(0);
    await tspod(['run', '-d', '--pod', 'p4', '--name', 'p4-a', 'busybox', 'sh', '-c', 'echo from-a; exec sleep 100']);
    await tspod(['run', '-d', '--pod', 'p4', '--name', 'p4-b', 'busybox', 'sh', '-c', 'echo from-b; exec sleep 200']);
    const top = await tspod(['pod', 'top', 'p4']);
    expect(top.stdout).toMatch(/^USER\s+PID\s+PPID\s+%CPU\s+ELAPSED\s+TTY\s+TIME\s+COMMAND\s+NAME$/m);
    expect(top.stdout).toMatch(/sleep 100\s+p4-a$/m);
    expect(top.stdout).toMatch(/sleep 200\s+p4-b$/m);
    expect(await waitFor(async () => (await tspod(['pod', 'logs', 'p4'])).stdout.split('\n').length === 2)).toBe(true);
    expect((await tspod(['pod', 'logs', 'p4'])).stdout.split('\n').map((l) => l.replace(/^[0-9a-f]{12} /, '')).sort()).toEqual(['from-a', 'from-b']);
    expect((await tspod(['pod', 'kill', 'p4'])).exitCode).toBe(0);
    expect(await waitFor(async () => JSON.parse((await tspod(['pod', 'inspect', 'p4'])).stdout).State === 'Exited')).toBe(true);
    expect((await tspod(['pod', 'restart', 'p4'])).exitCode).toBe(0);
    expect(JSON.parse((await tspod(['pod', 'inspect', 'p4'])).stdout).State).toBe('Running');
    expect((await tspod(['pod', 'prune', '--force'])).stdout).toBe('');
    expect((await tspod(['pod', 'stop', '-t', '1', 'p4'])).exitCode).toBe(0);
    const pruned = await tspod(['pod', 'prune', '--force']);
    expect(pruned.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect((await tspod(['pod', 'exists', 'p4'])).exitCode).toBe(1);
  });

  it('--infra=false: a pod that only groups its containers (own networks, no ports); --infra-image is ignored with a word', async () => {
    const c = await tspod(['pod', 'create', '--name', 'p5', '--infra=false', '--infra-image', 'k8s.gcr.io/pause']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stderr).toContain('--infra-image k8s.gcr.io/pause is ignored');
    const inspect = JSON.parse((await tspod(['pod', 'inspect', 'p5'])).stdout);
    expect(inspect).toMatchObject({ CreateInfra: false, InfraContainerID: '', SharedNamespaces: [], NumberOfContainers: 0 });
    const r = await tspod(['run', '--rm', '--pod', 'p5', '--network', 'none', 'busybox', 'sh', '-c', 'hostname | grep -vx p5 >/dev/null && echo own-hostname']);
    expect(r.stdout).toBe('own-hostname');
    expect((await tspod(['pod', 'create', '--name', 'p6', '--infra=false', '-p', '8080'])).stderr).toContain('no network of its own to publish ports on');
    expect((await tspod(['pod', 'rm', '-f', 'p5'])).exitCode).toBe(0);
  });

  it('run --pod new:NAME makes the pod; a member cannot publish ports of its own; an unknown pod is named', async () => {
    const r = await tspod(['run', '--rm', '--pod', 'new:p2', 'busybox', 'hostname']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('p2');
    expect((await tspod(['pod', 'exists', 'p2'])).exitCode).toBe(0);
    const ports = await tspod(['run', '--rm', '--pod', 'p2', '-p', '8080', 'busybox', 'true']);
    expect(ports.stderr).toContain('publish ports on the pod');
    const unknown = await tspod(['run', '--rm', '--pod', 'no-such-pod', 'busybox', 'true']);
    expect(unknown.exitCode).toBe(125);
    expect(unknown.stderr).toContain('no pod with name or ID no-such-pod found: no such pod');
    expect((await tspod(['pod', 'rm', '-f', 'p2'])).exitCode).toBe(0);
  });
});
