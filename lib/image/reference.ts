// Image references as podman parses them: [DOMAIN/]PATH[:TAG][@DIGEST].
// A first component is a domain when it has a '.' or ':' or is 'localhost'.
import { TspodError } from '../util/errors.js';

export interface Reference {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const domainRe = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;

function bad(ref: string, why: string): TspodError {
  return new TspodError(`invalid image reference "${ref}": ${why}`);
}

export function parseReference(ref: string): Reference {
  if (!ref) throw bad(ref, 'it is empty');
  if (ref.length > 255 + 128 + 80) throw bad(ref, 'it is too long');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestRe.test(digest)) throw bad(ref, `"${digest}" is not a digest (algorithm:hex, e.g. sha256:...)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw bad(ref, `"${tag}" is not a valid tag (letters, digits, '_', '.', '-'; at most 128)`);
  }
  const parts = rest.split('/');
  let domain: string | undefined;
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) {
    domain = parts.shift()!;
    if (!domainRe.test(domain)) throw bad(ref, `"${domain}" is not a valid registry host`);
  }
  if (parts.length === 0 || parts.some((p) => !component.test(p))) {
    const upper = parts.find((p) => /[A-Z]/.test(p));
    throw bad(ref, upper ? 'repository names must be lowercase' : 'the repository name has characters that are not allowed');
  }
  const path = parts.join('/');
  if (path.length > 255) throw bad(ref, 'the repository name is longer than 255 characters');
  return { domain, path, tag, digest };
}

/** The fully qualified name: docker.io/library/NAME for bare Docker Hub names. */
export function qualify(r: Reference, defaultDomain = 'docker.io'): Reference {
  if (r.domain) return r;
  const path = defaultDomain === 'docker.io' && !r.path.includes('/') ? `library/${r.path}` : r.path;
  return { ...r, domain: defaultDomain, path };
}

/** NAME[:TAG][@DIGEST], with :latest when neither tag nor digest was given. */
export function formatReference(r: Reference): string {
  const name = r.domain ? `${r.domain}/${r.path}` : r.path;
  const tag = r.tag ?? (r.digest ? undefined : 'latest');
  return `${name}${tag ? `:${tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

export function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: 'latest' };
}
