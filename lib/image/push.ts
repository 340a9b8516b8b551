// `tspod push`: the blobs the registry lacks (mounted from another repository
// of the same registry when the image came from there, else uploaded in one
// PUT), then the image's own stored manifest, byte for byte, so an image
// pulled, pushed and pulled again keeps its digest.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { findCredentials, type Credentials } from '../config/auth-file.js';
import { loadRegistriesConf, type RegistriesConfig } from '../config/registries-conf.js';
import type { ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { MEDIA, type Descriptor, type Manifest } from './manifest.js';
import { sha256 } from '../storage/blobs.js';
import { formatReference, parseReference, type Reference } from './reference.js';
import { endpointsFor } from './registries.js';
import { RegistryClient } from './registry-client.js';
import { manifestOf } from './layer-blobs.js';

export interface PushEvents {
  blob?(d: Descriptor, state: 'skipped' | 'mounted' | 'uploading' | 'done', kind: 'layer' | 'config'): void;
  writingManifest?(): void;
}

export interface PushOptions {
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
  certDir?: string;
  /** push --format: the manifest type at the destination (default: the stored one) */
  format?: 'oci' | 'v2s2';
  events?: PushEvents;
  conf?: RegistriesConfig;
}

/** Repositories on HOST that already hold this image (from its names and pulls): mount sources. */
function sameRegistryRepos(img: ImageRecord, host: string, exceptPath: string): string[] {
  const repos = [...img.names, ...(img.repoDigests ?? [])]
    .map((n) => {
      try {
        return parseReference(n);
      } catch {
        return undefined;
      }
    })
    .filter((r): r is Reference => !!r && r.domain === host && r.path !== exceptPath)
    .map((r) => r.path);
  return [...new Set(repos)];
}

/** A repository on a registry to push into. */
export interface PushTarget {
  ref: Reference & { domain: string; tag: string };
  host: string;
  /** the repository path on the endpoint (registries.conf may rewrite it) */
  repo: string;
  client: RegistryClient;
  scope: { repo: string; actions: string };
}

/** Where DEST (HOST[:PORT]/NAME[:TAG], `docker://` allowed) is pushed to, with its client. */
export function pushTarget(dest: string, opts: PushOptions): PushTarget {
  const ref = parseReference(dest.replace(/^docker:\/\//, ''));
  if (!ref.domain) {
    throw new TspodError(`push needs a registry in the destination: "${dest}" has none; give HOST[:PORT]/NAME[:TAG], e.g. localhost:5000/${ref.path}`);
  }
  if (ref.digest) throw new TspodError(`"${dest}": push to a tag, not a digest (the registry names the manifest by its digest itself)`);
  const target = { ...ref, domain: ref.domain, tag: ref.tag ?? 'latest' };
  const ep = endpointsFor(opts.conf ?? loadRegistriesConf(), target, opts.tlsVerify).find((e) => !e.mirror)!;
  const creds = opts.creds ?? findCredentials(`${ep.host}/${ep.path}`, opts.authfile);
  const client = new RegistryClient(ep.host, { insecure: ep.insecure, creds, certDir: opts.certDir });
  return { ref: target, host: ep.host, repo: ep.path, client, scope: { repo: ep.path, actions: 'pull,push' } };
}

/** One blob into the target: skipped when there, mounted from another repository of the same
 * registry when one of MOUNTFROM has it, else uploaded in one PUT from BODY. */
export async function sendBlob(t: PushTarget, d: Descriptor, body: () => Promise<Readable> | Readable, mountFrom: string[], onUpload?: () => void): Promise<'skipped' | 'mounted' | 'done'> {
  const { client, scope } = t;
  const head = await client.request('HEAD', `/v2/${t.repo}/blobs/${d.digest}`, { scope, ok: [404] });
  head.body.resume();
  if (head.status === 200) return 'skipped';
  let location: string | undefined;
  for (const from of mountFrom) {
    const res = await client.request('POST', `/v2/${t.repo}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}`, { scope, ok: [201, 202] });
    res.body.resume();
    if (res.status === 201) return 'mounted';
    location = res.headers.location;
    if (location) break;
  }
  if (!location) {
    const start = await client.request('POST', `/v2/${t.repo}/blobs/uploads/`, { scope });
    start.body.resume();
    location = start.headers.location;
    if (!location) throw new TspodError(`registry ${t.host} started an upload without saying where to send it (no Location header)`);
  }
  onUpload?.();
  // Location may be absolute or relative to the registry; either way the digest is added to its query.
  const absolute = /^https?:\/\//.test(location);
  const url = new URL(location, 'http://registry.invalid');
  url.searchParams.set('digest', d.digest);
  const put = await client.request('PUT', absolute ? url.toString() : url.pathname + url.search, {
    scope,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(d.size) },
    body: await body(),
  });
  put.body.resume();
  return 'done';
}

/** PUT a manifest (or index) under REFERENCE (a tag or its digest); the digest the registry says it stored. */
export async function putManifest(t: PushTarget, reference: string, bytes: Buffer, mediaType: string): Promise<string | undefined> {
  const res = await t.client.request('PUT', `/v2/${t.repo}/manifests/${reference}`, { scope: t.scope, headers: { 'Content-Type': mediaType }, body: bytes });
  res.body.resume();
  const said = res.headers['docker-content-digest'];
  return typeof said === 'string' ? said : undefined;
}

const toDocker: Record<string, string> = {
  [MEDIA.ociManifest]: MEDIA.dockerManifest, [MEDIA.ociConfig]: MEDIA.dockerConfig, [MEDIA.ociLayerGzip]: MEDIA.dockerLayerGzip, [MEDIA.ociLayer]: MEDIA.dockerLayer,
};
const toOci: Record<string, string> = Object.fromEntries(Object.entries(toDocker).map(([k, v]) => [v, k]));

/** A manifest in the other format (push --format): the same blobs under the other format's media
 * types. The digest changes; the blobs do not. zstd layers have no Docker media type. */
export function convertManifest(bytes: Buffer, format: 'oci' | 'v2s2'): { bytes: Buffer; mediaType: string } {
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  const map = format === 'oci' ? toOci : toDocker;
  const target = format === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
  if ((m.mediaType ?? '') === target) return { bytes, mediaType: target };
  const conv = (d: Descriptor): Descriptor => {
    const mt = map[d.mediaType] ?? (Object.values(map).includes(d.mediaType) ? d.mediaType : undefined);
    if (!mt) throw new TspodError(`cannot write a ${format} manifest: its blob ${d.digest} has media type "${d.mediaType}", which that format cannot name`);
    return { ...d, mediaType: mt };
  };
  const out = { schemaVersion: 2, mediaType: target, config: conv(m.config), layers: m.layers.map(conv), ...(format === 'oci' && (m as { annotations?: unknown }).annotations ? { annotations: (m as { annotations?: unknown }).annotations } : {}) };
  return { bytes: Buffer.from(JSON.stringify(out)), mediaType: target };
}

/** The blobs and manifest of a stored image into T, the manifest under REFERENCE (default: T's tag);
 * returns the digest of the manifest pushed. */
export async function pushStoredImage(store: Store, img: ImageRecord, t: PushTarget, opts: PushOptions, reference = t.ref.tag): Promise<string> {
  // The stored manifest when the store holds its blobs, else one over the blobs it holds.
  const found = manifestOf(store, img);
  const manifest = found.manifest;
  const converted = opts.format ? convertManifest(found.bytes, opts.format) : { bytes: found.bytes, mediaType: found.mediaType };
  const manifestBytes = converted.bytes;
  const digest = sha256(manifestBytes);
  const mountFrom = t.host === t.ref.domain ? sameRegistryRepos(img, t.ref.domain, t.repo) : [];
  for (const d of [...manifest.layers, manifest.config]) {
    const kind = d === manifest.config ? 'config' : 'layer';
    if (!store.blobs.has(d.digest)) throw new TspodError(`the store lacks blob ${d.digest} of image ${img.id.slice(7, 19)}; pull or load the image again`);
    const sized = { ...d, size: store.blobs.size(d.digest) };
    const state = await sendBlob(t, sized, () => createReadStream(store.blobs.path(d.digest)), mountFrom, () => opts.events?.blob?.(d, 'uploading', kind));
    opts.events?.blob?.(d, state, kind);
  }
  opts.events?.writingManifest?.();
  const said = await putManifest(t, reference, manifestBytes, converted.mediaType);
  if (said !== undefined && said !== digest) {
    throw new TspodError(`registry ${t.host} stored the manifest under ${said}, not ${digest}; it may have rewritten the manifest`);
  }
  return digest;
}

export async function pushImage(store: Store, img: ImageRecord, dest: string, opts: PushOptions = {}): Promise<{ name: string; digest: string }> {
  const t = pushTarget(dest, opts);
  const digest = await pushStoredImage(store, img, t, opts);
  return { name: formatReference(t.ref), digest };
}
