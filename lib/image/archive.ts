// Images from files: `load` of docker-archive and oci-archive tarballs and
// `import` of a plain root filesystem tarball. Every blob is verified against
// the digest that names it, and every layer against the config's diff_ids,
// before the image record is written.
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, existsSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import type { Store } from '../storage/store.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { safeEntryPath } from '../storage/extract.js';
import { sha256File } from '../storage/blobs.js';
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
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string')) throw new TspodError('the image config\'s rootfs.diff_ids is not a list of digests; the image is corrupt and nothing was stored');
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
      // as it is, with the new names; what this load brought in that nothing uses goes again (only
      // what it brought: a blob that was there may be one another load is about to record).
      const record: ImageRecord = { ...existing, names: [...new Set([...existing.names, ...names])] };
      store.images.save(record);
      const used = new Set([...store.images.list().flatMap((i) => [i.id, i.digest, ...i.layerBlobs]), ...store.layers.list().map((l) => l.blob)]);
      for (const d of [manifestDigest, ...layers.map((l) => l.digest)]) if (!used.has(d) && store.blobs.created.has(d)) store.blobs.remove(d);
      return record;
    }
    // Another load may have taken back a blob this one found there before the lock: put it again.
    for (let i = 0; i < layers.length; i++) if (!store.blobs.has(layers[i]!.digest)) await store.blobs.putFile(layerFiles[i]!, layers[i]!.digest);
    if (!store.blobs.has(configDigest)) store.blobs.putBytes(configBytes, configDigest);
    if (!store.blobs.has(manifestDigest)) store.blobs.putBytes(manifestBytes, manifestDigest);
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

/** Manifests, indexes and configs are small: anything larger is no image's (and would not fit a string). */
const MAX_JSON = 8 << 20;

function parseJsonFile<T>(path: string, what: string): T {
  return parseJson<T>(jsonBytes(path, what).toString('utf8'), what, path);
}

/** A manifest's or config's bytes, within MAX_JSON. */
function jsonBytes(path: string, what: string): Buffer {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > MAX_JSON) throw new TspodError(`${what} is ${size} bytes, larger than any image's (${MAX_JSON}); the image is corrupt and nothing was stored`);
  return readFileSync(path);
}

function parseJson<T>(text: string, what: string, path?: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new TspodError(`${what}${path === undefined ? '' : ` (${path})`} is missing or not valid JSON: ${(err as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A descriptor as the loaders use it: a digest string (its form checked where it names a file). */
function checkDescriptor(d: unknown, what: string): Descriptor {
  if (!isObject(d) || typeof d.digest !== 'string') throw new TspodError(`${what}: a descriptor without a digest; the image is corrupt and nothing was stored`);
  return d as unknown as Descriptor;
}

function checkManifest(m: unknown, what: string): Manifest {
  if (!isObject(m) || !Array.isArray(m.layers)) throw new TspodError(`${what} is not an image manifest (no layers); the image is corrupt and nothing was stored`);
  checkDescriptor(m.config, `${what} config`);
  m.layers.forEach((l, i) => checkDescriptor(l, `${what} layer ${i + 1}`));
  return m as unknown as Manifest;
}

function parseConfig(bytes: Buffer, what: string): ImageConfig {
  const c = parseJson<unknown>(bytes.toString('utf8'), what);
  if (!isObject(c)) throw new TspodError(`${what} is not an image config; the image is corrupt and nothing was stored`);
  return c as unknown as ImageConfig;
}

/** A file of a directory given to load, which is the user's and may change while tspod reads it:
 * copied once into a private directory (opened without following a link and without blocking on a
 * FIFO; a plain file; JSON at most MAX_JSON bytes), so that every check, and what is stored, is the
 * copy. The files of an unpacked archive are private already. */
type Source = (rel: string, json?: boolean) => string;

function stagedSource(store: Store, dir: string): { src: Source; dispose(): void } {
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const stage = mkdtempSync(join(store.root, 'tmp', 'loaddir-'));
  const copies = new Map<string, string>();
  const src: Source = (rel, json = false) => {
    const done = copies.get(rel);
    if (done) return done;
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (!lstatSync(join(dir, ...parts.slice(0, i)), { throwIfNoEntry: false })?.isDirectory()) throw new TspodError(`${join(dir, ...parts.slice(0, i))} is not a directory of the image directory ${dir}`);
    }
    let fd: number;
    try {
      fd = openSync(join(dir, rel), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      throw new TspodError(`the image directory ${dir} lacks ${rel} as a plain file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const out = join(stage, String(copies.size));
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new TspodError(`${join(dir, rel)} is not a plain file; the image directory is not loaded`);
      if (json && st.size > MAX_JSON) throw new TspodError(`${join(dir, rel)} is ${st.size} bytes, larger than any image's manifest or config (${MAX_JSON})`);
      const w = openSync(out, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) writeSync(w, buf, 0, n);
      } finally {
        closeSync(w);
      }
    } finally {
      closeSync(fd);
    }
    copies.set(rel, out);
    return out;
  };
  return { src, dispose: () => rmSync(stage, { recursive: true, force: true }) };
}

/** What one load brought in: the image and the names the archive gave it. */
export interface LoadedImage {
  record: ImageRecord;
  names: string[];
}

async function loadDockerArchive(store: Store, src: Source): Promise<LoadedImage[]> {
  const entries = parseJsonFile<unknown>(src('manifest.json', true), 'docker-archive manifest.json');
  if (!Array.isArray(entries)) throw new TspodError('docker-archive manifest.json is not a list of images; the archive is corrupt and nothing was stored');
  const out: LoadedImage[] = [];
  for (const e of entries as unknown[]) {
    if (!isObject(e) || typeof e.Config !== 'string' || !Array.isArray(e.Layers) || !e.Layers.every((l) => typeof l === 'string')) {
      throw new TspodError('docker-archive manifest.json names an image without a Config file or Layers; the archive is corrupt and nothing was stored');
    }
    const tags = Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    const configBytes = jsonBytes(src(safeEntryPath(e.Config), true), `docker-archive config ${e.Config}`);
    const config = parseConfig(configBytes, `docker-archive config ${e.Config}`);
    const layerFiles = (e.Layers as string[]).map((l) => src(safeEntryPath(l)));
    const names = tags.map(archiveImageName);
    out.push({ record: await commitImage(store, config, configBytes, layerFiles, names), names });
  }
  return out;
}

/** The hex of a sha256 digest (the name of its file), or podman's refusal. */
function digestHex(d: Descriptor, where: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(d.digest);
  if (!m) throw new TspodError(`unsupported digest "${d.digest}" in ${where}`);
  return m[1]!;
}

/** A plain file (a directory given to load may hold symlinks: a blob is never read through one). */
function regularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file at PATH hashed: it must be DIGEST. */
async function checkDigest(path: string, d: Descriptor, corrupt: string): Promise<void> {
  if ((await sha256File(path)) !== d.digest) throw new TspodError(`blob ${d.digest} does not match its digest; ${corrupt} is corrupt and nothing was stored`);
}

/** docker-dir (containers/image's dir: transport): DIR/manifest.json (one v2s2 or OCI manifest),
 * DIR/version, each blob under its hex digest. Loaded without a name, as podman loads it. */
async function loadDockerDir(store: Store, src: Source, dir: string): Promise<LoadedImage[]> {
  const manifest = checkManifest(parseJsonFile<unknown>(src('manifest.json', true), 'docker-dir manifest.json'), `${dir}/manifest.json`);
  const blob = async (d: Descriptor, json = false): Promise<string> => {
    const path = src(digestHex(d, `${dir}/manifest.json`), json);
    await checkDigest(path, d, 'the image directory');
    return path;
  };
  const configBytes = jsonBytes(await blob(manifest.config, true), `the config of ${dir}`);
  const config = parseConfig(configBytes, `the config of ${dir}`);
  const layerFiles: string[] = [];
  for (const l of manifest.layers) layerFiles.push(await blob(l));
  return [{ record: await commitImage(store, config, configBytes, layerFiles, []), names: [] }];
}

async function loadOciLayout(store: Store, src: Source): Promise<LoadedImage[]> {
  const index = parseJsonFile<unknown>(src('index.json', true), 'OCI index.json');
  if (!isObject(index) || !Array.isArray(index.manifests)) throw new TspodError('OCI index.json lists no manifests; the image layout is corrupt and nothing was stored');
  const blob = async (d: Descriptor, json = false): Promise<string> => {
    const path = src(`blobs/sha256/${digestHex(d, 'the OCI layout')}`, json);
    await checkDigest(path, d, 'the OCI layout');
    return path;
  };
  const out: LoadedImage[] = [];
  for (const raw of index.manifests as unknown[]) {
    const d = checkDescriptor(raw, 'OCI index.json');
    if (d.mediaType !== MEDIA.ociManifest && d.mediaType !== 'application/vnd.docker.distribution.manifest.v2+json') {
      throw new TspodError(`unsupported manifest media type "${d.mediaType}" in the OCI layout`);
    }
    const manifest = checkManifest(parseJsonFile<unknown>(await blob(d, true), `manifest ${d.digest}`), `manifest ${d.digest}`);
    const configBytes = jsonBytes(await blob(manifest.config, true), `config ${manifest.config.digest}`);
    const config = parseConfig(configBytes, `config ${manifest.config.digest}`);
    const layerFiles: string[] = [];
    for (const l of manifest.layers) layerFiles.push(await blob(l));
    const ref = d.annotations?.['org.opencontainers.image.ref.name'];
    // A bare tag ("latest") names no repository: the image is loaded without a name.
    const names = typeof ref === 'string' && /[/:]/.test(ref) && !/^[\w][\w.-]*$/.test(ref) ? [archiveImageName(ref)] : [];
    out.push({ record: await commitImage(store, config, configBytes, layerFiles, names), names });
  }
  return out;
}

/** `tspod load`: a docker-archive or oci-archive tarball, or a docker-dir or oci-dir directory. */
export async function loadArchive(store: Store, file: string): Promise<LoadedImage[]> {
  // a directory: an image saved with --format docker-dir or oci-dir, each file copied as it is read
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    const staged = stagedSource(store, file);
    try {
      if (regularFile(join(file, 'version')) && regularFile(join(file, 'manifest.json'))) return await loadDockerDir(store, staged.src, file);
      if (regularFile(join(file, 'index.json')) && regularFile(join(file, 'oci-layout'))) return await loadOciLayout(store, staged.src);
    } finally {
      staged.dispose();
    }
    throw new TspodError(`payload does not match any of the supported image formats:\n * ${file} is a directory but neither a docker-dir (version, manifest.json) nor an oci-dir (index.json, oci-layout)`);
  }
  const dir = await unpackArchive(store, file);
  const src: Source = (rel) => join(dir, rel);
  try {
    if (existsSync(join(dir, 'manifest.json'))) return await loadDockerArchive(store, src);
    if (existsSync(join(dir, 'index.json')) && existsSync(join(dir, 'oci-layout'))) return await loadOciLayout(store, src);
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
