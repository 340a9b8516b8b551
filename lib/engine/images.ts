// Image use cases: list, load, import, remove, and the default busybox image.
import { readFileSync } from 'node:fs';
import { importTarball, loadArchive } from '../image/archive.js';
import { findLocalImage } from '../image/resolve.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { openStore } from './store.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';

export function imageList(): ImageRecord[] {
  return openStore().images.list();
}

export function imageConfig(store: Store, img: ImageRecord): ImageConfig {
  return JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
}

export async function imageLoad(file: string): Promise<ImageRecord[]> {
  return loadArchive(openStore(), file);
}

export async function imageImport(file: string, name?: string): Promise<ImageRecord> {
  return importTarball(openStore(), file, name);
}

export interface RmiReport {
  id: string;
  untagged: string[];
  deleted: boolean;
  error?: string;
}

/** Remove images; layers and blobs no longer used by any image go too. */
export async function imageRemove(refs: string[], force: boolean): Promise<RmiReport[]> {
  const store = openStore();
  const reports: RmiReport[] = [];
  for (const ref of refs) {
    const img = findLocalImage(store.images.list(), ref);
    if (!img) {
      reports.push({ id: ref, untagged: [], deleted: false, error: `${ref}: image not known` });
      continue;
    }
    const users = store.containers.list().filter((c) => c.imageId === img.id);
    if (users.length && !force) {
      reports.push({ id: ref, untagged: [], deleted: false, error: `image used by ${users.map((c) => c.id.slice(0, 12)).join(', ')}: image is in use by a container; remove the container first or use -f` });
      continue;
    }
    await store.locked(async () => store.images.delete(img.id));
    reports.push({ id: img.id, untagged: img.names, deleted: true });
  }
  await store.locked(async () => {
    const images = store.images.list();
    const usedChains = new Set(images.flatMap((i) => i.chainIds));
    const usedBlobs = new Set(images.flatMap((i) => [i.id, i.digest, ...i.layerBlobs]));
    const unusedLayers = store.layers.list().filter((l) => !usedChains.has(l.chainId));
    await store.layers.remove(unusedLayers.map((l) => l.chainId));
    for (const l of unusedLayers) if (!usedBlobs.has(l.blob)) store.blobs.remove(l.blob);
    for (const r of reports) if (r.deleted && !usedBlobs.has(r.id)) store.blobs.remove(r.id);
  });
  if (reports.some((r) => r.error) && reports.length === 1) throw new TspodError(reports[0]!.error!);
  return reports;
}
