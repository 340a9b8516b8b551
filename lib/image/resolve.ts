// Finding an image in local storage by id, id prefix, full name or short
// name (a short name matches any registry's image, localhost/ first).
import type { ImageRecord } from '../storage/images.js';
import { TspodError } from '../util/errors.js';
import { formatReference, parseReference, withDefaultTag } from './reference.js';
import { formatPlatform, hostPlatform, type Platform } from './manifest.js';

export function findLocalImage<T extends Pick<ImageRecord, 'id' | 'names'> & { digest?: string }>(images: T[], ref: string): T | undefined {
  const idRef = ref.startsWith('sha256:') ? ref.slice(7) : ref;
  if (/^[a-f0-9]{3,64}$/.test(idRef)) {
    const hits = images.filter((i) => i.id.slice(7).startsWith(idRef));
    if (hits.length > 1) throw new TspodError(`image id prefix "${ref}" is ambiguous: ${hits.length} images match; give more characters`);
    if (hits.length === 1) return hits[0];
  }
  const r = withDefaultTag(parseReference(ref));
  if (r.domain) {
    const full = formatReference(r);
    return images.find((i) => i.names.includes(full) || (r.digest !== undefined && i.digest === r.digest));
  }
  const suffix = `/${formatReference({ ...r, digest: undefined, tag: r.tag })}`;
  const matches = (name: string) => name.endsWith(suffix) || name.endsWith(`/library${suffix}`);
  const local = images.find((i) => i.names.some((n) => n.startsWith('localhost/') && matches(n)));
  return local ?? images.find((i) => i.names.some(matches));
}

/** The name a locally created image (import, tag) gets: localhost/NAME:latest for short names. */
export function localImageName(ref: string): string {
  const r = withDefaultTag(parseReference(ref));
  if (r.digest) throw new TspodError(`"${ref}": a name for a new image cannot carry a digest`);
  return formatReference(r.domain ? r : { ...r, domain: 'localhost' });
}

/** The name an image from an archive gets: docker.io/library/NAME for short names, as podman. */
export function archiveImageName(ref: string): string {
  const r = withDefaultTag(parseReference(ref));
  if (r.domain) return formatReference(r);
  return formatReference({ ...r, domain: 'docker.io', path: r.path.includes('/') ? r.path : `library/${r.path}` });
}

/** podman's warning when a local image was built for another platform than the one expected
 * (--platform, or this machine's): the container may then fail with "exec format error". */
export function platformMismatch(config: { os?: string; architecture?: string; variant?: string }, expected: Platform = hostPlatform()): string | undefined {
  if (!config.os && !config.architecture) return undefined; // nothing recorded: nothing to compare
  const image: Platform = { os: config.os ?? '', architecture: config.architecture ?? '', variant: config.variant };
  const variantDiffers = !!image.variant && !!expected.variant && image.variant !== expected.variant;
  if (image.os === expected.os && image.architecture === expected.architecture && !variantDiffers) return undefined;
  return `image platform (${formatPlatform(image)}) does not match the expected platform (${formatPlatform(expected)})`;
}

/** Which of IMAGE's names REF stands for (the name a container records, as podman: the one given,
 * not the image's first); undefined for an id or a digest reference. */
export function matchedImageName(image: Pick<ImageRecord, 'names'>, ref: string): string | undefined {
  let r;
  try {
    r = withDefaultTag(parseReference(ref));
  } catch {
    return undefined;
  }
  if (r.digest) return undefined;
  if (r.domain) {
    const full = formatReference(r);
    return image.names.find((n) => n === full);
  }
  const suffix = `/${formatReference({ ...r, digest: undefined, tag: r.tag })}`;
  const matches = (name: string) => name.endsWith(suffix) || name.endsWith(`/library${suffix}`);
  return image.names.find((n) => n.startsWith('localhost/') && matches(n)) ?? image.names.find(matches);
}
