// `tspod save`: images from the store as a docker-archive (uncompressed
// layers, manifest.json), an oci-archive, or an OCI layout directory, so
// podman and docker can load them.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, copyFileSync, createReadStream, createWriteStream, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import * as tar from 'tar';
import type { ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { createZstdDecompress } from '../util/zstd.js';
import { sha256File } from '../storage/blobs.js';
import { dockerLayerMediaType, layerBlobs, manifestOf, readImageConfig, type LayerBlob } from './layer-blobs.js';
import { MEDIA, type Descriptor } from './manifest.js';

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir' | 'docker-dir';

/** An image and the names to write for it: the one asked for, as podman (none for an id). */
export interface SavedImage {
  img: ImageRecord;
  names: string[];
}

/** A layer blob as a plain tar at OUT (docker-archive and --uncompressed layers). */
async function writePlainLayer(b: LayerBlob, out: string): Promise<void> {
  if (b.compression === 'none') return copyFileSync(b.path, out);
  const decompress = b.compression === 'gzip' ? createGunzip() : createZstdDecompress();
  await pipeline(createReadStream(b.path), decompress, createWriteStream(out));
}

async function writeDockerArchive(store: Store, images: SavedImage[], dir: string): Promise<void> {
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  for (const { img, names } of images) {
    const cfg = readImageConfig(store, img);
    const blobs = layerBlobs(store, img, cfg);
    const configName = `${img.id.slice(7)}.json`;
    copyFileSync(store.blobs.path(img.id), join(dir, configName));
    const layers: string[] = [];
    for (const b of blobs) {
      // docker-archive layers are uncompressed: named by their diff id.
      const diffHex = b.diffId.slice(7);
      mkdirSync(join(dir, diffHex), { recursive: true });
      await writePlainLayer(b, join(dir, diffHex, 'layer.tar'));
      layers.push(`${diffHex}/layer.tar`);
    }
    manifest.push({ Config: configName, RepoTags: names, Layers: layers });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** The OCI layout of IMAGES in DIR: their stored manifests and blobs as they are (or a new OCI
 * manifest when the stored one names other blobs than the store holds for the layers: an image
 * loaded from a docker-archive keeps its registry manifest over plain tar blobs), or
 * (UNCOMPRESSED, save --uncompressed) a new OCI manifest over layers written as plain tar (each
 * named by its diff id, which is the digest of the plain tar). */
async function writeOciLayout(store: Store, images: SavedImage[], dir: string, uncompressed = false): Promise<void> {
  const blobsDir = join(dir, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  const manifests: unknown[] = [];
  for (const { img, names } of images) {
    const cfg = readImageConfig(store, img);
    const blobs = layerBlobs(store, img, cfg);
    copyFileSync(store.blobs.path(img.id), join(blobsDir, img.id.slice(7)));
    let doc: { bytes: Buffer; mediaType: string };
    if (!uncompressed) {
      doc = manifestOf(store, img, blobs);
      for (const b of blobs) copyFileSync(b.path, join(blobsDir, b.digest.slice(7)));
    } else {
      const layers = [];
      for (const b of blobs) {
        const out = join(blobsDir, b.diffId.slice(7));
        await writePlainLayer(b, out);
        layers.push({ mediaType: MEDIA.ociLayer, digest: b.diffId, size: statSync(out).size });
      }
      doc = { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: img.id, size: statSync(store.blobs.path(img.id)).size }, layers })), mediaType: MEDIA.ociManifest };
    }
    const digest = `sha256:${createHash('sha256').update(doc.bytes).digest('hex')}`;
    writeFileSync(join(blobsDir, digest.slice(7)), doc.bytes);
    for (const name of names.length ? names : [undefined]) {
      manifests.push({ mediaType: doc.mediaType, digest, size: doc.bytes.length, ...(name ? { annotations: { 'org.opencontainers.image.ref.name': name } } : {}) });
    }
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}

const dirTransportVersion = 'Directory Transport Version: 1.1\n';

/** docker-dir (containers/image's dir: transport with a v2s2 manifest): DIR/version, DIR/manifest.json
 * and each blob under its hex digest; layers as plain tar, or gzip with COMPRESS. A directory that
 * holds anything but such an image is refused (podman's words), never written into. The image is
 * written into a new directory beside DIR and swapped in once whole: a save that fails (a blob the
 * store lacks, a full disk) leaves DIR as it was. */
async function writeDockerDir(store: Store, image: SavedImage, dir: string, compress: boolean): Promise<void> {
  const target = resolvePath(dir);
  const st = lstatSync(target, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new TspodError(`initializing destination dir:${dir}: it is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; give -o a directory (new, or an image directory of an earlier save)`);
  if (st && readdirSync(target).length && readVersion(target) !== dirTransportVersion) {
    throw new TspodError(`initializing destination dir:${dir}: not a containers image directory, don't want to overwrite important data`);
  }
  const { img } = image;
  const cfg = readImageConfig(store, img);
  const blobs = layerBlobs(store, img, cfg);
  let stage: string;
  try {
    mkdirSync(dirname(target), { recursive: true });
    stage = mkdtempSync(join(dirname(target), '.tspod-save-'));
  } catch (err) {
    throw new TspodError(`initializing destination dir:${dir}: ${(err as Error).message}`);
  }
  try {
    await fillDockerDir(store, img, blobs, stage, compress);
    chmodSync(stage, 0o755); // as a directory mkdir makes (mkdtemp's is 0700)
    if (st) {
      // an image directory of the dir transport: its old content goes, as containers/image's does
      const old = `${stage}.old`;
      renameSync(target, old);
      renameSync(stage, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(stage, target);
    }
  } catch (err) {
    rmSync(stage, { recursive: true, force: true });
    throw err;
  }
}

/** DIR/version when it is a plain file (never read through a link), else ''. */
function readVersion(dir: string): string {
  let fd: number;
  try {
    fd = openSync(join(dir, 'version'), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    if (!fstatSync(fd).isFile()) return '';
    const buf = Buffer.alloc(256);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function fillDockerDir(store: Store, img: ImageRecord, blobs: LayerBlob[], dir: string, compress: boolean): Promise<void> {
  const what = `save --format docker-dir ${img.names[0] ?? img.id.slice(7, 19)}`;
  const layers: Descriptor[] = [];
  for (const b of blobs) {
    if (compress && b.compression === 'gzip') {
      copyFileSync(b.path, join(dir, b.digest.slice(7)));
      layers.push({ mediaType: dockerLayerMediaType('gzip', what), digest: b.digest, size: b.size });
      continue;
    }
    const tmp = join(dir, `.layer-${b.diffId.slice(7, 19)}`);
    if (compress) {
      if (b.compression === 'zstd') await pipeline(createReadStream(b.path), createZstdDecompress(), createGzip(), createWriteStream(tmp));
      else await pipeline(createReadStream(b.path), createGzip(), createWriteStream(tmp));
    } else {
      await writePlainLayer(b, tmp);
    }
    const digest = await sha256File(tmp);
    renameSync(tmp, join(dir, digest.slice(7)));
    layers.push({ mediaType: compress ? MEDIA.dockerLayerGzip : MEDIA.dockerLayer, digest, size: statSync(join(dir, digest.slice(7))).size });
  }
  copyFileSync(store.blobs.path(img.id), join(dir, img.id.slice(7)));
  const manifest = { schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, size: statSync(store.blobs.path(img.id)).size, digest: img.id }, layers };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'version'), dirTransportVersion);
}

/** Write IMAGES to OUTPUT (a file or a stream, or a directory for oci-dir). */
export async function saveImages(store: Store, images: SavedImage[], format: SaveFormat, output: string | NodeJS.WritableStream, o: { uncompressed?: boolean; compress?: boolean } = {}): Promise<void> {
  if (o.compress && format !== 'docker-dir') throw new TspodError('--compress can only be set when --format is \'docker-dir\'');
  if (format === 'docker-dir') {
    if (typeof output !== 'string') throw new TspodError('--format docker-dir writes a directory: give it with -o DIR');
    // the dir transport holds one image (podman takes further arguments as tags it cannot write there)
    if (images.length > 1) throw new TspodError(`--format docker-dir writes one image to a directory; ${images.length} were given: save each to a directory of its own, or use docker-archive`);
    await writeDockerDir(store, images[0]!, output, Boolean(o.compress));
    return;
  }
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
    else throw new TspodError(`unknown --format "${format as string}" (docker-archive, oci-archive, oci-dir, docker-dir)`);
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
