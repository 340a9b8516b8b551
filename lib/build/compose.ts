// One build step as an image: the parent's layers, the step's layer (if any) and
// the stage's config; each step's image is an unnamed intermediate the cache reuses.
import { readFileSync } from 'node:fs';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { sha256File } from '../storage/blobs.js';
import type { Store } from '../storage/store.js';
import { MEDIA, type Descriptor, type Manifest } from '../image/manifest.js';

export type Config = NonNullable<ImageConfig['config']>;

export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function scratchConfig(): ImageConfig {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  return { architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

export function readConfig(store: Store, img: ImageRecord): ImageConfig {
  return JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
}

const ociLayerType = (t: string) => (t === MEDIA.dockerLayerGzip ? MEDIA.ociLayerGzip : t === MEDIA.dockerLayer ? MEDIA.ociLayer : t);

export async function composeImage(store: Store, parent: ImageRecord | undefined, layerTar: string | undefined,
  config: Config, createdBy: string, names: string[], comment?: string): Promise<ImageRecord> {
  const baseConfig = parent ? readConfig(store, parent) : scratchConfig();
  const baseLayers: Descriptor[] = parent ? (JSON.parse(readFileSync(store.blobs.path(parent.digest), 'utf8')) as Manifest).layers : [];
  const layers = baseLayers.map((l) => ({ mediaType: ociLayerType(l.mediaType), digest: l.digest, size: l.size }));
  const diffIds = [...baseConfig.rootfs.diff_ids];
  if (layerTar) {
    const diffId = await sha256File(layerTar);
    const blob = await store.blobs.putFile(layerTar, diffId);
    layers.push({ mediaType: MEDIA.ociLayer, digest: blob, size: store.blobs.size(blob) });
    diffIds.push(diffId);
  }
  const created = new Date().toISOString();
  const image: ImageConfig = {
    ...baseConfig, created, config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [...(baseConfig.history ?? []), { created, created_by: createdBy, ...(comment ? { comment } : {}), ...(layerTar ? {} : { empty_layer: true }) }],
  };
  const configBytes = Buffer.from(JSON.stringify(image));
  const configDigest = store.blobs.putBytes(configBytes);
  const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configBytes.length }, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = store.blobs.putBytes(manifestBytes);
  const chainIds = await store.layers.ensure(diffIds, layers.map((l) => l.digest));
  return store.locked(async () => {
    const record: ImageRecord = {
      version: 1, id: configDigest, names, digest: manifestDigest, manifestMediaType: MEDIA.ociManifest,
      layerBlobs: layers.map((l) => l.digest), chainIds, created,
      size: layers.reduce((n, l) => n + l.size, 0) + configBytes.length,
    };
    store.images.save(record);
    return record;
  });
}
