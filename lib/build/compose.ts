// One build step as an image: the parent's layers, the step's layer (if any) and
// the stage's config; each step's image is an unnamed intermediate the cache reuses.
import { readFileSync } from 'node:fs';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { sha256File } from '../storage/blobs.js';
import type { Store } from '../storage/store.js';
import { MEDIA, type Descriptor, type Manifest } from '../image/manifest.js';
import { manifestOf } from '../image/layer-blobs.js';

/** An image's run config, with the Docker format's fields a build may set. */
export type Config = NonNullable<ImageConfig['config']> & {
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  OnBuild?: string[] | null;
  Shell?: string[];
};

export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function scratchConfig(): ImageConfig {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  return { architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

export function readConfig(store: Store, img: ImageRecord): ImageConfig {
  return JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
}

const ociLayerType = (t: string) => (t === MEDIA.dockerLayerGzip ? MEDIA.ociLayerGzip : t === MEDIA.dockerLayer ? MEDIA.ociLayer : t);
const dockerLayerType = (t: string) => (t === MEDIA.ociLayerGzip ? MEDIA.dockerLayerGzip : t === MEDIA.ociLayer ? MEDIA.dockerLayer : t);

/** How a build writes its images: --format (docker keeps Healthcheck, OnBuild, Shell and uses Docker's
 * media types), --timestamp (the created time of the config and its history entries). */
export interface ComposeOptions {
  format?: 'oci' | 'docker';
  created?: string;
  annotations?: Record<string, string>;
}

/** The image's manifest over the layer blobs the store holds (image/layer-blobs: the stored one, or
 * a new one when the stored manifest names blobs the store does not keep). */
export function readManifest(store: Store, img: ImageRecord): Manifest {
  return manifestOf(store, img).manifest;
}

/** A step's layer blob: the tar at LAYERTAR stored, with its diff id. */
export async function storeLayer(store: Store, layerTar: string): Promise<{ layer: Descriptor; diffId: string }> {
  const diffId = await sha256File(layerTar);
  const blob = await store.blobs.putFile(layerTar, diffId);
  return { layer: { mediaType: MEDIA.ociLayer, digest: blob, size: store.blobs.size(blob) }, diffId };
}

export async function composeImage(store: Store, parent: ImageRecord | undefined, layerTar: string | undefined,
  config: Config, createdBy: string, names: string[], comment?: string, co: ComposeOptions = {}): Promise<ImageRecord> {
  const baseConfig = parent ? readConfig(store, parent) : scratchConfig();
  const layers: Descriptor[] = parent ? readManifest(store, parent).layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })) : [];
  const diffIds = [...baseConfig.rootfs.diff_ids];
  if (layerTar) {
    const { layer, diffId } = await storeLayer(store, layerTar);
    layers.push(layer);
    diffIds.push(diffId);
  }
  const created = co.created ?? new Date().toISOString();
  const image: ImageConfig = {
    ...baseConfig, created, config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [...(baseConfig.history ?? []), { created, created_by: createdBy, ...(comment ? { comment } : {}), ...(layerTar ? {} : { empty_layer: true }) }],
  };
  return writeImage(store, image, layers, names, co);
}

/** Store IMAGE (a config) with LAYERS (their blobs stored) as an image record. */
export async function writeImage(store: Store, image: ImageConfig, layerList: Descriptor[], names: string[], co: ComposeOptions = {}): Promise<ImageRecord> {
  const docker = co.format === 'docker';
  const layers = layerList.map((l) => ({ mediaType: docker ? dockerLayerType(l.mediaType) : ociLayerType(l.mediaType), digest: l.digest, size: l.size }));
  const configBytes = Buffer.from(JSON.stringify(image));
  const configDigest = store.blobs.putBytes(configBytes);
  const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const manifest: Manifest = {
    schemaVersion: 2, mediaType, config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, digest: configDigest, size: configBytes.length }, layers,
    ...(!docker && co.annotations && Object.keys(co.annotations).length ? { annotations: co.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = store.blobs.putBytes(manifestBytes);
  const chainIds = await store.layers.ensure(image.rootfs.diff_ids, layers.map((l) => l.digest));
  return store.locked(async () => {
    const record: ImageRecord = {
      version: 1, id: configDigest, names, digest: manifestDigest, manifestMediaType: mediaType,
      layerBlobs: layers.map((l) => l.digest), chainIds, created: image.created ?? new Date().toISOString(),
      size: layers.reduce((n, l) => n + l.size, 0) + configBytes.length,
    };
    // the same config under another name keeps its names (a rebuild of a tagged image)
    const old = store.images.get(configDigest);
    if (old && old.digest === record.digest) return old;
    store.images.save(old ? { ...record, names: [...new Set([...old.names, ...names])] } : record);
    return store.images.get(configDigest) ?? record;
  });
}
