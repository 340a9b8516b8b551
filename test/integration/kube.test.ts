// generate kube / play kube: a pod described as Kubernetes YAML (checked against
// the schema of the fields tspod writes), removed, and played back to an
// equivalent pod; Deployments; --down; what play refuses.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { containerProcesses, storeMounts, tspod, userProcesses, waitFor } from './helpers.js';
import { freePort } from './registries.js';

afterEach(async () => {
  expect(await waitFor(() => userProcesses(containerProcesses).length === 0, 10_000)).toBe(true);
  expect(storeMounts()).toEqual([]);
});

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The Kubernetes v1 Pod schema, for the fields tspod writes: a list of what does not fit. */
function podSchemaErrors(doc: Record<string, any>): string[] {
  const errs: string[] = [];
  const need = (ok: boolean, what: string) => ok || errs.push(what);
  need(doc.apiVersion === 'v1', 'apiVersion v1');
  need(doc.kind === 'Pod', 'kind Pod');
  need(typeof doc.metadata?.name === 'string' && dnsLabel.test(doc.metadata.name), 'metadata.name a DNS label');
  const spec = doc.spec ?? {};
  need(spec.hostname === undefined || dnsLabel.test(spec.hostname), 'spec.hostname a DNS label');
  need(['Always', 'OnFailure', 'Never', undefined].includes(spec.restartPolicy), 'spec.restartPolicy');
  const volumes = new Set<string>();
  for (const v of spec.volumes ?? []) {
    need(typeof v.name === 'string' && dnsLabel.test(v.name), `volume name ${v.name}`);
    need((v.hostPath && typeof v.hostPath.path === 'string' && ['Directory', 'File', 'DirectoryOrCreate', undefined].includes(v.hostPath.type)) || v.emptyDir !== undefined, `volume ${v.name} source`);
    volumes.add(v.name);
  }
  need(Array.isArray(spec.containers) && spec.containers.length > 0, 'spec.containers');
  for (const c of spec.containers ?? []) {
    need(typeof c.name === 'string' && dnsLabel.test(c.name), `container name ${c.name}`);
    need(typeof c.image === 'string' && c.image.length > 0, 'container image');
    need(c.command === undefined || (Array.isArray(c.command) && c.command.every((x: unknown) => typeof x === 'string')), 'command: strings');
    for (const e of c.env ?? []) need(typeof e.name === 'string' && typeof e.value === 'string', `env ${e.name}: strings`);
    for (const p of c.ports ?? []) {
      need(Number.isInteger(p.containerPort) && p.containerPort > 0 && p.containerPort < 65536, 'containerPort');
      need(p.hostPort === undefined || (Number.isInteger(p.hostPort) && p.hostPort > 0 && p.hostPort < 65536), 'hostPort');
      need(p.protocol === undefined || ['TCP', 'UDP', 'SCTP'].includes(p.protocol), 'protocol');
    }
    for (const m of c.volumeMounts ?? []) need(volumes.has(m.name) && typeof m.mountPath === 'string' && m.mountPath.startsWith('/'), `volumeMount ${m.name}`);
  }
  return errs;
}

describe('generate kube / play kube', () => {
  it('round trip: a pod with a server (env, read-only hostPath, published port) comes back equivalent and serving', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tspod-kube-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'page'), 'from the host\n');
    expect((await tspod(['pod', 'create', '--name', 'kp', '-p', `${port}:8080`])).exitCode).toBe(0);
    const web = await tspod(['run', '-d', '--pod', 'kp', '--name', 'kp-web', '-e', 'MODE=prod', '-v', `${join(dir, 'data')}:/data:ro`,
      'busybox', 'httpd', '-f', '-p', '8080', '-h', '/data']);
    expect(web.exitCode, web.stderr).toBe(0);
    const gen = await tspod(['generate', 'kube', 'kp']);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const doc = parse(gen.stdout);
    expect(podSchemaErrors(doc)).toEqual([]);
    expect(doc.spec.containers[0]).toMatchObject({
      name: 'web', image: 'localhost/busybox:latest', command: ['httpd', '-f', '-p', '8080', '-h', '/data'],
      env: [{ name: 'MODE', value: 'prod' }], ports: [{ containerPort: 8080, hostPort: port }],
      volumeMounts: [{ mountPath: '/data', readOnly: true }],
    });
    const file = join(dir, 'kp.yaml');
    writeFileSync(file, gen.stdout);

    expect((await tspod(['pod', 'rm', '-f', 'kp'])).exitCode).toBe(0);
    const play = await tspod(['play', 'kube', file]);
    expect(play.exitCode, play.stderr).toBe(0);
    expect(play.stdout).toMatch(/^Pod:\n[0-9a-f]{64}\nContainers:\n[0-9a-f]{64}\s*$/);
    expect(await waitFor(async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/page`)).text()) === 'from the host\n';
      } catch {
        return false;
      }
    }, 10_000)).toBe(true);
    expect((await tspod(['exec', 'kp-web', 'sh', '-c', 'echo $MODE'])).stdout).toBe('prod');
    const again = parse((await tspod(['generate', 'kube', 'kp'])).stdout);
    expect(again.spec).toEqual(doc.spec);

    const exists = await tspod(['play', 'kube', file]);
    expect(exists.exitCode).toBe(125);
    expect(exists.stderr).toContain('pod kp already exists');
    const down = await tspod(['play', 'kube', '--down', file]);
    expect(down.exitCode).toBe(0);
    expect((await tspod(['pod', 'exists', 'kp'])).exitCode).toBe(1);
  });

  it('plays a Deployment (one replica, pod NAME-pod) with command, args and an emptyDir; refuses other kinds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-kube-'));
    const file = join(dir, 'deploy.yaml');
    writeFileSync(file, [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: worker', 'spec:', '  replicas: 3', '  template:', '    spec:',
      '      containers:', '        - name: job', '          image: busybox', '          command: ["sh", "-c"]',
      '          args: ["echo $GREETING > /scratch/out; exec sleep 100"]', '          env:', '            - name: GREETING', '              value: hello kube',
      '          volumeMounts:', '            - name: scratch', '              mountPath: /scratch', '      volumes:', '        - name: scratch', '          emptyDir: {}', '',
    ].join('\n'));
    const play = await tspod(['play', 'kube', file]);
    expect(play.exitCode, play.stderr).toBe(0);
    expect(await waitFor(async () => (await tspod(['exec', 'worker-pod-job', 'cat', '/scratch/out'])).stdout === 'hello kube', 10_000)).toBe(true);
    expect((await tspod(['exec', 'worker-pod-job', 'sh', '-c', 'grep " /scratch " /proc/mounts | cut -d" " -f3'])).stdout).toBe('tmpfs');
    expect((await tspod(['play', 'kube', '--down', file])).exitCode).toBe(0);

    const svc = join(dir, 'svc.yaml');
    writeFileSync(svc, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n');
    const r = await tspod(['play', 'kube', svc]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('kind Service is not supported (tspod plays Pod and Deployment)');
  });
});
