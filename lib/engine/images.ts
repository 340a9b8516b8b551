// Image use cases: list, load, import, remove, and the default busybox image.
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { importTarball, loadArchive, type ImportOptions, type LoadedImage } from '../image/archive.js';
import { archiveImageName, findLocalImage, localImageName } from '../image/resolve.js';
import { saveImages, type SaveFormat } from '../image/save.js';
export type { SaveFormat } from '../image/save.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { openStore } from './store.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { buildStepImageIds } from '../build/cache.js';
import { byteCompare } from '../util/human.js';

/** The images; without ALL, podman's intermediate images are left out: the unnamed ones a
 * `tspod build` step made that another image is built on. */
export function imageList(all = true): ImageRecord[] {
  const store = openStore();
  const list = store.images.list();
  if (all || list.every((i) => i.names.length)) return list;
  const steps = buildStepImageIds(store.root);
  const lengths = new Map<string, number>();
  const historyLength = (i: ImageRecord) => {
    let n = lengths.get(i.id);
    if (n === undefined) lengths.set(i.id, (n = imageConfig(store, i).history?.length ?? 0));
    return n;
  };
  const isParent = (x: ImageRecord) => list.some((y) => y.id !== x.id && y.chainIds.length >= x.chainIds.length
    && x.chainIds.every((c, n) => y.chainIds[n] === c) && historyLength(y) > historyLength(x));
  return list.filter((i) => i.names.length || !steps.has(i.id) || !isParent(i));
}

/** The labels of each stored image (images --filter label=), by id. */
export function imageLabels(): Map<string, Record<string, string>> {
  const store = openStore();
  const out = new Map<string, Record<string, string>>();
  for (const img of store.images.list()) {
    try {
      out.set(img.id, (imageConfig(store, img) as { config?: { Labels?: Record<string, string> | null } }).config?.Labels ?? {});
    } catch {
      out.set(img.id, {});
    }
  }
  return out;
}

/** The image a filter value names (images --filter before=/since=), podman's error when none. */
export function imageForFilter(key: string, ref: string): ImageRecord {
  const img = findLocalImage(openStore().images.list(), ref);
  if (!img) throw new TspodError(`could not find local image for filter filter "${key}"="${ref}": ${ref}: image not known`);
  return img;
}

export function imageConfig(store: Store, img: ImageRecord): ImageConfig {
  return JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
}

export async function imageLoad(file: string): Promise<LoadedImage[]> {
  // load -i http(s)://...: the archive is fetched to a file first (as podman does)
  if (/^https?:\/\//i.test(file)) {
    // Bounded: at most TSPOD_LAYER_MAX_BYTES (64 GiB) and an hour; an https URL is never sent on to
    // http; credentials in the URL are not repeated in messages.
    // user:password@ in the URL (fetch refuses URLs with credentials): sent as Basic auth to that
    // origin only, and never repeated in a message
    let shown: string;
    let auth: string | undefined;
    let origin: string;
    try {
      const u = new URL(file);
      if (u.username || u.password) auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
      u.username = u.password = '';
      shown = u.href;
      origin = u.origin;
    } catch {
      throw new TspodError(`invalid URL ${JSON.stringify(file)}`);
    }
    const max = (await import('../storage/extract.js')).defaultLimits().maxBytes;
    const signal = AbortSignal.timeout(3600_000);
    let url = shown;
    let res: Response;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = auth && new URL(url).origin === origin ? { authorization: auth } : {};
      res = await fetch(url, { redirect: 'manual', signal, headers }).catch((err: Error) => {
        throw new TspodError(`fetching ${shown}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      });
      const next = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (!next) break;
      const to = new URL(next, url);
      if (hop >= 8 || !/^https?:$/.test(to.protocol) || (new URL(url).protocol === 'https:' && to.protocol !== 'https:')) {
        throw new TspodError(`fetching ${shown}: refusing the redirect to ${to.protocol}//${to.host}${to.pathname} (at most 8, never from https to http)`);
      }
      url = to.href;
    }
    if (!res.ok || !res.body) throw new TspodError(`fetching ${shown}: the server answered ${res.status} ${res.statusText}`);
    const { Readable, Transform } = await import('node:stream');
    let seen = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > max ? new TspodError(`fetching ${shown}: the archive is larger than ${max} bytes (TSPOD_LAYER_MAX_BYTES)`) : null, chunk);
      },
    });
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    body.on('error', (err) => cap.destroy(new TspodError(`fetching ${shown}: ${err.message}`)));
    return imageLoadStream(body.pipe(cap));
  }
  const store = openStore();
  return undoBlobsOnFailure(store, () => loadArchive(store, file));
}

/** The blobs an image references: config, manifest, the manifests it was pulled by, layers. */
function blobsOf(img: ImageRecord): string[] {
  return [img.id, img.digest, ...(img.repoDigests ?? []).map((r) => r.slice(r.lastIndexOf('@') + 1)), ...img.layerBlobs].filter((d) => /^sha256:[0-9a-f]{64}$/.test(d));
}

/** Remove those of DIGESTS no image record references (under the store's lock, where records change). */
async function dropUnreferencedBlobs(store: Store, digests: Iterable<string>): Promise<void> {
  await store.locked(async () => {
    const used = new Set(store.images.list().flatMap(blobsOf));
    for (const d of digests) if (!used.has(d) && /^sha256:[0-9a-f]{64}$/.test(d)) store.blobs.remove(d);
  });
}

/** A failed import or load takes back the blobs it wrote that no image uses. */
async function undoBlobsOnFailure<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await dropUnreferencedBlobs(store, store.blobs.written).catch(() => undefined);
    throw err;
  }
}

/** `load` from a stream (stdin): spooled to a file first, as the archive is read twice. */
export async function imageLoadStream(input: NodeJS.ReadableStream): Promise<LoadedImage[]> {
  const store = openStore();
  mkdirSync(join(store.root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(store.root, 'tmp', 'stdin-'));
  try {
    const file = join(dir, 'archive.tar');
    await pipeline(input, createWriteStream(file));
    return await undoBlobsOnFailure(store, () => loadArchive(store, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function imageImport(file: string, name?: string, o: ImportOptions = {}): Promise<ImageRecord> {
  const store = openStore();
  return undoBlobsOnFailure(store, () => importTarball(store, file, name, o));
}

export interface RmiReport {
  id: string;
  untagged: string[];
  deleted: boolean;
  error?: string;
}

/** Remove images; layers and blobs no longer used by any image go too. */
export async function imageRemove(refs: string[], force: boolean, all = false, noPrune = false): Promise<RmiReport[]> {
  const store = openStore();
  if (all) {
    if (refs.length) throw new TspodError('when using the --all switch, you may not pass any images names or IDs');
    // manifest lists are images to podman's rmi -a too
    const { ListStore } = await import('../image/manifest-list.js');
    refs = [...store.images.list().map((i) => i.id), ...new ListStore(store.root).list().map((l) => l.id)];
    if (!refs.length) return [];
  }
  const reports: RmiReport[] = [];
  const deleted: ImageRecord[] = [];
  for (const ref of refs) {
    const img = findLocalImage(store.images.list(), ref);
    if (!img) {
      // a manifest list of that name goes as an image does (podman's rmi takes them)
      const { ListStore } = await import('../image/manifest-list.js');
      const lists = new ListStore(store.root);
      let list;
      try {
        list = findLocalImage(lists.list(), ref);
      } catch {
        list = undefined;
      }
      if (list) {
        await store.locked(async () => lists.delete(list.id));
        reports.push({ id: list.id, untagged: list.names, deleted: true });
        continue;
      }
      reports.push({ id: ref, untagged: [], deleted: false, error: `${ref}: image not known` });
      continue;
    }
    // REPO@DIGEST of an image that has names: podman keeps such a reference as a name of its own
    // and rmi untags only it (tspod derives it from the pull); the image and its tags stay.
    const byDigest = /^(.+)@(sha256:[a-f0-9]{64})$/.exec(ref);
    if (byDigest && img.names.length) {
      reports.push({ id: img.id, untagged: [ref], deleted: false });
      continue;
    }
    // A name of an image with other names: only that name goes (podman's rmi).
    const named = img.names.filter((n) => nameForms(ref).includes(n));
    if (named.length && img.names.length > named.length && !/^(sha256:)?[a-f0-9]{3,64}$/.test(ref)) {
      await store.locked(async () => store.images.save({ ...img, names: img.names.filter((n) => !named.includes(n)) }));
      reports.push({ id: img.id, untagged: named, deleted: false });
      continue;
    }
    const users = store.containers.summaries().filter((c) => c.imageId === img.id);
    if (users.length && !force) {
      reports.push({ id: ref, untagged: [], deleted: false, error: `image used by ${users.map((c) => c.id.slice(0, 12)).join(', ')}: image is in use by a container: consider listing external containers and force-removing image` });
      continue;
    }
    await store.locked(async () => store.images.delete(img.id));
    deleted.push(img);
    reports.push({ id: img.id, untagged: img.names, deleted: true });
    // as podman's: the unnamed build step images it was built on go too, as long as no other image
    // is built on them and no container uses them (and with them, their cache entries)
    // (--no-prune keeps them)
    for (let parent = noPrune ? undefined : danglingParent(store, img); parent; parent = danglingParent(store, parent)) {
      const p = parent;
      await store.locked(async () => store.images.delete(p.id));
      deleted.push(p);
      reports.push({ id: p.id, untagged: [], deleted: true });
    }
  }
  await store.locked(async () => {
    const images = store.images.list();
    const usedChains = new Set(images.flatMap((i) => i.chainIds));
    const layers = store.layers.list();
    // the blobs the images name, and those a layer still in use was extracted from (save's fallback)
    const usedBlobs = new Set([...images.flatMap(blobsOf), ...layers.filter((l) => usedChains.has(l.chainId)).map((l) => l.blob)]);
    const unusedLayers = layers.filter((l) => !usedChains.has(l.chainId));
    await store.layers.remove(unusedLayers.map((l) => l.chainId));
    for (const l of unusedLayers) if (!usedBlobs.has(l.blob)) store.blobs.remove(l.blob);
    // The removed images' own blobs: config, manifest(s) and layers no other image shares.
    for (const d of new Set(deleted.flatMap(blobsOf))) if (!usedBlobs.has(d)) store.blobs.remove(d);
  });
  if (reports.some((r) => r.error) && reports.length === 1) throw new TspodError(reports[0]!.error!, /image not known/.test(reports[0]!.error!) ? 1 : 125);
  return reports;
}

/** The unnamed build step image CHILD (just removed) was built on, when nothing else needs it: no
 * other image is built on it and no container uses it. A parent: an image whose layers begin
 * CHILD's and whose history is shorter (the longest such). */
function danglingParent(store: Store, child: ImageRecord): ImageRecord | undefined {
  const steps = buildStepImageIds(store.root);
  if (!steps.size) return undefined;
  const images = store.images.list();
  const historyLength = (i: ImageRecord) => {
    try {
      return imageConfig(store, i).history?.length ?? 0;
    } catch {
      return 0;
    }
  };
  const isParentOf = (x: ImageRecord, y: ImageRecord, yLength: number) => y.id !== x.id && y.chainIds.length >= x.chainIds.length
    && x.chainIds.every((c, n) => y.chainIds[n] === c) && yLength > historyLength(x);
  const childLength = historyLength(child);
  const parent = images.filter((x) => isParentOf(x, child, childLength))
    .sort((a, b) => historyLength(b) - historyLength(a))[0];
  if (!parent || parent.names.length || !steps.has(parent.id)) return undefined;
  if (images.some((y) => isParentOf(parent, y, historyLength(y)))) return undefined;
  if (store.containers.summaries().some((c) => c.imageId === parent.id)) return undefined;
  return parent;
}

/** The full names REF may stand for (it may be short, or not a name at all). */
function nameForms(ref: string): string[] {
  const forms = [ref];
  for (const f of [localImageName, archiveImageName]) {
    try {
      forms.push(f(ref));
    } catch {
      /* an id or a digest reference: no name form */
    }
  }
  return forms;
}

function mustFind(store: Store, ref: string): ImageRecord {
  const img = findLocalImage(store.images.list(), ref);
  if (!img) throw new TspodError(`${ref}: image not known`);
  return img;
}

/** `tag`: more names for an image (short names become localhost/NAME:latest). */
export async function imageTag(ref: string, names: string[]): Promise<void> {
  const store = openStore();
  await store.locked(async () => {
    const img = mustFind(store, ref);
    store.images.save({ ...img, names: [...new Set([...img.names, ...names.map(localImageName)])] });
  });
}

/** `untag`: remove the given names, or all of them. */
export async function imageUntag(ref: string, names: string[]): Promise<void> {
  const store = openStore();
  await store.locked(async () => {
    const img = mustFind(store, ref);
    const drop = new Set<string>();
    for (const n of names) {
      // NAME@DIGEST of this image (a pull by digest): podman keeps it as a name and untags it;
      // tspod keeps no such names (it derives them), so there is nothing to drop
      const digest = /@(sha256:[a-f0-9]{64})$/.exec(n)?.[1];
      if (digest && (digest === img.digest || (img.repoDigests ?? []).some((r) => r.endsWith(`@${digest}`)))) continue;
      const forms = nameForms(n).filter((f) => img.names.includes(f));
      if (!forms.length) throw new TspodError(`${n}: not a name of image ${img.id.slice(7, 19)}`);
      forms.forEach((f) => drop.add(f));
    }
    store.images.save({ ...img, names: names.length ? img.names.filter((n) => !drop.has(n)) : [] });
  });
}

export interface HistoryRow {
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
}

/** `history`: the config's history, newest first, with each layer's size. */
export function imageHistory(ref: string): HistoryRow[] {
  const store = openStore();
  const img = mustFind(store, ref);
  const cfg = imageConfig(store, img);
  let layer = 0;
  const rows = (cfg.history ?? []).map((h) => {
    const size = h.empty_layer ? 0 : img.layerBlobs[layer] ? store.blobs.size(img.layerBlobs[layer++]!) : 0;
    return { id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '' };
  }).reverse();
  if (rows[0]) rows[0].id = img.id.slice(7);
  return rows;
}

export async function imageSave(refs: string[], format: SaveFormat, output: string | NodeJS.WritableStream, o: { uncompressed?: boolean; compress?: boolean } = {}): Promise<void> {
  const store = openStore();
  const images = refs.map((r) => {
    const img = mustFind(store, r);
    return { img, names: img.names.filter((n) => nameForms(r).includes(n)) };
  });
  await saveImages(store, images, format, output, o);
}

/** image prune --filter: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME (podman's keys). */
export function pruneFilter(filters: string[]): (i: ImageRecord, labels: () => Record<string, string>) => boolean {
  const tests = filters.map((f) => {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    if (key === 'until') {
      const t = parseTime(value);
      return (i: ImageRecord) => Date.parse(i.created) < t;
    }
    if (key === 'label' || key === 'label!') {
      const [k, v] = value.includes('=') ? [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)] : [value, undefined];
      const has = (l: Record<string, string>) => k in l && (v === undefined || l[k] === v);
      return (_i: ImageRecord, labels: () => Record<string, string>) => (key === 'label' ? has(labels()) : !has(labels()));
    }
    throw new TspodError(`unsupported image filter "${key}"`);
  });
  return (i, labels) => tests.every((t) => t(i, labels));
}

/** podman's until= value: a timestamp, seconds since the epoch, or a duration before now. */
function parseTime(v: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const dur = /^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(v)
    ? [...v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((n, m) => n + Number(m[1]) * units[m[2]!]!, 0) : undefined;
  if (dur !== undefined) return Date.now() - dur;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TspodError(`failed to parse value as time or duration: "${v}"`);
  return t;
}

/** `image prune`: images without names (all unused ones with -a) that no container uses. */
export async function imagePrune(all: boolean, filters: string[] = []): Promise<string[]> {
  const store = openStore();
  const keep = pruneFilter(filters);
  let labels: Map<string, Record<string, string>> | undefined;
  const labelsOf = (i: ImageRecord) => () => (labels ??= imageLabels()).get(i.id) ?? {};
  const used = new Set(store.containers.summaries().map((c) => c.imageId));
  const victims = store.images.list().filter((i) => !used.has(i.id) && (all || i.names.length === 0) && keep(i, labelsOf(i)));
  if (victims.length) await imageRemove(victims.map((v) => v.id.slice(7)), false, false, true);
  return victims.map((v) => v.id.slice(7));
}

/** `image diff IMAGE [IMAGE]`: what the image's top layer adds, changes and deletes over the layers
 * below it; with a second image, IMAGE's files against that image's. */
export async function imageDiff(ref: string, other?: string): Promise<Array<{ kind: 'A' | 'C' | 'D'; path: string }>> {
  const store = openStore();
  const img = mustFind(store, ref);
  const { layerDiff } = await import('./containers.js');
  const dirs = img.chainIds.map((c) => store.layers.diffDir(c));
  if (other === undefined) return dirs.length ? layerDiff(dirs.at(-1)!, dirs.slice(0, -1).reverse()) : [];
  const base = mustFind(store, other);
  const baseDirs = new Set(base.chainIds);
  // The layers IMAGE has beyond those it shares with the other image, each over the other's.
  const own = img.chainIds.filter((c) => !baseDirs.has(c)).map((c) => store.layers.diffDir(c));
  const lowers = base.chainIds.map((c) => store.layers.diffDir(c)).reverse();
  const seen = new Map<string, 'A' | 'C' | 'D'>();
  for (const d of own) for (const e of layerDiff(d, lowers)) seen.set(e.path, e.kind);
  return [...seen].sort(([x], [y]) => byteCompare(x, y)).map(([path, kind]) => ({ kind, path }));
}

export interface ImageTree {
  id: string;
  names: string[];
  size: number;
  layers: Array<{ id: string; size: number; topOf: string[] }>;
  /** with --whatrequires: the images built on this one */
  children: Array<{ id: string; names: string[] }>;
}

function historyLength(store: Store, img: ImageRecord): number {
  try {
    return imageConfig(store, img).history?.length ?? 0;
  } catch {
    return 0;
  }
}

/** `image tree`: the image's layers, bottom first, with the images whose top layer each is. */
export function imageTree(ref: string): ImageTree {
  const store = openStore();
  const img = mustFind(store, ref);
  const all = store.images.list();
  const blobSize = (d: string) => (store.blobs.has(d) ? store.blobs.size(d) : 0);
  return {
    id: img.id.slice(7), names: img.names, size: img.size,
    layers: img.chainIds.map((c, i) => ({
      id: c.replace(/^sha256:/, ''), size: blobSize(img.layerBlobs[i] ?? ''),
      topOf: all.filter((o) => o.chainIds.at(-1) === c).flatMap((o) => o.names),
    })),
    // those built on the image, the nearer first (fewer layers, then a shorter history), as podman's tree
    // lists the layers above it bottom first
    children: all.filter((o) => o.id !== img.id && o.chainIds.length > img.chainIds.length && img.chainIds.every((c, i) => o.chainIds[i] === c))
      .map((o) => ({ o, depth: [o.chainIds.length, historyLength(store, o)] }))
      .sort((x, y) => x.depth[0]! - y.depth[0]! || x.depth[1]! - y.depth[1]!)
      .map(({ o }) => ({ id: o.id.slice(7), names: o.names })),
  };
}

/** `image mount`/`image unmount` work on the layers as the user namespace's root sees them. */
async function mustBeUnsharedFor(verb: string): Promise<void> {
  const { insideUserNamespace } = await import('../runtime/userns.js');
  if (!insideUserNamespace()) throw new TspodError(`cannot run command "tspod ${verb}" in rootless mode, must execute \`tspod unshare\` first`);
}

function imageMountPoint(store: Store, img: ImageRecord): string {
  return join(store.root, 'image-mounts', img.id.slice(7));
}

/** `image mount IMAGE`: its layers, read-only, at a directory of the store (in this mount namespace). */
export async function imageMount(ref: string): Promise<string> {
  await mustBeUnsharedFor('image mount');
  const store = openStore();
  const img = mustFind(store, ref);
  const { mountContainerRoot, mountPoints } = await import('../runtime/userns.js');
  const target = imageMountPoint(store, img);
  if (mountPoints().has(target)) return target;
  const layers = [...img.chainIds].reverse().map((c) => store.layers.diffDir(c));
  // A read-only overlay needs two lower directories: an empty one under a single layer.
  const empty = join(store.root, 'image-mounts', '.empty');
  mkdirSync(empty, { recursive: true });
  mkdirSync(target, { recursive: true });
  const [top, ...rest] = layers.length ? layers : [empty];
  mountContainerRoot({ upperDir: top!, lowerDirs: rest.length ? rest : [empty] }, target);
  return target;
}

export async function mountedImages(): Promise<Array<{ id: string; names: string[]; path: string }>> {
  await mustBeUnsharedFor('image mount');
  const store = openStore();
  const { mountPoints } = await import('../runtime/userns.js');
  const points = mountPoints();
  return store.images.list().map((i) => ({ id: i.id.slice(7), names: i.names, path: imageMountPoint(store, i) })).filter((m) => points.has(m.path));
}

/** `image unmount IMAGE`: the mount goes (a mount not there is podman's error). */
export async function imageUnmount(ref: string): Promise<string> {
  await mustBeUnsharedFor('image unmount');
  const store = openStore();
  const img = mustFind(store, ref);
  const { mountPoints, unmountContainerRoot } = await import('../runtime/userns.js');
  const target = imageMountPoint(store, img);
  if (!mountPoints().has(target)) throw new TspodError(`image ${img.id.slice(7, 19)} is not mounted in this mount namespace`);
  unmountContainerRoot(target);
  rmSync(target, { recursive: true, force: true });
  return img.id.slice(7);
}
