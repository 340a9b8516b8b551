// Kubernetes YAML for pods, both ways, as podman's generate kube / play kube use
// it: a Pod (or a Deployment's pod template) with containers, command and args,
// env, ports (hostPort published on the pod), and hostPath / emptyDir volumes.
// Pure: records in, documents out, and documents in, plans out.
import { parseAllDocuments, stringify } from 'yaml';
import { TspodError } from '../util/errors.js';

export interface KubeContainerIn {
  name: string;
  image: string;
  command: string[];
  env: string[];
  workingDir?: string;
  binds: Array<{ source: string; destination: string; readonly: boolean; directory: boolean }>;
  tmpfs: string[];
}

export interface KubePodIn {
  name: string;
  hostname?: string;
  labels: Record<string, string>;
  ports: Array<{ hostIp: string; hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' }>;
  containers: KubeContainerIn[];
}

const dns = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'x';

/** One Pod document. Ports go on the first container, as podman writes them. */
export function podDocument(p: KubePodIn, version: string): string {
  const volumes: Array<Record<string, unknown>> = [];
  const volumeName = (path: string) => {
    const base = dns(path.replace(/^\//, '').replace(/\//g, '-')) || 'root';
    let name = `${base}-host`;
    for (let i = 1; volumes.some((v) => v.name === name); i++) name = `${base}-host-${i}`;
    return name;
  };
  const containers = p.containers.map((c, i) => {
    const mounts: Array<Record<string, unknown>> = [];
    for (const b of c.binds) {
      const name = volumeName(b.source);
      volumes.push({ name, hostPath: { path: b.source, type: b.directory ? 'Directory' : 'File' } });
      mounts.push({ name, mountPath: b.destination, ...(b.readonly ? { readOnly: true } : {}) });
    }
    for (const t of c.tmpfs) {
      const name = `${dns(t)}-tmpfs`;
      volumes.push({ name, emptyDir: { medium: 'Memory' } });
      mounts.push({ name, mountPath: t });
    }
    return {
      name: dns(c.name),
      image: c.image,
      command: c.command,
      ...(c.env.length ? { env: c.env.map((e) => ({ name: e.slice(0, e.indexOf('=')), value: e.slice(e.indexOf('=') + 1) })) } : {}),
      ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      ...(i === 0 && p.ports.length ? { ports: p.ports.map((x) => ({ containerPort: x.containerPort, hostPort: x.hostPort, ...(x.hostIp && x.hostIp !== '0.0.0.0' ? { hostIP: x.hostIp } : {}), ...(x.protocol === 'udp' ? { protocol: 'UDP' } : {}) })) } : {}),
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    };
  });
  const doc = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: dns(p.name), ...(Object.keys(p.labels).length ? { labels: p.labels } : {}) },
    spec: { ...(p.hostname ? { hostname: p.hostname } : {}), containers, ...(volumes.length ? { volumes } : {}), restartPolicy: 'Never' },
  };
  return `# Save the output of this file and use kubectl create -f to import it into Kubernetes.\n#\n# Created with tspod-${version}\n${stringify(doc)}`;
}

/** podman's `generate kube --service`: a NodePort Service for the pod's ports (a random node port
 * in Kubernetes' 30000-32767 range, as podman picks one), selecting the pod by its app label. */
export function serviceDocument(p: KubePodIn, nodePort: () => number = () => 30000 + Math.floor(Math.random() * 2768)): string {
  const name = dns(p.name);
  const doc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { labels: { app: name }, name },
    spec: {
      ports: p.ports.map((x) => ({ name: String(x.containerPort), nodePort: nodePort(), port: x.containerPort, ...(x.protocol === 'udp' ? { protocol: 'UDP' } : {}), targetPort: x.containerPort })),
      selector: { app: name },
      type: 'NodePort',
    },
  };
  return stringify(doc);
}

/** What `play kube` creates for one pod. */
export interface PlayPod {
  name: string;
  hostname?: string;
  labels: Record<string, string>;
  publish: string[];
  containers: Array<{
    name: string;
    image: string;
    /** --entrypoint (JSON), from `command` */
    entrypoint?: string[];
    /** the command after the image, from `args` */
    args: string[];
    env: string[];
    workdir?: string;
    volumes: string[];
    tmpfs: string[];
  }>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Obj, key: string, check: (v: unknown) => v is T, what: string, where: string): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new TspodError(`${where}: ${key} must be ${what}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number');
const isList = (v: unknown): v is Obj[] => Array.isArray(v) && v.every(isObj);

/** ConfigMaps by name: their data, for env valueFrom.configMapKeyRef and envFrom.configMapRef. */
export type ConfigMaps = Map<string, Record<string, string>>;

/** The ConfigMap documents of a YAML text (`play kube --configmap FILE`, or beside the pods). */
export function parseConfigMaps(text: string, file: string, into: ConfigMaps = new Map()): ConfigMaps {
  parseAllDocuments(text).forEach((d, i) => {
    if (d.errors.length) throw new TspodError(`${file}: document ${i + 1} is not valid YAML: ${d.errors[0]!.message}`);
    const o = d.toJS() as unknown;
    if (!isObj(o) || o.kind !== 'ConfigMap') return;
    const name = isObj(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : undefined;
    if (!name) throw new TspodError(`${file}: ConfigMap: metadata.name is required`);
    const data = isObj(o.data) ? Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, String(v)])) : {};
    into.set(name, data);
  });
  return into;
}

/** One env entry: a value, or a ConfigMap key (an optional one may be missing). */
function envEntry(e: Obj, maps: ConfigMaps, at: string): string | undefined {
  const name = String(e.name);
  const ref = isObj(e.valueFrom) && isObj(e.valueFrom.configMapKeyRef) ? e.valueFrom.configMapKeyRef : undefined;
  if (!ref) {
    if (isObj(e.valueFrom)) throw new TspodError(`${at}: env ${name}: only valueFrom.configMapKeyRef is supported`);
    return `${name}=${e.value === undefined ? '' : String(e.value)}`;
  }
  const data = maps.get(String(ref.name));
  const value = data?.[String(ref.key)];
  if (value !== undefined) return `${name}=${value}`;
  if (ref.optional === true) return undefined;
  throw new TspodError(`${at}: env ${name}: ${data ? `ConfigMap ${String(ref.name)} has no key ${String(ref.key)}` : `no ConfigMap named ${String(ref.name)} (give it with --configmap FILE or in the same YAML)`}`);
}

function playPod(name: string, labels: Record<string, string>, spec: Obj, where: string, maps: ConfigMaps = new Map()): PlayPod {
  const volumes = new Map<string, Obj>();
  for (const v of field(spec, 'volumes', isList, 'a list', where) ?? []) volumes.set(String(v.name), v);
  const publish: string[] = [];
  const containers = (field(spec, 'containers', isList, 'a list of containers', where) ?? []).map((c, i) => {
    const at = `${where}: container ${i + 1}`;
    const cname = field(c, 'name', isString, 'a string', at);
    const image = field(c, 'image', isString, 'a string', at);
    if (!cname || !image) throw new TspodError(`${at}: name and image are required`);
    for (const p of field(c, 'ports', isList, 'a list', at) ?? []) {
      if (p.hostPort === undefined) continue;
      const proto = String(p.protocol ?? 'TCP').toLowerCase();
      publish.push(`${p.hostIP ? `${String(p.hostIP)}:` : ''}${Number(p.hostPort)}:${Number(p.containerPort)}/${proto}`);
    }
    const binds: string[] = [];
    const tmpfs: string[] = [];
    for (const m of field(c, 'volumeMounts', isList, 'a list', at) ?? []) {
      const vol = volumes.get(String(m.name));
      if (!vol) throw new TspodError(`${at}: volumeMount "${String(m.name)}" names no volume of the pod`);
      if (isObj(vol.hostPath)) binds.push(`${String(vol.hostPath.path)}:${String(m.mountPath)}${m.readOnly ? ':ro' : ''}`);
      else if (vol.emptyDir !== undefined) tmpfs.push(String(m.mountPath));
      else throw new TspodError(`${at}: volume "${String(m.name)}" is neither hostPath nor emptyDir (tspod plays only those)`);
    }
    const fromMaps: string[] = [];
    for (const f of field(c, 'envFrom', isList, 'a list', at) ?? []) {
      if (!isObj(f.configMapRef)) throw new TspodError(`${at}: envFrom: only configMapRef is supported`);
      const data = maps.get(String(f.configMapRef.name));
      if (!data) {
        if (f.configMapRef.optional === true) continue;
        throw new TspodError(`${at}: envFrom: no ConfigMap named ${String(f.configMapRef.name)} (give it with --configmap FILE or in the same YAML)`);
      }
      for (const [k, v] of Object.entries(data)) fromMaps.push(`${String(f.prefix ?? '')}${k}=${v}`);
    }
    const env = [...fromMaps, ...(field(c, 'env', isList, 'a list', at) ?? []).map((e) => envEntry(e, maps, at)).filter((e): e is string => e !== undefined)];
    const command = field(c, 'command', isStrings, 'a list of strings', at)?.map(String);
    return {
      name: cname, image, entrypoint: command, args: (field(c, 'args', isStrings, 'a list of strings', at) ?? []).map(String),
      env, workdir: field(c, 'workingDir', isString, 'a string', at), volumes: binds, tmpfs,
    };
  });
  if (!containers.length) throw new TspodError(`${where}: the pod has no containers`);
  return { name, hostname: field(spec, 'hostname', isString, 'a string', where), labels, publish, containers };
}

/** The pods a YAML file describes (Pod and Deployment kinds; others are refused by name). */
export function parseKube(text: string, file: string, configMaps: ConfigMaps = new Map(), namesOnly = false): PlayPod[] {
  const docs = parseAllDocuments(text);
  const maps = parseConfigMaps(text, file, new Map(configMaps));
  // --down needs only the pods' names: ConfigMaps it was played with need not be given again.
  const anyKey = new Proxy({}, { get: () => '' }) as Record<string, string>;
  const lenient = namesOnly ? ({ get: (k: string) => maps.get(k) ?? anyKey } as ConfigMaps) : maps;
  const pods: PlayPod[] = [];
  docs.forEach((d, i) => {
    if (d.errors.length) throw new TspodError(`${file}: document ${i + 1} is not valid YAML: ${d.errors[0]!.message}`);
    const o = d.toJS() as unknown;
    if (o === null || o === undefined) return;
    if (!isObj(o)) throw new TspodError(`${file}: document ${i + 1} is not a Kubernetes object`);
    const where = `${file}: ${String(o.kind)} ${String((o.metadata as Obj | undefined)?.name ?? '')}`.trim();
    const meta = isObj(o.metadata) ? o.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : undefined;
    if (!name) throw new TspodError(`${where}: metadata.name is required`);
    const labels = isObj(meta.labels) ? Object.fromEntries(Object.entries(meta.labels).map(([k, v]) => [k, String(v)])) : {};
    if (o.kind === 'Pod') {
      if (!isObj(o.spec)) throw new TspodError(`${where}: spec is required`);
      pods.push(playPod(name, labels, o.spec, where, lenient));
    } else if (o.kind === 'Deployment') {
      const tpl = isObj(o.spec) && isObj(o.spec.template) ? o.spec.template : undefined;
      if (!tpl || !isObj(tpl.spec)) throw new TspodError(`${where}: spec.template.spec is required`);
      // One replica, as podman plays a Deployment; its pod is NAME-pod.
      pods.push(playPod(`${name}-pod`, labels, tpl.spec, where, lenient));
    } else if (o.kind === 'ConfigMap') {
      return; // read above, for the pods' env
    } else {
      throw new TspodError(`${where}: kind ${String(o.kind)} is not supported (tspod plays Pod and Deployment)`);
    }
  });
  return pods;
}
