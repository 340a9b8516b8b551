// generate kube and play kube: records to YAML through kube/kube.ts, and YAML
// to a pod with its containers (created and started as `pod create` and
// `run -d --pod` would).
import { readFileSync, statSync } from 'node:fs';
import { parseKube, podDocument, type KubeContainerIn, type KubePodIn } from '../kube/kube.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { ImageConfig } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { findContainer, liveState } from './containers.js';
import { findPod, podCreate, podMembers, podRemove, plainRunOptions } from './pods.js';
import { createContainer, startDetached } from './run.js';
import { openStore } from './store.js';
import { packageVersion } from './system.js';

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

export function generateKube(ref: string): string {
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
  return podDocument(pod, packageVersion());
}

export interface PlayResult {
  pod: string;
  containers: string[];
}

export async function playKube(file: string, down: boolean): Promise<PlayResult[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TspodError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const pods = parseKube(text, file);
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
    if (store.pods.list().some((x) => x.name === p.name)) throw new TspodError(`pod ${p.name} already exists: remove it first (\`tspod play kube --down ${file}\`)`);
  }
  for (const p of pods) {
    const pod = await podCreate({ name: p.name, hostname: p.hostname, publish: p.publish, labels: p.labels, storageOpts: [] }, store);
    const ids: string[] = [];
    try {
      for (const c of p.containers) {
        const rec = await createContainer(store, {
          ...plainRunOptions(c.image, c.args), name: `${p.name}-${c.name}`, pod: { id: pod.id, hostname: pod.hostname, shared: true },
          env: c.env, workdir: c.workdir, volumes: c.volumes, tmpfs: c.tmpfs,
          entrypoint: c.entrypoint ? JSON.stringify(c.entrypoint) : undefined,
        });
        await startDetached(store, rec);
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
