// `tspod push`: the blobs the registry lacks (mounted from another repository
// of the same registry when the image came from there, else uploaded in one
// PUT), then the image's own stored manifest, byte for byte, so an image
// pulled, pushed and pulled again keeps its digest.
import { createReadStream, readFileSync } from 'node:fs';
import { findCredentials, type Credentials } from '../config/auth-file.js';
import { loadRegistriesConf, type RegistriesConfig } from '../config/registries-conf.js';
import type { ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import type { Descriptor, Manifest } from './manifest.js';
import { formatReference, parseReference, type Reference } from './reference.js';
import { endpointsFor } from './registries.js';
import { RegistryClient } from './registry-client.js';

export interface PushEvents {
  blob?(d: Descriptor, state: 'skipped' | 'mounted' | 'uploading' | 'done', kind: 'layer' | 'config'): void;
  writingManifest?(): void;
}

export interface PushOptions {
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
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

export async function pushImage(store: Store, img: ImageRecord, dest: string, opts: PushOptions = {}): Promise<{ name: string; digest: string }> {
  const ref = parseReference(dest);
  if (!ref.domain) {
    throw new TspodError(`push needs a registry in the destination: "${dest}" has none; give HOST[:PORT]/NAME[:TAG], e.g. localhost:5000/${ref.path}`);
  }
  if (ref.digest) throw new TspodError(`"${dest}": push to a tag, not a digest (the registry names the manifest by its digest itself)`);
  const target = { ...ref, domain: ref.domain, tag: ref.tag ?? 'latest' };
  const ep = endpointsFor(opts.conf ?? loadRegistriesConf(), target, opts.tlsVerify).find((e) => !e.mirror)!;
  const creds = opts.creds ?? findCredentials(`${ep.host}/${ep.path}`, opts.authfile);
  const client = new RegistryClient(ep.host, { insecure: ep.insecure, creds });
  const scope = { repo: ep.path, actions: 'pull,push' };

  const manifestBytes = readFileSync(store.blobs.path(img.digest));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  const mountFrom = ep.host === ref.domain ? sameRegistryRepos(img, ref.domain, ep.path) : [];

  for (const d of [...manifest.layers, manifest.config]) {
    const kind = d === manifest.config ? 'config' : 'layer';
    if (!store.blobs.has(d.digest)) throw new TspodError(`the store lacks blob ${d.digest} of image ${img.id.slice(7, 19)}; pull or load the image again`);
    const head = await client.request('HEAD', `/v2/${ep.path}/blobs/${d.digest}`, { scope, ok: [404] });
    head.body.resume();
    if (head.status === 200) {
      opts.events?.blob?.(d, 'skipped', kind);
      continue;
    }
    let location: string | undefined;
    for (const from of mountFrom) {
      const res = await client.request('POST', `/v2/${ep.path}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}`, { scope, ok: [201, 202] });
      res.body.resume();
      if (res.status === 201) break;
      location = res.headers.location;
      if (location) break;
    }
    if (mountFrom.length && !location) {
      opts.events?.blob?.(d, 'mounted', kind);
      continue;
    }
    if (!location) {
      const start = await client.request('POST', `/v2/${ep.path}/blobs/uploads/`, { scope });
      start.body.resume();
      location = start.headers.location;
      if (!location) throw new TspodError(`registry ${ep.host} started an upload without saying where to send it (no Location header)`);
    }
    opts.events?.blob?.(d, 'uploading', kind);
    // Location may be absolute or relative to the registry; either way the digest is added to its query.
    const absolute = /^https?:\/\//.test(location);
    const url = new URL(location, 'http://registry.invalid');
    url.searchParams.set('digest', d.digest);
    const put = await client.request('PUT', absolute ? url.toString() : url.pathname + url.search, {
      scope,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(store.blobs.size(d.digest)) },
      body: createReadStream(store.blobs.path(d.digest)),
    });
    put.body.resume();
    opts.events?.blob?.(d, 'done', kind);
  }

  opts.events?.writingManifest?.();
  const res = await client.request('PUT', `/v2/${ep.path}/manifests/${target.tag}`, {
    scope,
    headers: { 'Content-Type': manifest.mediaType ?? img.manifestMediaType },
    body: manifestBytes,
  });
  res.body.resume();
  const said = res.headers['docker-content-digest'];
  if (typeof said === 'string' && said !== img.digest) {
    throw new TspodError(`registry ${ep.host} stored the manifest under ${said}, not ${img.digest}; it may have rewritten the manifest`);
  }
  return { name: formatReference(target), digest: img.digest };
}
