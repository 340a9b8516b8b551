// `tspod manifest ...`: manifest lists in the local store (create, add, annotate,
// remove, inspect, exists, rm) and pushed to a registry with their instances.
import { MEDIA } from '../image/manifest.js';
import {
  ListStore, listDocument, localEntry, newListId, pushList, remoteDocument, remoteEntries,
  type ListEntry, type ListPlatform, type ListRecord,
} from '../image/manifest-list.js';
import { findLocalImage, localImageName } from '../image/resolve.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { parseCreds, type RegistryOptions } from './registry.js';
import { openStore } from './store.js';

export interface InstanceOverrides {
  annotation?: string[];
  arch?: string;
  os?: string;
  variant?: string;
  osVersion?: string;
  features?: string[];
  osFeatures?: string[];
}

export interface AddOptions extends RegistryOptions, InstanceOverrides {
  /** a list named to add: all of its instances, not only this platform's */
  all?: boolean;
}

function lists(store: Store): ListStore {
  return new ListStore(store.root);
}

function findList(store: Store, ref: string): ListRecord | undefined {
  try {
    return findLocalImage(lists(store).list(), ref);
  } catch {
    return undefined;
  }
}

/** The list REF names, or podman's errors: not known (exit 1 for rm), or an image that is no list. */
function needList(store: Store, ref: string, notKnownCode = 125): ListRecord {
  const l = findList(store, ref);
  if (l) return l;
  const img = findLocalImage(store.images.list(), ref);
  if (img) throw new TspodError(`${img.names[0] ?? ref}: image is not a manifest list`);
  throw new TspodError(`${ref}: image not known`, notKnownCode);
}

function parseAnnotations(list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq < 0) throw new TspodError(`no value given for annotation "${a}"`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

function applyOverrides(e: ListEntry, o: InstanceOverrides): ListEntry {
  const annotations = parseAnnotations(o.annotation);
  const p: ListPlatform = { ...(e.platform ?? { architecture: '', os: '' }) };
  if (o.arch) p.architecture = o.arch;
  if (o.os) p.os = o.os;
  if (o.variant) p.variant = o.variant;
  if (o.osVersion) p['os.version'] = o.osVersion;
  if (o.features?.length) p.features = o.features;
  if (o.osFeatures?.length) p['os.features'] = o.osFeatures;
  return { ...e, platform: p, ...(annotations ? { annotations: { ...e.annotations, ...annotations } } : {}) };
}

/** The entries IMAGE adds: `containers-storage:NAME` a stored image; `docker://NAME` or a bare name
 * the registry's image (podman reads bare names from the registry too). */
async function entriesFor(store: Store, image: string, o: AddOptions): Promise<{ entries: ListEntry[]; source: string }> {
  const m = /^(containers-storage|oci-archive|docker-archive|oci|dir|docker-daemon):(.*)$/.exec(image);
  const transport = image.startsWith('docker://') ? 'docker' : m ? m[1]! : 'docker';
  if (transport === 'containers-storage') {
    const name = m![2]!;
    const img = findLocalImage(store.images.list(), name);
    if (!img) throw new TspodError(`${name}: image not known`);
    return { entries: [localEntry(store, img)], source: 'local' };
  }
  if (transport !== 'docker') {
    throw new TspodError(`"${image}": tspod adds images from its store (containers-storage:NAME) or a registry (docker://NAME), not from the ${transport} transport`);
  }
  try {
    return await remoteEntries(image, Boolean(o.all), { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir });
  } catch (err) {
    if (!(err instanceof TspodError)) throw err;
    const local = findLocalImage(store.images.list(), image.replace(/^docker:\/\//, ''));
    const hint = local ? `; to add the local image, name it containers-storage:${image.replace(/^docker:\/\//, '')}` : '';
    throw new TspodError(`setting up to read manifest and configuration from "docker://${image.replace(/^docker:\/\//, '')}": ${err.message}${hint}`);
  }
}

function addEntries(r: ListRecord, entries: ListEntry[], source: string): void {
  for (const e of entries) {
    r.manifests = r.manifests.filter((m) => m.digest !== e.digest);
    r.manifests.push(e);
    r.sources[e.digest] = source;
  }
}

export async function manifestCreate(name: string, images: string[], o: AddOptions & { amend?: boolean }): Promise<string> {
  const store = openStore();
  const full = localImageName(name);
  // Read the images first (they may come from a registry), then change the store under its lock.
  const adds: Array<{ entries: ListEntry[]; source: string }> = [];
  for (const image of images) adds.push(await entriesFor(store, image, o));
  return store.locked(async () => {
    const existing = findLocalImage(lists(store).list(), full);
    const img = store.images.list().find((i) => i.names.includes(full));
    if (img || (existing && !o.amend)) {
      throw new TspodError(`creating image to hold manifest list: image name "${full}" is already associated with image "${(img ?? existing)!.id.slice(7)}": that name is already in use`);
    }
    const r: ListRecord = existing ?? { version: 1, id: newListId(), names: [full], created: new Date().toISOString(), mediaType: MEDIA.dockerList, manifests: [], sources: {} };
    for (const a of adds) addEntries(r, a.entries, a.source);
    lists(store).save(r);
    return r.id.slice(7);
  });
}

export async function manifestAdd(list: string, images: string[], o: AddOptions): Promise<string> {
  const store = openStore();
  needList(store, list);
  parseAnnotations(o.annotation);
  const adds: Array<{ entries: ListEntry[]; source: string }> = [];
  for (const image of images) adds.push(await entriesFor(store, image, o));
  return store.locked(async () => {
    const r = needList(store, list);
    for (const a of adds) addEntries(r, a.entries.map((e) => applyOverrides(e, o)), a.source);
    lists(store).save(r);
    return r.id.slice(7);
  });
}

/** The instance DIGEST names: a digest in the list, or a stored image whose manifest is in it. */
function instanceDigest(store: Store, r: ListRecord, ref: string, what: string): string {
  if (/^sha256:[a-f0-9]{64}$/.test(ref)) {
    if (!r.manifests.some((m) => m.digest === ref)) throw new TspodError(`${what}: no instance matching digest "${ref}" found in manifest list: file does not exist`);
    return ref;
  }
  const img = findLocalImage(store.images.list(), ref.replace(/^containers-storage:/, ''));
  if (img && r.manifests.some((m) => m.digest === img.digest)) return img.digest;
  throw new TspodError(`${what}: "${ref}" names no instance of the list; give the instance's digest (see \`tspod manifest inspect\`)`);
}

export async function manifestAnnotate(list: string, instance: string, o: InstanceOverrides): Promise<string> {
  const store = openStore();
  parseAnnotations(o.annotation);
  return store.locked(async () => {
    const r = needList(store, list);
    const digest = instanceDigest(store, r, instance, `annotating manifest list ${list}`);
    r.manifests = r.manifests.map((m) => (m.digest === digest ? applyOverrides(m, o) : m));
    lists(store).save(r);
    return r.id.slice(7);
  });
}

export async function manifestRemove(list: string, instance: string): Promise<string> {
  const store = openStore();
  return store.locked(async () => {
    const r = needList(store, list);
    const digest = instanceDigest(store, r, instance, `removing from manifest list ${list}`);
    r.manifests = r.manifests.filter((m) => m.digest !== digest);
    delete r.sources[digest];
    lists(store).save(r);
    return r.id.slice(7);
  });
}

export function manifestExists(ref: string): boolean {
  return findList(openStore(), ref) !== undefined;
}

/** A stored list's document, or (when REF names no list here) the manifest or index a registry holds. */
export async function manifestInspect(ref: string, o: RegistryOptions): Promise<Record<string, unknown>> {
  const store = openStore();
  const l = findList(store, ref);
  if (l) return listDocument(l);
  const name = ref.replace(/^docker:\/\//, '');
  try {
    return JSON.parse((await remoteDocument(name, { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir })).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof TspodError)) throw err;
    throw new TspodError(`reading image "docker://${name}": ${err.message}`);
  }
}

/** Remove lists; each result is its lines (Untagged/Deleted) or its error. */
export async function manifestRm(refs: string[]): Promise<Array<{ lines: string[] } | { error: TspodError }>> {
  const store = openStore();
  return store.locked(async () => refs.map((ref) => {
    try {
      const r = needList(store, ref, 1);
      lists(store).delete(r.id);
      return { lines: [...r.names.map((n) => `Untagged: ${n}`), `Deleted: ${r.id.slice(7)}`] };
    } catch (err) {
      if (err instanceof TspodError) return { error: err };
      throw err;
    }
  }));
}

export interface ManifestPushOptions extends RegistryOptions {
  all: boolean;
  format?: string;
  rm?: boolean;
  quiet?: boolean;
  compressionFormat?: string;
  signBy?: string;
  signBySigstoreKey?: string;
  /** podman's progress lines (stderr), unless --quiet */
  progress?(line: string): void;
}

export async function manifestPush(list: string, dest: string, o: ManifestPushOptions): Promise<string> {
  if (o.format !== undefined && o.format !== 'oci' && o.format !== 'v2s2') {
    throw new TspodError(`unknown format "${o.format}". Choose one of the supported formats: 'oci' or 'v2s2'`);
  }
  if (o.compressionFormat !== undefined && o.compressionFormat !== 'gzip') {
    throw new TspodError(o.compressionFormat === 'zstd' || o.compressionFormat === 'zstd:chunked'
      ? `--compression-format ${o.compressionFormat}: tspod pushes layers as they are stored (gzip) and does not recompress them; use gzip`
      : `cannot find compressor for "${o.compressionFormat}"`);
  }
  if (o.signBy !== undefined) throw new TspodError('creating signature: tspod does not sign images (no GPG signing support); push without --sign-by');
  if (o.signBySigstoreKey !== undefined) throw new TspodError('creating signature: sigstore signing is not supported by tspod; push without --sign-by-sigstore-private-key');
  const store = openStore();
  const r = needList(store, list);
  const mediaType = o.format === 'oci' ? MEDIA.ociIndex : o.format === 'v2s2' ? MEDIA.dockerList : undefined;
  const digest = await pushList(store, r, dest, {
    all: o.all, mediaType, tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir,
    progress: o.progress,
  });
  o.progress?.('Storing list signatures');
  if (o.rm) await store.locked(async () => lists(store).delete(r.id));
  return digest;
}
