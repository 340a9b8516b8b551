// Which stored blob holds each layer of an image, for everything that writes an image out
// (save, push, commit): the record's blob, or another blob of the same content the store keeps.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { MEDIA, type Descriptor, type Manifest } from './manifest.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface LayerBlob {
  digest: string;
  path: string;
  size: number;
  compression: LayerCompression;
  /** the layer's uncompressed digest (the config's diff id) */
  diffId: string;
}

/** gzip, zstd or a plain tar, from the blob's first bytes (as extraction tells them apart). */
export function blobCompression(path: string): LayerCompression {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(4);
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  return 'none';
}

export function ociLayerMediaType(c: LayerCompression): string {
  return c === 'gzip' ? MEDIA.ociLayerGzip : c === 'zstd' ? MEDIA.ociLayerZstd : MEDIA.ociLayer;
}

export function dockerLayerMediaType(c: LayerCompression, what: string): string {
  if (c === 'zstd') throw new TspodError(`${what}: a zstd layer has no Docker media type; use the oci format`);
  return c === 'gzip' ? MEDIA.dockerLayerGzip : MEDIA.dockerLayer;
}

function imageName(img: ImageRecord): string {
  return img.names[0] ?? img.id.slice(7, 19);
}

export function readImageConfig(store: Store, img: ImageRecord): ImageConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(store.blobs.path(img.id));
  } catch {
    throw new TspodError(`image ${imageName(img)}: its config blob ${img.id} is missing from the store (${store.blobs.path(img.id)}); pull or load the image again`);
  }
  return JSON.parse(bytes.toString('utf8')) as ImageConfig;
}

/**
 * The blob of each layer of IMG, bottom first. A layer's content is known by its diff id, so any
 * stored blob that was verified to hold it serves: the record's blob; the plain tar stored under
 * the diff id itself (what load keeps); the blob the layer was extracted from (layer.json). An
 * image whose record names a blob some removal took (an older tspod's load over a pulled image
 * dropped the pulled blobs from the record while the registry manifest still named them) is
 * still written out from one of the others. With none of them left, a clear error: tspod keeps
 * no tar-split data, so it cannot rebuild the exact tar (and so the diff id) from the unpacked files.
 */
export function layerBlobs(store: Store, img: ImageRecord, cfg: ImageConfig = readImageConfig(store, img)): LayerBlob[] {
  const diffIds = cfg.rootfs?.diff_ids ?? [];
  return img.layerBlobs.map((recorded, i) => {
    const diffId = diffIds[i];
    if (!diffId) throw new TspodError(`image ${imageName(img)}: its config lists ${diffIds.length} layers but its record ${img.layerBlobs.length}; the image is corrupt, pull or load it again`);
    const fromLayer = img.chainIds[i] ? store.layers.get(img.chainIds[i]!)?.blob : undefined;
    const digest = [recorded, diffId, fromLayer].find((d): d is string => !!d && store.blobs.has(d));
    if (!digest) {
      throw new TspodError(`image ${imageName(img)} (${img.id.slice(7, 19)}): the store lacks the blob of its layer ${i + 1} of ${img.layerBlobs.length} (${recorded}, diff id ${diffId}): ${store.blobs.path(recorded)} is missing. `
        + `The container storage can still run it, but tspod cannot write the image out without the layer's blob; pull or load the image again to restore it`);
    }
    const path = store.blobs.path(digest);
    return { digest, path, size: store.blobs.size(digest), compression: blobCompression(path), diffId };
  });
}

/** The image's stored manifest when its layers are exactly the blobs found (a registry's or
 * commit's manifest kept as it was), else a new OCI manifest over those blobs. */
export function manifestOf(store: Store, img: ImageRecord, blobs: LayerBlob[] = layerBlobs(store, img)): { bytes: Buffer; manifest: Manifest; mediaType: string; stored: boolean } {
  let stored: Buffer | undefined;
  try {
    stored = readFileSync(store.blobs.path(img.digest));
  } catch {
    stored = undefined;
  }
  if (stored) {
    const m = JSON.parse(stored.toString('utf8')) as Manifest;
    const layers = m.layers ?? [];
    if (m.config?.digest === img.id && layers.length === blobs.length && layers.every((l, i) => l.digest === blobs[i]!.digest)) {
      return { bytes: stored, manifest: m, mediaType: m.mediaType ?? img.manifestMediaType, stored: true };
    }
  }
  const layers: Descriptor[] = blobs.map((b) => ({ mediaType: ociLayerMediaType(b.compression), digest: b.digest, size: b.size }));
  const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: img.id, size: store.blobs.size(img.id) }, layers };
  return { bytes: Buffer.from(JSON.stringify(manifest)), manifest, mediaType: MEDIA.ociManifest, stored: false };
}
