// `tspod save`: images from the store as a docker-archive (uncompressed
// layers, manifest.json), an oci-archive, or an OCI layout directory, so
// podman and docker can load them.
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { MEDIA } from './manifest.js';

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir';

/** An image and the names to write for it: the one asked for, as podman (none for an id). */
export interface SavedImage {
  img: ImageRecord;
  names: string[];
}

function isGzipBlob(path: string): boolean {
  const b = readFileSync(path).subarray(0, 2);
  return b[0] === 0x1f && b[1] === 0x8b;
}

async function writeDockerArchive(store: Store, images: SavedImage[], dir: string): Promise<void> {
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  for (const { img, names } of images) {
    const cfg = JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
    const configName = `${img.id.slice(7)}.json`;
    copyFileSync(store.blobs.path(img.id), join(dir, configName));
    const layers: string[] = [];
    for (let i = 0; i < img.layerBlobs.length; i++) {
      // docker-archive layers are uncompressed: named by their diff id.
      const diffHex = cfg.rootfs.diff_ids[i]!.slice(7);
      mkdirSync(join(dir, diffHex), { recursive: true });
      const src = store.blobs.path(img.layerBlobs[i]!);
      const out = join(dir, diffHex, 'layer.tar');
      if (isGzipBlob(src)) await pipeline(createReadStream(src), createGunzip(), createWriteStream(out));
      else copyFileSync(src, out);
      layers.push(`${diffHex}/layer.tar`);
    }
    manifest.push({ Config: configName, RepoTags: names, Layers: layers });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** The OCI layout of IMAGES in DIR: their stored manifests and blobs as they are, or (UNCOMPRESSED,
 * save --uncompressed) a new OCI manifest over layers written as plain tar (each named by its
 * diff id, which is the digest of the plain tar). */
async function writeOciLayout(store: Store, images: SavedImage[], dir: string, uncompressed = false): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const manifests: unknown[] = [];
  for (const { img, names } of images) {
    let digest = img.digest;
    let size: number;
    let mediaType = img.manifestMediaType || MEDIA.ociManifest;
    // The stored manifest serves when its layers are the blobs the store holds; an image loaded
    // from a docker-archive keeps its registry manifest (compressed layers) over plain tar
    // blobs, and gets a manifest of its own here, as with --uncompressed.
    const stored = readFileSync(store.blobs.path(img.digest));
    const storedLayers = ((JSON.parse(stored.toString('utf8')) as { layers?: Array<{ digest: string }> }).layers ?? []).map((l) => l.digest);
    const matches = storedLayers.length === img.layerBlobs.length && storedLayers.every((d, i) => d === img.layerBlobs[i]);
    if (!uncompressed && matches) {
      for (const d of [img.digest, img.id, ...img.layerBlobs]) copyFileSync(store.blobs.path(d), join(blobs, d.slice(7)));
      size = stored.length;
    } else {
      const cfg = JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
      copyFileSync(store.blobs.path(img.id), join(blobs, img.id.slice(7)));
      const layers = [];
      for (let i = 0; i < img.layerBlobs.length; i++) {
        const diff = cfg.rootfs.diff_ids[i]!;
        const src = store.blobs.path(img.layerBlobs[i]!);
        if (!uncompressed) {
          // as stored (gzip or plain tar), under its own digest
          const digest = img.layerBlobs[i]!;
          copyFileSync(src, join(blobs, digest.slice(7)));
          layers.push({ mediaType: isGzipBlob(src) ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest, size: statSync(src).size });
          continue;
        }
        const out = join(blobs, diff.slice(7));
        if (isGzipBlob(src)) await pipeline(createReadStream(src), createGunzip(), createWriteStream(out));
        else copyFileSync(src, out);
        layers.push({ mediaType: MEDIA.ociLayer, digest: diff, size: statSync(out).size });
      }
      const doc = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: img.id, size: statSync(store.blobs.path(img.id)).size }, layers });
      digest = `sha256:${createHash('sha256').update(doc).digest('hex')}`;
      writeFileSync(join(blobs, digest.slice(7)), doc);
      size = Buffer.byteLength(doc);
      mediaType = MEDIA.ociManifest;
    }
    for (const name of names.length ? names : [undefined]) {
      manifests.push({ mediaType, digest, size, ...(name ? { annotations: { 'org.opencontainers.image.ref.name': name } } : {}) });
    }
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}

/** Write IMAGES to OUTPUT (a file or a stream, or a directory for oci-dir). */
export async function saveImages(store: Store, images: SavedImage[], format: SaveFormat, output: string | NodeJS.WritableStream, o: { uncompressed?: boolean } = {}): Promise<void> {
  if (format === 'oci-dir') {
    if (typeof output !== 'string') throw new TspodError('--format oci-dir writes a directory: give it with -o DIR');
    mkdirSync(output, { recursive: true });
    await writeOciLayout(store, images, output, o.uncompressed);
    return;
  }
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const stage = mkdtempSync(join(store.root, 'tmp', 'save-'));
  try {
    if (format === 'docker-archive') await writeDockerArchive(store, images, stage);
    else if (format === 'oci-archive') await writeOciLayout(store, images, stage, o.uncompressed);
    else throw new TspodError(`unknown --format "${format as string}" (docker-archive, oci-archive, oci-dir)`);
    if (typeof output === 'string') {
      await tar.c({ file: output, cwd: stage, portable: true }, ['.']);
    } else {
      // to a pipe or a redirect: the stream's own end stays open (it is stdout)
      for await (const chunk of tar.c({ cwd: stage, portable: true }, ['.']) as unknown as AsyncIterable<Buffer>) {
        if (!output.write(chunk)) await new Promise((r) => output.once('drain', r));
      }
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
