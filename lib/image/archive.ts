// Images from files: `load` of docker-archive and oci-archive tarballs and
// `import` of a plain root filesystem tarball. Every blob is verified against
// the digest that names it, and every layer against the config's diff_ids,
// before the image record is written.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import type { Store } from '../storage/store.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { safeEntryPath } from '../storage/extract.js';
import { sha256 } from '../storage/blobs.js';
import { TspodError } from '../util/errors.js';
import { archiveImageName, localImageName } from './resolve.js';
import { hostPlatform, MEDIA, type Descriptor, type Manifest } from './manifest.js';
import { applyChanges } from './commit.js';

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** sha256 of the uncompressed tar: the layer's diff id. */
async function diffIdOf(path: string): Promise<string> {
  const h = createHash('sha256');
  if (isGzip(path)) await pipeline(createReadStream(path), createGunzip(), h);
  else await pipeline(createReadStream(path), h);
  return 'sha256:' + h.digest('hex');
}

/** Unpack an archive (as the user: it holds only plain files) into a temp dir. */
async function unpackArchive(store: Store, file: string): Promise<string> {
  if (!existsSync(file)) throw new TspodError(`${file}: no such file`);
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(store.root, 'tmp', 'archive-'));
  let unsafe: string | undefined;
  try {
    await tar.x({
      file,
      cwd: dir,
      strict: true,
      filter: (p, e) => {
        const entry = e as tar.ReadEntry;
        try {
          safeEntryPath(p);
        } catch (err) {
          unsafe = (err as Error).message;
          return false;
        }
        return entry.type === 'File' || entry.type === 'Directory' || entry.type === 'OldFile';
      },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    // podman's first line; then what tspod found (it reads oci-archive and docker-archive files)
    throw new TspodError(`payload does not match any of the supported image formats:\n * oci-archive, docker-archive: ${file} is not a readable tar archive: ${(err as Error).message}`);
  }
  if (unsafe) {
    rmSync(dir, { recursive: true, force: true });
    throw new TspodError(`${file} is not a safe image archive: ${unsafe}`);
  }
  return dir;
}

/** Store config, layers and manifest and write the image record. */
async function commitImage(store: Store, config: ImageConfig, configBytes: Buffer, layerFiles: string[], names: string[]): Promise<ImageRecord> {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layerFiles.length) {
    throw new TspodError(`the image config lists ${diffIds.length} layers but the archive has ${layerFiles.length}; the image is corrupt`);
  }
  const layers: Descriptor[] = [];
  for (let i = 0; i < layerFiles.length; i++) {
    const actual = await diffIdOf(layerFiles[i]!);
    if (actual !== diffIds[i]) {
      throw new TspodError(`layer ${i + 1} does not match the image config (diff_id ${diffIds[i]}, content ${actual}); the image is corrupt and nothing was stored`);
    }
    const digest = await store.blobs.putFile(layerFiles[i]!);
    layers.push({ mediaType: isGzip(layerFiles[i]!) ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest, size: statSync(layerFiles[i]!).size });
  }
  const configDigest = store.blobs.putBytes(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configBytes.length },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = store.blobs.putBytes(manifestBytes);
  const chainIds = await store.layers.ensure(diffIds, layers.map((l) => l.digest));
  return store.locked(async () => {
    const existing = store.images.get(configDigest);
    if (existing && existing.chainIds.join() === chainIds.join() && existing.layerBlobs.every((d) => store.blobs.has(d)) && store.blobs.has(existing.digest)) {
      // The image is here already (pulled: its registry manifest over compressed blobs): it stays
      // as it is, with the new names; what this load stored that nothing uses goes again.
      const record: ImageRecord = { ...existing, names: [...new Set([...existing.names, ...names])] };
      store.images.save(record);
      const used = new Set([...store.images.list().flatMap((i) => [i.id, i.digest, ...i.layerBlobs]), ...store.layers.list().map((l) => l.blob)]);
      for (const d of [manifestDigest, ...layers.map((l) => l.digest)]) if (!used.has(d)) store.blobs.remove(d);
      return record;
    }
    const record: ImageRecord = {
      version: 1,
      id: configDigest,
      names: [...new Set([...(existing?.names ?? []), ...names])],
      digest: existing?.digest ?? manifestDigest,
      manifestMediaType: MEDIA.ociManifest,
      layerBlobs: layers.map((l) => l.digest),
      chainIds,
      created: config.created ?? new Date().toISOString(),
      size: layers.reduce((n, l) => n + l.size, 0) + configBytes.length,
    };
    store.images.save(record);
    return record;
  });
}

function parseJsonFile<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new TspodError(`${what} is missing or not valid JSON: ${(err as Error).message}`);
  }
}

/** What one load brought in: the image and the names the archive gave it. */
export interface LoadedImage {
  record: ImageRecord;
  names: string[];
}

async function loadDockerArchive(store: Store, dir: string): Promise<LoadedImage[]> {
  const entries = parseJsonFile<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>(join(dir, 'manifest.json'), 'docker-archive manifest.json');
  const out: LoadedImage[] = [];
  for (const e of entries) {
    const configPath = join(dir, safeEntryPath(e.Config));
    const configBytes = readFileSync(configPath);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const layerFiles = e.Layers.map((l) => join(dir, safeEntryPath(l)));
    const names = (e.RepoTags ?? []).map(archiveImageName);
    out.push({ record: await commitImage(store, config, configBytes, layerFiles, names), names });
  }
  return out;
}

function ociBlob(dir: string, d: Descriptor): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(d.digest);
  if (!m) throw new TspodError(`unsupported digest "${d.digest}" in the OCI layout`);
  const path = join(dir, 'blobs', 'sha256', m[1]!);
  if (!regularFile(path)) throw new TspodError(`the OCI layout lacks blob ${d.digest}`);
  return path;
}

/** A plain file (a directory given to load may hold symlinks: a blob is never read through one). */
function regularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** docker-dir (containers/image's dir: transport): DIR/manifest.json (one v2s2 or OCI manifest),
 * DIR/version, each blob under its hex digest. Loaded without a name, as podman loads it. */
async function loadDockerDir(store: Store, dir: string): Promise<LoadedImage[]> {
  const manifest = parseJsonFile<Manifest>(join(dir, 'manifest.json'), 'docker-dir manifest.json');
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new TspodError(`${dir}/manifest.json is not an image manifest`);
  const blob = async (d: Descriptor): Promise<string> => {
    const m = /^sha256:([a-f0-9]{64})$/.exec(d.digest);
    if (!m) throw new TspodError(`unsupported digest "${d.digest}" in ${dir}/manifest.json`);
    const path = join(dir, m[1]!);
    if (!regularFile(path)) throw new TspodError(`the image directory ${dir} lacks blob ${d.digest}`);
    const h = createHash('sha256');
    await pipeline(createReadStream(path), h);
    if ('sha256:' + h.digest('hex') !== d.digest) throw new TspodError(`blob ${d.digest} does not match its digest; the image directory is corrupt and nothing was stored`);
    return path;
  };
  const configBytes = readFileSync(await blob(manifest.config));
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const layerFiles: string[] = [];
  for (const l of manifest.layers) layerFiles.push(await blob(l));
  return [{ record: await commitImage(store, config, configBytes, layerFiles, []), names: [] }];
}

async function verifiedBlob(dir: string, d: Descriptor): Promise<Buffer> {
  const bytes = readFileSync(ociBlob(dir, d));
  if (sha256(bytes) !== d.digest) throw new TspodError(`blob ${d.digest} does not match its digest; the archive is corrupt and nothing was stored`);
  return bytes;
}

async function loadOciLayout(store: Store, dir: string): Promise<LoadedImage[]> {
  const index = parseJsonFile<{ manifests: Descriptor[] }>(join(dir, 'index.json'), 'OCI index.json');
  const out: LoadedImage[] = [];
  for (const d of index.manifests) {
    if (d.mediaType !== MEDIA.ociManifest && d.mediaType !== 'application/vnd.docker.distribution.manifest.v2+json') {
      throw new TspodError(`unsupported manifest media type "${d.mediaType}" in the OCI layout`);
    }
    const manifest = JSON.parse((await verifiedBlob(dir, d)).toString('utf8')) as Manifest;
    const configBytes = await verifiedBlob(dir, manifest.config);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    for (const l of manifest.layers) {
      const h = createHash('sha256');
      await pipeline(createReadStream(ociBlob(dir, l)), h);
      if ('sha256:' + h.digest('hex') !== l.digest) throw new TspodError(`layer ${l.digest} does not match its digest; the archive is corrupt and nothing was stored`);
    }
    const ref = d.annotations?.['org.opencontainers.image.ref.name'];
    // A bare tag ("latest") names no repository: the image is loaded without a name.
    const names = ref && /[/:]/.test(ref) && !/^[\w][\w.-]*$/.test(ref) ? [archiveImageName(ref)] : [];
    out.push({ record: await commitImage(store, config, configBytes, manifest.layers.map((l) => ociBlob(dir, l)), names), names });
  }
  return out;
}

/** `tspod load`: a docker-archive or oci-archive tarball. */
export async function loadArchive(store: Store, file: string): Promise<LoadedImage[]> {
  // a directory: an image saved with --format docker-dir or oci-dir, read where it is
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    if (regularFile(join(file, 'version')) && regularFile(join(file, 'manifest.json'))) return loadDockerDir(store, file);
    if (regularFile(join(file, 'index.json')) && regularFile(join(file, 'oci-layout'))) return loadOciLayout(store, file);
    throw new TspodError(`payload does not match any of the supported image formats:\n * ${file} is a directory but neither a docker-dir (version, manifest.json) nor an oci-dir (index.json, oci-layout)`);
  }
  const dir = await unpackArchive(store, file);
  try {
    if (existsSync(join(dir, 'manifest.json'))) return await loadDockerArchive(store, dir);
    if (existsSync(join(dir, 'index.json')) && existsSync(join(dir, 'oci-layout'))) return await loadOciLayout(store, dir);
    throw new TspodError(`${file} is neither a docker-archive (no manifest.json) nor an oci-archive (no index.json and oci-layout)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `tspod import`: a root filesystem tarball becomes a one-layer image. */
export interface ImportOptions {
  arch?: string;
  os?: string;
  variant?: string;
  /** --change instructions (commit's) */
  changes?: string[];
  /** --message: the history entry's comment */
  message?: string;
}

export async function importTarball(store: Store, file: string, name?: string, o: ImportOptions = {}): Promise<ImageRecord> {
  if (!existsSync(file)) throw new TspodError(`${file}: no such file`);
  const names = name ? [localImageName(name)] : [];
  const base = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };
  const runConfig = o.changes?.length ? applyChanges(base, o.changes) : base;
  const diffId = await diffIdOf(file);
  const config: ImageConfig & { variant?: string } = {
    architecture: o.arch || hostPlatform().architecture,
    os: o.os || 'linux',
    ...(o.variant ? { variant: o.variant } : {}),
    created: new Date().toISOString(),
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: new Date().toISOString(), created_by: `/bin/sh -c #(nop) ADD file:${diffId.slice(7)} in /`, comment: o.message ?? 'imported from tarball' }],
  };
  return commitImage(store, config, Buffer.from(JSON.stringify(config)), [file], names);
}
