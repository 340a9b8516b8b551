// Image manifests and indexes, OCI and Docker v2 schema 2: media types,
// what tspod accepts, and picking one platform out of an index.
import { TspodError } from '../util/errors.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

export const manifestTypes: string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];
export const indexTypes: string[] = [MEDIA.ociIndex, MEDIA.dockerList];
export const configTypes: string[] = [MEDIA.ociConfig, MEDIA.dockerConfig];
export const layerTypes: string[] = [MEDIA.ociLayer, MEDIA.ociLayerGzip, MEDIA.ociLayerZstd, MEDIA.dockerLayerGzip, MEDIA.dockerLayer];
/** The Accept header of a manifest request: every kind tspod can use. */
export const manifestAccept = [...manifestTypes, ...indexTypes].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** The media type of a manifest document: its mediaType field, else the Content-Type the registry sent. */
export function documentType(doc: { mediaType?: string; schemaVersion?: number; manifests?: unknown; config?: unknown }, contentType?: string): string {
  if (doc.mediaType) return doc.mediaType;
  const ct = contentType?.split(';')[0]!.trim();
  if (ct && ct !== 'application/json' && ct !== 'text/plain') return ct;
  if (doc.schemaVersion === 2 && Array.isArray(doc.manifests)) return MEDIA.ociIndex;
  if (doc.schemaVersion === 2 && doc.config) return MEDIA.ociManifest;
  return ct ?? 'unknown';
}

/** Check what a manifest names before anything is downloaded. */
export function checkManifest(m: Manifest, where: string): void {
  if (!m.config || !Array.isArray(m.layers)) throw new TspodError(`${where}: the manifest has no config or layers; it is not an image manifest`);
  // The kernel's overlay stacks at most 500 lower layers (OVL_MAX_STACK).
  if (m.layers.length > 500) throw new TspodError(`${where} has ${m.layers.length} layers; overlay stacks at most 500, so tspod cannot run it`);
  if (!configTypes.includes(m.config.mediaType)) {
    throw new TspodError(`${where} is not a container image: its config has media type "${m.config.mediaType}" (tspod runs images whose config is ${configTypes.join(' or ')})`);
  }
  for (const l of m.layers) {
    if (!layerTypes.includes(l.mediaType)) {
      throw new TspodError(`${where}: layer ${l.digest} has media type "${l.mediaType}", which tspod does not support (tar, tar+gzip, tar+zstd layers only)`);
    }
    if (typeof l.size !== 'number' || l.size < 0) throw new TspodError(`${where}: layer ${l.digest} has no valid size`);
  }
}

/** This machine's platform in OCI terms. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const architecture = arch[process.arch] ?? process.arch;
  return { os: 'linux', architecture, variant: architecture === 'arm64' ? 'v8' : undefined };
}

/** --platform OS/ARCH[/VARIANT]. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_]+$/.test(p))) {
    throw new TspodError(`invalid --platform "${s}": expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8`);
  }
  return { os: parts[0]!, architecture: parts[1]!, variant: parts[2] };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The index entry for `want`; a missing variant on either side matches (arm64 is v8 unless said). */
export function selectPlatform(index: Index, want: Platform, where: string): Descriptor {
  const images = index.manifests.filter((d) => manifestTypes.includes(d.mediaType) && d.platform);
  const exact = images.find((d) => d.platform!.os === want.os && d.platform!.architecture === want.architecture && (d.platform!.variant ?? '') === (want.variant ?? ''));
  const loose = images.find((d) => d.platform!.os === want.os && d.platform!.architecture === want.architecture && (!d.platform!.variant || !want.variant));
  const hit = exact ?? loose;
  if (hit) return hit;
  const offered = images.map((d) => formatPlatform(d.platform!)).join(', ') || 'none';
  throw new TspodError(`${where} has no image for ${formatPlatform(want)} (it offers: ${offered}); choose one with --platform OS/ARCH`);
}
