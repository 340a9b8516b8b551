// generate kube and play kube: records to YAML through kube/kube.ts, and YAML
// to a pod with its containers (created and started as `pod create` and
// `run -d --pod` would).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findLocalImage } from '../image/resolve.js';
import { parseConfigMaps, parseKube, podDocument, serviceDocument, type ConfigMaps, type KubeContainerIn, type KubePodIn } from '../kube/kube.js';
import type { PullOptions } from './registry.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { ImageConfig } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { findContainer, liveState } from './containers.js';
import { findPod, podCreate, podMembers, podRemove, plainRunOptions } from './pods.js';
import { createContainer, startDetached } from './run.js';
import { openStore } from './store.js';
import { packageVersion } from './version.js';

/** What a container adds to its image: env, working dir and mounts the user gave. */
function kubeContainer(store: Store, rec: ContainerRecord, podName?: string): KubeContainerIn {
  let imageConfig: ImageConfig['config'] = {};
  try {
    imageConfig = (JSON.parse(readFileSync(store.blobs.path(rec.imageId), 'utf8')) as ImageConfig).config ?? {};
  } catch {
    /* the image is gone: keep everything */
  }
  const fromImage = new Set(imageConfig.Env ?? []);
  const env = rec.config.env.filter((e) => !fromImage.has(e) && !/^(PATH|container|HOSTNAME|TERM)=/.test(e));
  const binds = rec.config.mounts.filter((m) => m.type === 'bind').map((m) => {
    let directory = true;
    try {
      directory = statSync(m.source).isDirectory();
    } catch {
      /* gone: say Directory */
    }
    return { source: m.source, destination: m.destination, readonly: m.readonly, directory };
  });
  return {
    name: podName && rec.name.startsWith(`${podName}-`) ? rec.name.slice(podName.length + 1) : rec.name,
    image: rec.imageName,
    command: rec.command,
    env,
    workingDir: rec.config.workingDir !== (imageConfig.WorkingDir || '/') ? rec.config.workingDir : undefined,
    binds,
    tmpfs: rec.config.mounts.filter((m) => m.type === 'tmpfs').map((m) => m.destination),
  };
}

export function generateKube(ref: string, service = false): string {
  const store = openStore();
  let pod: KubePodIn;
  const podRec = store.pods.list().find((p) => p.name === ref || p.id === ref || p.id.startsWith(ref));
  if (podRec) {
    const infra = store.containers.get(podRec.infraId);
    pod = {
      name: podRec.name, hostname: podRec.hostname, labels: podRec.labels, ports: (infra?.config.ports ?? []).filter((p) => p.hostPort > 0),
      containers: podMembers(store, podRec).reverse().map((c) => kubeContainer(store, c, podRec.name)),
    };
    if (!pod.containers.length) throw new TspodError(`pod ${podRec.name} has no containers to describe`);
  } else {
    const rec = findContainer(store.containers.list().map((c) => liveState(c, store)), ref);
    if (rec.config.pod) throw new TspodError(`container ${rec.name} is in a pod: generate kube for the pod`);
    pod = { name: `${rec.name}-pod`, labels: rec.config.labels ?? {}, ports: (rec.config.ports ?? []).filter((p) => p.hostPort > 0), containers: [kubeContainer(store, rec)] };
  }
  if (!service) return podDocument(pod, packageVersion());
  // With the Service the pod carries the app label it selects on, and the Service comes first, as podman writes them.
  const withApp = { ...pod, labels: { app: pod.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-'), ...pod.labels } };
  const [comment, body] = splitHeader(podDocument(withApp, packageVersion()));
  return `${comment}${serviceDocument(withApp)}---\n${body}`;
}

/** podDocument's leading comment lines, and the YAML after them. */
function splitHeader(text: string): [string, string] {
  const lines = text.split('\n');
  const n = lines.findIndex((l) => !l.startsWith('#'));
  return [lines.slice(0, n).map((l) => `${l}\n`).join(''), lines.slice(n).join('\n')];
}

export interface PlayResult {
  pod: string;
  containers: string[];
}

export interface PlayOptions {
  annotation?: string[];
  /** the registry flags for the images pulled */
  pullOptions?: PullOptions;
  /** --build: true builds every image with a context directory, false none, unset only the missing ones */
  build?: boolean;
  contextDir?: string;
  configmaps?: string[];
  ip?: string[];
  mac?: string[];
  logDriver?: string;
  logOpt?: string[];
  network?: string[];
  noHosts?: boolean;
  replace?: boolean;
  /** --start=false: the containers are created, not started */
  start?: boolean;
  userns?: string;
  /** build output (not with --quiet) */
  report?: (line: string) => void;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TspodError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The directory a container's image is built from (`play kube --build`): CONTEXT/NAME holding a
 * Containerfile or Dockerfile, NAME the image's last path component without its tag. */
function buildDir(contextDir: string, image: string): string | undefined {
  const last = image.replace(/[:@].*$/, '').split('/').pop() ?? '';
  if (!last || last === '.' || last === '..') return undefined;
  const dir = join(contextDir, last);
  return ['Containerfile', 'Dockerfile'].some((f) => existsSync(join(dir, f))) ? dir : undefined;
}

export async function playKube(file: string, down: boolean, o: PlayOptions = {}): Promise<PlayResult[]> {
  if (o.ip?.length || o.mac?.length) {
    throw new TspodError(`${o.ip?.length ? '--ip' : '--mac-address'}: tspod's pods reach the network through slirp4netns, which has no addresses to choose; a static IP or MAC address needs a bridge network, which tspod does not have yet`);
  }
  for (const n of o.network ?? []) {
    if (n !== 'slirp4netns') throw new TspodError(`--network ${n}: tspod plays pods on slirp4netns only (no bridge networks yet); leave --network out`);
  }
  if (o.userns !== undefined && o.userns !== '') throw new TspodError(`--userns ${o.userns}: tspod's pods run in tspod's user namespace; other user namespace modes are not supported by kube play yet`);
  const text = file === '-' ? readFileSync(0, 'utf8') : read(file);
  const maps: ConfigMaps = new Map();
  for (const f of o.configmaps ?? []) parseConfigMaps(read(f), f, maps);
  const pods = parseKube(text, file, maps, down);
  const store = openStore();
  const results: PlayResult[] = [];
  if (down) {
    for (const p of pods) {
      try {
        findPod(store, p.name);
      } catch {
        continue;
      }
      results.push({ pod: await podRemove(p.name, true), containers: [] });
    }
    return results;
  }
  for (const p of pods) {
    if (!store.pods.list().some((x) => x.name === p.name)) continue;
    if (o.replace) await podRemove(p.name, true);
    else throw new TspodError(`pod ${p.name} already exists: remove it first (\`tspod play kube --down ${file}\`) or use --replace`);
  }
  // Images with a context directory are built first (all of them with --build, the missing ones by default).
  if (o.build !== false) {
    const contextDir = o.contextDir ?? dirname(resolve(file === '-' ? '.' : file));
    const built = new Set<string>();
    for (const c of pods.flatMap((p) => p.containers)) {
      const dir = buildDir(contextDir, c.image);
      if (!dir || built.has(c.image) || (o.build !== true && findLocalImage(store.images.list(), c.image))) continue;
      const { build, buildDefaults } = await import('./build.js');
      await build({ ...buildDefaults(dir), tags: [c.image], quiet: !o.report, network: 'slirp4netns' }, o.report ?? (() => undefined), (l) => process.stderr.write(`${l}\n`));
      built.add(c.image);
    }
  }
  for (const p of pods) {
    // play kube's pods stop when their last container exits (podman's exit policy for them)
    const pod = await podCreate({ name: p.name, hostname: p.hostname, publish: p.publish, labels: p.labels, storageOpts: [], exitPolicy: 'stop' }, store);
    const ids: string[] = [];
    try {
      for (const c of p.containers) {
        const rec = await createContainer(store, {
          ...plainRunOptions(c.image, c.args), name: `${p.name}-${c.name}`, pod: { id: pod.id, hostname: pod.hostname, shared: true },
          env: c.env, workdir: c.workdir, createWorkdir: true, volumes: c.volumes, tmpfs: c.tmpfs,
          entrypoint: c.entrypoint ? JSON.stringify(c.entrypoint) : undefined,
          annotation: o.annotation, logDriver: o.logDriver, logOpt: o.logOpt, noHosts: o.noHosts,
          pull: 'missing', pullOptions: o.pullOptions,
        });
        if (o.start !== false) await startDetached(store, rec);
        ids.push(rec.id);
      }
    } catch (err) {
      await podRemove(pod.id, true).catch(() => undefined);
      throw err;
    }
    results.push({ pod: pod.id, containers: ids });
  }
  return results;
}
