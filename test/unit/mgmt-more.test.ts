// The pure pieces behind the mgmt branch's commands: manifest list documents and push
// formats, manifest conversion, ConfigMaps in kube play, the Service of generate kube,
// --cert-dir's reading, systemd template units.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listDocument, pushMediaType, type ListRecord } from '../../lib/image/manifest-list.js';
import { MEDIA } from '../../lib/image/manifest.js';
import { convertManifest } from '../../lib/image/push.js';
import { certDirTls } from '../../lib/image/registry-client.js';
import { parseKube, serviceDocument } from '../../lib/kube/kube.js';
import { containerUnit, type UnitOptions } from '../../lib/systemd/units.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const list = (manifests: ListRecord['manifests']): ListRecord => ({ version: 1, id: d(9), names: ['localhost/l:latest'], created: '', mediaType: MEDIA.dockerList, manifests, sources: {} });

describe('manifest lists', () => {
  it('an empty list prints manifests as null; platform keys in Go\'s order; OCI drops features', () => {
    expect(listDocument(list([]))).toEqual({ schemaVersion: 2, mediaType: MEDIA.dockerList, manifests: null });
    const one = list([{ mediaType: MEDIA.dockerManifest, size: 5, digest: d(1), platform: { variant: 'v8', os: 'linux', features: ['f'], architecture: 'arm64', 'os.version': '1' } }]);
    const docker = listDocument(one).manifests as Array<Record<string, unknown>>;
    expect(Object.keys(docker[0]!)).toEqual(['mediaType', 'size', 'digest', 'platform']);
    expect(Object.keys(docker[0]!.platform as object)).toEqual(['architecture', 'os', 'os.version', 'variant', 'features']);
    const oci = listDocument(one, MEDIA.ociIndex).manifests as Array<Record<string, unknown>>;
    expect(Object.keys(oci[0]!)).toEqual(['mediaType', 'digest', 'size', 'platform']);
    expect(oci[0]!.platform).toEqual({ architecture: 'arm64', os: 'linux', 'os.version': '1', variant: 'v8' });
  });

  it('pushed as its own type, as an OCI index when annotations or OCI manifests need one; v2s2 refused then', () => {
    expect(pushMediaType(list([{ mediaType: MEDIA.dockerManifest, size: 1, digest: d(1) }]))).toBe(MEDIA.dockerList);
    expect(pushMediaType(list([{ mediaType: MEDIA.dockerManifest, size: 1, digest: d(1), annotations: { a: 'b' } }]))).toBe(MEDIA.ociIndex);
    const withOci = list([{ mediaType: MEDIA.ociManifest, size: 1, digest: d(1) }]);
    expect(pushMediaType(withOci)).toBe(MEDIA.ociIndex);
    expect(() => pushMediaType(withOci, MEDIA.dockerList)).toThrow(/use --format oci/);
    expect(pushMediaType(list([]), MEDIA.ociIndex)).toBe(MEDIA.ociIndex);
  });
});

describe('push --format', () => {
  const oci = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: d(1), size: 3 }, layers: [{ mediaType: MEDIA.ociLayerGzip, digest: d(2), size: 4 }, { mediaType: MEDIA.ociLayer, digest: d(3), size: 5 }] };
  it('renames the media types, keeps the blobs, and back again gives the same document', () => {
    const v2 = convertManifest(Buffer.from(JSON.stringify(oci)), 'v2s2');
    const doc = JSON.parse(v2.bytes.toString()) as typeof oci;
    expect(v2.mediaType).toBe(MEDIA.dockerManifest);
    expect(doc.config).toEqual({ ...oci.config, mediaType: MEDIA.dockerConfig });
    expect(doc.layers.map((l) => l.mediaType)).toEqual([MEDIA.dockerLayerGzip, MEDIA.dockerLayer]);
    expect(doc.layers.map((l) => l.digest)).toEqual([d(2), d(3)]);
    expect(JSON.parse(convertManifest(v2.bytes, 'oci').bytes.toString())).toEqual(oci);
  });
  it('a zstd layer has no Docker name', () => {
    const z = { ...oci, layers: [{ mediaType: MEDIA.ociLayerZstd, digest: d(2), size: 4 }] };
    expect(() => convertManifest(Buffer.from(JSON.stringify(z)), 'v2s2')).toThrow(/cannot name/);
  });
});

describe('kube play ConfigMaps', () => {
  const pod = (env: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: busybox\n${env}`;
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  K: v\n  N: 1\n---\n';
  it('valueFrom.configMapKeyRef and envFrom.configMapRef (with prefix) read the ConfigMaps of the file and of --configmap', () => {
    const env = '    envFrom:\n    - configMapRef:\n        name: m\n      prefix: P_\n    env:\n    - name: X\n      valueFrom:\n        configMapKeyRef:\n          name: m\n          key: K\n';
    expect(parseKube(cm + pod(env), 'f')[0]!.containers[0]!.env).toEqual(['P_K=v', 'P_N=1', 'X=v']);
    const fromFlag = new Map([['m', { K: 'w' }]]);
    expect(parseKube(pod('    env:\n    - name: X\n      valueFrom:\n        configMapKeyRef:\n          name: m\n          key: K\n'), 'f', fromFlag)[0]!.containers[0]!.env).toEqual(['X=w']);
  });
  it('a missing ConfigMap or key is an error unless optional; --down reads names only', () => {
    const ref = (extra = '') => pod(`    env:\n    - name: X\n      valueFrom:\n        configMapKeyRef:\n          name: gone\n          key: K\n${extra}`);
    expect(() => parseKube(ref(), 'f')).toThrow(/no ConfigMap named gone/);
    expect(parseKube(ref('          optional: true\n'), 'f')[0]!.containers[0]!.env).toEqual([]);
    expect(parseKube(ref(), 'f', new Map(), true)[0]!.name).toBe('p');
    expect(() => parseKube(cm + pod('    env:\n    - name: X\n      valueFrom:\n        configMapKeyRef:\n          name: m\n          key: Z\n'), 'f')).toThrow(/ConfigMap m has no key Z/);
  });
});

describe('generate kube --service', () => {
  it('a NodePort Service selecting the pod by app, one port entry per published port', () => {
    const yaml = serviceDocument({ name: 'web-pod', labels: {}, containers: [], ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostIp: '', hostPort: 53, containerPort: 53, protocol: 'udp' }] }, () => 30001);
    expect(yaml).toBe([
      'apiVersion: v1', 'kind: Service', 'metadata:', '  labels:', '    app: web-pod', '  name: web-pod', 'spec:', '  ports:',
      '    - name: "80"', '      nodePort: 30001', '      port: 80', '      targetPort: 80',
      '    - name: "53"', '      nodePort: 30001', '      port: 53', '      protocol: UDP', '      targetPort: 53',
      '  selector:', '    app: web-pod', '  type: NodePort', '',
    ].join('\n'));
  });
});

describe('--cert-dir', () => {
  it('reads *.crt as CAs and NAME.cert with NAME.key; a certificate without its key is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certdir-'));
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'client.cert'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const tls = certDirTls(dir);
    expect(tls.ca).toContain('CA');
    expect(tls.cert).toBe('CERT');
    expect(tls.key).toBe('KEY');
    writeFileSync(join(dir, 'other.cert'), 'C2');
    expect(() => certDirTls(dir)).toThrow(/missing key other\.key/);
    expect(() => certDirTls(join(dir, 'none'))).toThrow(/cannot read the directory/);
  });
});

describe('generate systemd --template', () => {
  it('NAME@.service, the container named NAME-%i (the --name given at create replaced), TimeoutStartSec', () => {
    const o: UnitOptions = {
      new: true, template: true, startTimeout: 33, useName: true, restartPolicy: 'on-failure', stopTimeout: 10, containerPrefix: 'container', podPrefix: 'pod',
      separator: '-', wants: [], after: [], requires: [], env: [], header: false, tspod: '/bin/tspod', version: '0', now: new Date(0),
    };
    const unit = containerUnit({ id: 'a'.repeat(64), name: 'web', pidFile: '/p', storeDir: '/s', createCommand: { globals: [], options: ['--name', 'web', '-e', 'A=1'], operands: ['busybox', 'true'] } }, o);
    expect(unit).toContain('Description=tspod container-web.service for %I');
    expect(unit).toContain('Environment=TSPOD_SYSTEMD_UNIT=%n-%i');
    expect(unit).toContain('TimeoutStartSec=33');
    expect(unit).toMatch(/\t--name web-%i -e A=1 busybox true\n/);
    expect(unit.match(/--name/g)).toHaveLength(1);
  });
});
