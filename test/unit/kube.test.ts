// Kubernetes YAML in: what play kube takes from Pods and Deployments, and what it refuses.
import { describe, expect, it } from 'vitest';
import { parseKube, podDocument } from '../../lib/kube/kube.js';

describe('parseKube', () => {
  it('takes ports with hostPort as the pod\'s, hostPath and emptyDir mounts, command as entrypoint and args', () => {
    const [pod] = parseKube(`apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
    - name: srv
      image: busybox
      command: [httpd]
      args: ["-f", "-p", 8080]
      ports: [{containerPort: 8080, hostPort: 9090}, {containerPort: 53, protocol: UDP}]
      volumeMounts: [{name: data, mountPath: /data, readOnly: true}, {name: tmp, mountPath: /scratch}]
  volumes: [{name: data, hostPath: {path: /srv/data}}, {name: tmp, emptyDir: {}}]
`, 'f.yaml');
    expect(pod).toEqual({
      name: 'web', hostname: undefined, labels: { app: 'web' }, publish: ['9090:8080/tcp'],
      containers: [{ name: 'srv', image: 'busybox', entrypoint: ['httpd'], args: ['-f', '-p', '8080'], env: [], workdir: undefined, volumes: ['/srv/data:/data:ro'], tmpfs: ['/scratch'] }],
    });
  });

  it('refuses what it cannot play, naming the document', () => {
    expect(() => parseKube('kind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a}]}\n', 'f.yaml')).toThrow(/f.yaml: Pod x: container 1: name and image are required/);
    expect(() => parseKube('kind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: b, volumeMounts: [{name: v, mountPath: /v}]}]}\n', 'f.yaml')).toThrow(/names no volume/);
    expect(() => parseKube('kind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: a, image: b, volumeMounts: [{name: v, mountPath: /v}]}]\n  volumes: [{name: v, configMap: {name: c}}]\n', 'f.yaml')).toThrow(/neither hostPath nor emptyDir/);
    expect(() => parseKube('kind: Pod\nmetadata: {}\n', 'f.yaml')).toThrow(/metadata.name is required/);
    expect(() => parseKube('kind: Pod\n  bad: [\n', 'f.yaml')).toThrow(/not valid YAML/);
  });

  it('reads back what podDocument writes', () => {
    const text = podDocument({ name: 'p', labels: {}, ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'], env: ['A=b=c'], binds: [], tmpfs: ['/t'] }] }, '0');
    const [pod] = parseKube(text, 'gen.yaml');
    expect(pod!.publish).toEqual(['8080:80/tcp']);
    expect(pod!.containers[0]).toMatchObject({ entrypoint: ['sleep', '1'], env: ['A=b=c'], tmpfs: ['/t'] });
  });
});
