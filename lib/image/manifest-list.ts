// Manifest lists (Docker manifest lists and OCI image indexes) kept in the local
// store, as podman keeps them: an image-like entry with names and an id, its
// instances, and where each instance can be copied from when the list is pushed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findCredentials, type Credentials } from '../config/auth-file.js';
import { loadRegistriesConf, type RegistriesConfig } from '../config/registries-conf.js';
import { sha256 } from '../storage/blobs.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { documentType, hostPlatform, indexTypes, manifestAccept, manifestTypes, MEDIA, selectPlatform, type Index, type Manifest } from './manifest.js';
import { pushStoredImage, pushTarget, putManifest, sendBlob, type PushOptions, type PushTarget } from './push.js';
import { pullCandidates } from './registries.js';
import { readBody, RegistryClient } from './registry-client.js';

/** An index entry's platform with the fields podman's lists carry. */
export interface ListPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface ListEntry {
  mediaType: string;
  size: number;
  digest: string;
  platform?: ListPlatform;
  annotations?: Record<string, string>;
}

export interface ListRecord {
  version: 1;
  /** sha256:<64 hex>, random as podman's list ids */
  id: string;
  names: string[];
  created: string;
  /** the list's own media type: a Docker manifest list unless made an OCI index */
  mediaType: string;
  manifests: ListEntry[];
  /** where each instance comes from, by digest: 'local' (an image in the store) or HOST/REPOSITORY */
  sources: Record<string, string>;
}

export class ListStore {
  constructor(readonly root: string) {}

  private dir(): string {
    return join(this.root, 'manifests');
  }

  private file(id: string): string {
    const hex = /^sha256:([a-f0-9]{64})$/.exec(id)?.[1];
    if (!hex) throw new TspodError(`malformed manifest list id "${id}"`);
    return join(this.dir(), `${hex}.json`);
  }

  list(): ListRecord[] {
    if (!existsSync(this.dir())) return [];
    return readdirSync(this.dir())
      .filter((n) => n.endsWith('.json'))
      .map((n) => readJson<ListRecord>(join(this.dir(), n)))
      .filter((r): r is ListRecord => r !== undefined)
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  save(r: ListRecord): void {
    mkdirSync(this.dir(), { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.file(r.id), r);
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }
}

export function newListId(): string {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

/** The document `manifest inspect` prints and `manifest push` sends, in the given media type. */
export function listDocument(r: ListRecord, mediaType = r.mediaType): Record<string, unknown> {
  const oci = mediaType === MEDIA.ociIndex;
  const manifests = r.manifests.map((m) => {
    // Go's field order: architecture, os, os.version, os.features, variant, features (not in an OCI index).
    const order = ['architecture', 'os', 'os.version', 'os.features', 'variant', ...(oci ? [] : ['features'])] as const;
    const p = m.platform as Record<string, unknown> | undefined;
    const platform = p ? Object.fromEntries(order.filter((k) => p[k] !== undefined).map((k) => [k, p[k]])) : undefined;
    return oci
      ? { mediaType: m.mediaType, digest: m.digest, size: m.size, ...(platform ? { platform } : {}), ...(m.annotations ? { annotations: m.annotations } : {}) }
      : { mediaType: m.mediaType, size: m.size, digest: m.digest, ...(platform ? { platform } : {}), ...(m.annotations ? { annotations: m.annotations } : {}) };
  });
  // podman prints an empty list's manifests as null (Go's nil slice).
  return { schemaVersion: 2, mediaType, manifests: manifests.length ? manifests : null };
}

/** The index entry of a stored image: its own manifest, and the platform its config names. */
export function localEntry(store: Store, img: ImageRecord): ListEntry {
  const config = JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig & { variant?: string; 'os.version'?: string };
  return {
    mediaType: img.manifestMediaType,
    size: store.blobs.size(img.digest),
    digest: img.digest,
    platform: {
      architecture: config.architecture ?? hostPlatform().architecture,
      os: config.os ?? 'linux',
      ...(config['os.version'] ? { 'os.version': config['os.version'] } : {}),
      ...(config.variant ? { variant: config.variant } : {}),
    },
  };
}

/** A registry's descriptor before its digest goes into a URL or the store: sha256 only, a size. */
function checkDescriptor(d: { digest?: unknown; size?: unknown; mediaType?: unknown }, where: string): void {
  if (typeof d.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d.digest)) throw new TspodError(`${where}: the registry named a malformed digest "${String(d.digest)}" (sha256:<64 hex> expected)`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new TspodError(`${where}: descriptor ${d.digest} has no valid size`);
  if (typeof d.mediaType !== 'string') throw new TspodError(`${where}: descriptor ${d.digest} has no media type`);
}

export interface RemoteOptions {
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
  certDir?: string;
  conf?: RegistriesConfig;
}

interface RemoteRepo {
  client: RegistryClient;
  host: string;
  repo: string;
  reference: string;
  name: string;
}

/** INPUT's repository at each place registries.conf says it can be read from: its mirrors first,
 * as a pull reads them, then the registry itself (last: the one writes go to, and whose error is
 * reported when none answers). */
function remoteRepos(input: string, o: RemoteOptions): RemoteRepo[] {
  const c = pullCandidates(o.conf ?? loadRegistriesConf(), input.replace(/^docker:\/\//, ''), o.tlsVerify)[0]!;
  const eps = [...c.endpoints.filter((e) => e.mirror), c.endpoints.find((e) => !e.mirror)!];
  return eps.map((ep) => {
    const creds = o.creds ?? findCredentials(`${ep.host}/${ep.path}`, o.authfile);
    return { client: new RegistryClient(ep.host, { insecure: ep.insecure, creds, certDir: o.certDir }), host: ep.host, repo: ep.path, reference: c.ref.digest ?? c.ref.tag ?? 'latest', name: c.name };
  });
}

/** READ from the first place INPUT's repository answers (remoteRepos' order). */
async function fromFirstReachable<T>(input: string, o: RemoteOptions, read: (r: RemoteRepo) => Promise<T>): Promise<T> {
  const repos = remoteRepos(input, o);
  for (const r of repos.slice(0, -1)) {
    try {
      return await read(r);
    } catch {
      /* a mirror that does not answer or lacks it: the next */
    }
  }
  return read(repos[repos.length - 1]!);
}

async function fetchManifest(r: RemoteRepo, reference: string): Promise<{ bytes: Buffer; type: string; digest: string }> {
  const res = await r.client.request('GET', `/v2/${r.repo}/manifests/${reference}`, { headers: { Accept: manifestAccept }, scope: { repo: r.repo, actions: 'pull' } });
  const bytes = await readBody(res.body, 4 * 1024 * 1024);
  const digest = sha256(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new TspodError(`manifest digest mismatch for ${r.host}/${r.repo}@${reference}: the registry sent content with digest ${digest}`);
  }
  let doc: Manifest | Index;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Manifest | Index;
  } catch {
    throw new TspodError(`the manifest of ${r.name} is not valid JSON`);
  }
  return { bytes, type: documentType(doc, res.headers['content-type']), digest };
}

/** The raw manifest or index a registry holds for INPUT (`manifest inspect` of a remote name). */
export async function remoteDocument(input: string, o: RemoteOptions): Promise<Buffer> {
  return fromFirstReachable(input, o, async (r) => (await fetchManifest(r, r.reference)).bytes);
}

/** The entries INPUT adds to a list: a registry's image (its platform read from its config), or
 * the instance for this platform of a registry's list, or with ALL every instance of that list. */
export async function remoteEntries(input: string, all: boolean, o: RemoteOptions): Promise<{ entries: ListEntry[]; source: string }> {
  return fromFirstReachable(input, o, (r) => entriesFrom(r, all));
}

async function entriesFrom(r: RemoteRepo, all: boolean): Promise<{ entries: ListEntry[]; source: string }> {
  const top = await fetchManifest(r, r.reference);
  const source = `${r.host}/${r.repo}`;
  if (indexTypes.includes(top.type)) {
    const index = JSON.parse(top.bytes.toString('utf8')) as Index;
    if (!Array.isArray(index.manifests)) throw new TspodError(`${r.name}: the index has no manifests list`);
    for (const d of index.manifests) checkDescriptor(d, r.name);
    const chosen = all ? index.manifests.filter((d) => manifestTypes.includes(d.mediaType)) : [selectPlatform(index, hostPlatform(), r.name)];
    return { entries: chosen.map((d) => ({ mediaType: d.mediaType, size: d.size, digest: d.digest, ...(d.platform ? { platform: { ...d.platform } as ListPlatform } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) })), source };
  }
  if (!manifestTypes.includes(top.type)) throw new TspodError(`${r.name}: unsupported manifest media type "${top.type}"`);
  const manifest = JSON.parse(top.bytes.toString('utf8')) as Manifest;
  checkDescriptor(manifest.config ?? {}, r.name);
  const res = await r.client.request('GET', `/v2/${r.repo}/blobs/${manifest.config.digest}`, { scope: { repo: r.repo, actions: 'pull' } });
  const cfgBytes = await readBody(res.body, 16 * 1024 * 1024);
  if (sha256(cfgBytes) !== manifest.config.digest) throw new TspodError(`blob digest mismatch for the config of ${r.name}: the registry sent ${sha256(cfgBytes)}`);
  const cfg = JSON.parse(cfgBytes.toString('utf8')) as ImageConfig & { variant?: string; 'os.version'?: string };
  const platform: ListPlatform = {
    architecture: cfg.architecture ?? '', os: cfg.os ?? '',
    ...(cfg['os.version'] ? { 'os.version': cfg['os.version'] } : {}), ...(cfg.variant ? { variant: cfg.variant } : {}),
  };
  return { entries: [{ mediaType: top.type, size: top.bytes.length, digest: top.digest, platform }], source };
}

export interface ListPushOptions extends PushOptions {
  /** push the instances too (podman's default) */
  all: boolean;
  /** the list's media type at the destination (--format oci|v2s2) */
  mediaType?: string;
  progress?(line: string): void;
}

/** The media type a list is pushed as: the one asked for, else its own, except that a Docker list
 * carrying annotations or OCI manifests goes as an OCI index (a Docker list cannot hold them), as podman. */
export function pushMediaType(r: ListRecord, asked?: string): string {
  const needsOci = r.manifests.some((m) => m.annotations && Object.keys(m.annotations).length) || r.manifests.some((m) => m.mediaType === MEDIA.ociManifest);
  if (asked === MEDIA.dockerList && r.manifests.some((m) => m.mediaType === MEDIA.ociManifest)) {
    throw new TspodError('cannot push the list as a Docker manifest list (v2s2): it holds OCI image manifests, which only an OCI index can name; use --format oci');
  }
  return asked ?? (needsOci ? MEDIA.ociIndex : r.mediaType);
}

/** Push the list's instances (from the store, or copied from the registry they were added from)
 * and then the list itself to DEST; returns the pushed list's digest. */
export async function pushList(store: Store, r: ListRecord, dest: string, o: ListPushOptions): Promise<string> {
  const t = pushTarget(dest, o);
  const mediaType = pushMediaType(r, o.mediaType);
  const say = o.progress ?? (() => undefined);
  say('Getting image list signatures');
  if (o.all) {
    say(`Copying ${r.manifests.length} of ${r.manifests.length} images in list`);
    const images = store.images.list();
    let n = 0;
    for (const m of r.manifests) {
      n++;
      say(`Copying image ${m.digest} (${n}/${r.manifests.length})`);
      const img = images.find((i) => i.digest === m.digest);
      if (img && store.blobs.has(img.digest)) {
        say('Getting image source signatures');
        await pushStoredImage(store, img, t, { ...o, events: { blob: (d, state, kind) => { if (state !== 'uploading') say(`Copying ${kind === 'layer' ? 'blob' : kind} ${d.digest}${state === 'skipped' ? ' skipped: already exists' : ''}`); } } }, m.digest);
        say('Writing manifest to image destination');
        continue;
      }
      const source = r.sources[m.digest];
      if (!source || source === 'local') {
        throw new TspodError(`instance ${m.digest} of the list is no longer in local storage (its image was removed); add it again or remove it with \`tspod manifest remove\``);
      }
      await copyRemoteInstance(source, m.digest, t, o, say);
    }
  }
  const bytes = Buffer.from(JSON.stringify(listDocument(r, mediaType)));
  say('Writing manifest list to image destination');
  const digest = sha256(bytes);
  const said = await putManifest(t, t.ref.tag, bytes, mediaType);
  if (said !== undefined && said !== digest) throw new TspodError(`registry ${t.host} stored the list under ${said}, not ${digest}; it may have rewritten it`);
  return digest;
}

/** An instance not in the store: its blobs go from the registry it was added from to the target
 * (mounted when both are repositories of one registry), then its manifest, byte for byte. */
async function copyRemoteInstance(source: string, digest: string, t: PushTarget, o: ListPushOptions, say: (l: string) => void): Promise<void> {
  const slash = source.indexOf('/');
  const host = source.slice(0, slash);
  const repo = source.slice(slash + 1);
  const creds = findCredentials(source, o.authfile);
  const from: RemoteRepo = {
    client: host === t.host ? t.client : new RegistryClient(host, { insecure: o.tlsVerify === false || t.client.opts.insecure, creds, certDir: o.certDir }),
    host, repo, reference: digest, name: `${source}@${digest}`,
  };
  const m = await fetchManifest(from, digest);
  const manifest = JSON.parse(m.bytes.toString('utf8')) as Manifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) throw new TspodError(`${source}@${digest}: not an image manifest`);
  for (const d of [...manifest.layers, manifest.config]) checkDescriptor(d, `${source}@${digest}`);
  const mountFrom = host === t.host && repo !== t.repo ? [repo] : [];
  say('Getting image source signatures');
  for (const d of [...manifest.layers, manifest.config]) {
    const kind = d === manifest.config ? 'config' : 'blob';
    const state = await sendBlob(t, d, async () => (await from.client.request('GET', `/v2/${repo}/blobs/${d.digest}`, { scope: { repo, actions: 'pull' } })).body, mountFrom);
    say(`Copying ${kind} ${d.digest}${state === 'skipped' ? ' skipped: already exists' : ''}`);
  }
  say('Writing manifest to image destination');
  await putManifest(t, digest, m.bytes, m.type);
}
