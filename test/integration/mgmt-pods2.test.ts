// Pods as podman's system tests see them: a pod on the host's network, pod inspect's .ID
// fields, pod ps --format, podman's words for an infra container and its name, play kube's
// exit policy. Budget: about 10 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tspod } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tspod-pods2-'));
afterAll(async () => {
  await tspod(['pod', 'rm', '-f', '-t', '0', 'hostpod', 'idpod', 'idpod2', 'kubexit-pod', 'infrapod']);
  rmSync(dir, { recursive: true, force: true });
});

describe('pods (podman system test behaviours)', () => {
  it('pod create --network host: HostNetwork true, members on the host\'s network', async () => {
    const p = await tspod(['pod', 'create', '--share', 'net', '--network', 'host', 'hostpod']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect((await tspod(['pod', 'inspect', 'hostpod', '--format', '{{.InfraConfig.HostNetwork}}'])).stdout).toBe('true');
    const host = Object.keys(networkInterfaces()).find((n) => n !== 'lo');
    const r = await tspod(['run', '--rm', '--pod', 'hostpod', 'busybox', 'cat', '/proc/net/dev']);
    expect(r.exitCode, r.stderr).toBe(0);
    if (host) expect(r.stdout).toContain(`${host}:`);
    // a default pod is not on the host's network
    expect((await tspod(['pod', 'create', 'idpod'])).exitCode).toBe(0);
    expect((await tspod(['pod', 'inspect', 'idpod', '--format', '{{.InfraConfig.HostNetwork}}'])).stdout).toBe('false');
  });

  it('pod inspect {{.ID}} and {{(index .Containers 0).ID}}; pod ps --format fields', async () => {
    const id = (await tspod(['pod', 'inspect', 'idpod', '--format', '{{.Id}}'])).stdout;
    const infra = (await tspod(['pod', 'inspect', 'idpod', '--format', '{{.InfraContainerID}}'])).stdout;
    expect((await tspod(['pod', 'inspect', 'idpod', '--format', '{{.ID}} {{(index .Containers 0).ID}}'])).stdout).toBe(`${id} ${infra}`);
    const ps = await tspod(['pod', 'ps', '--filter', 'name=^idpod$', '--format', '{{.ID}} {{.Name}} {{.NumberOfContainers}} {{.ContainerNames}} {{.InfraID}}']);
    expect(ps.stdout).toBe(`${id.slice(0, 12)} idpod 1 ${id.slice(0, 12)}-infra ${infra.slice(0, 12)}`);
    const table = await tspod(['pod', 'ps', '--filter', 'name=^idpod$', '--format', 'table {{.Name}} {{.Status}}']);
    expect(table.stdout.split('\n')).toEqual([expect.stringMatching(/^NAME +STATUS$/), expect.stringMatching(/^idpod +Created$/)]);
  });

  it('podman\'s words: removing an infra container; an --infra-name in use', async () => {
    const infra = (await tspod(['pod', 'inspect', 'idpod', '--format', '{{.InfraContainerID}}'])).stdout;
    const id = (await tspod(['pod', 'inspect', 'idpod', '--format', '{{.Id}}'])).stdout;
    const rm = await tspod(['container', 'rm', infra]);
    expect(rm.exitCode).toBe(125);
    expect(rm.stderr.split('\n')[0]).toBe(`Error: container ${infra} is the infra container of pod ${id} and cannot be removed without removing the pod`);
    const one = await tspod(['pod', 'create', '--infra-name', 'idpod2-infra', 'idpod2']);
    expect(one.exitCode, one.stderr).toBe(0);
    const taken = await tspod(['pod', 'create', '--infra-name', 'idpod2-infra']);
    expect(taken.exitCode).toBe(125);
    expect(taken.stderr).toMatch(/^Error: .*: the container name "idpod2-infra" is already in use by [0-9a-f]{64}\. You have to remove that container to be able to reuse that name: that name is already in use/);
  });

  it('--infra-image and --infra-command: the infra runs that image\'s command and holds the pod\'s namespaces', async () => {
    const c = await tspod(['pod', 'create', '--name', 'infrapod', '--hostname', 'infrahost', '-p', '80', '--infra-image', 'busybox', '--infra-command', '["/bin/sleep","600"]', '--infra-name', 'infrapod-holder']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stderr).toBe('');
    const infra = (await tspod(['pod', 'inspect', '--format', '{{(index .Containers 0).ID}}', 'infrapod'])).stdout;
    expect((await tspod(['inspect', '--format', '{{.Name}}|{{.Config.Entrypoint}}|{{.ImageName}}', infra])).stdout).toBe('infrapod-holder|/bin/sleep 600|localhost/busybox:latest');
    const r = await tspod(['run', '--rm', '--pod', 'infrapod', 'busybox', 'hostname']);
    expect([r.exitCode, r.stdout]).toEqual([0, 'infrahost']);
    expect((await tspod(['inspect', '--format', '{{.State.Status}}', infra])).stdout).toBe('running');
    // ps shows the pod's published port on its member too (as podman's)
    expect((await tspod(['run', '-d', '--pod', 'infrapod', '--name', 'infrapod-member', 'busybox', 'sleep', '60'])).exitCode).toBe(0);
    const ps = await tspod(['ps', '--filter', 'name=^infrapod-member$', '--format', '{{.Ports}}']);
    expect(ps.stdout).toMatch(/^0\.0\.0\.0:\d+->80\/tcp$/);
    // an image that cannot be had: nothing is left behind
    const bad = await tspod(['pod', 'create', '--name', 'badinfra', '--infra-image', 'localhost/no-such-image:1']);
    expect(bad.exitCode).toBe(125);
    expect((await tspod(['pod', 'exists', 'badinfra'])).exitCode).toBe(1);
  });

  it('play kube makes pods with exit policy stop', async () => {
    const file = join(dir, 'pod.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubexit-pod\nspec:\n  containers:\n  - name: ctr\n    image: busybox\n    command: ["true"]\n  restartPolicy: Never\n');
    const play = await tspod(['play', 'kube', file]);
    expect(play.exitCode, play.stderr).toBe(0);
    expect((await tspod(['pod', 'inspect', 'kubexit-pod', '--format', '{{.ExitPolicy}}'])).stdout).toBe('stop');
  });
});
