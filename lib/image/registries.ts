// From what the user typed to where to fetch it: short names through
// [aliases] and unqualified-search-registries, then each name through its
// [[registry]] entry (blocked, insecure, location rewrite, mirrors first).
import { registryFor, type RegistriesConfig } from '../config/registries-conf.js';
import { TspodError } from '../util/errors.js';
import { formatReference, parseReference, qualify, type Reference } from './reference.js';

/** One place to ask for an image. */
export interface Endpoint {
  host: string;
  /** repository path on that host */
  path: string;
  insecure: boolean;
  mirror: boolean;
}

/** One fully qualified name to try, with the endpoints that serve it. */
export interface Candidate {
  ref: Reference & { domain: string };
  /** HOST/PATH:TAG or HOST/PATH@DIGEST: the name the image is stored under */
  name: string;
  endpoints: Endpoint[];
}

function splitName(name: string): { host: string; path: string } {
  const slash = name.indexOf('/');
  return { host: name.slice(0, slash), path: name.slice(slash + 1) };
}

/** The endpoints of one qualified reference; tlsVerify (when given) overrides `insecure`. */
export function endpointsFor(conf: RegistriesConfig, ref: Reference & { domain: string }, tlsVerify?: boolean): Endpoint[] {
  const name = `${ref.domain}/${ref.path}`;
  const entry = registryFor(conf, name);
  if (entry?.blocked) throw new TspodError(`registry "${entry.prefix}" is blocked in ${conf.file ?? 'registries.conf'}; tspod will not pull ${name} from it`);
  const secureOverride = (insecure: boolean) => (tlsVerify === undefined ? insecure : !tlsVerify);
  const rewrite = (location: string) => (entry!.prefix.startsWith('*.') ? name : location + name.slice(entry!.prefix.length));
  const out: Endpoint[] = [];
  for (const m of entry?.mirrors ?? []) out.push({ ...splitName(rewrite(m.location)), insecure: secureOverride(m.insecure), mirror: true });
  const primary = entry ? rewrite(entry.location) : name;
  out.push({ ...splitName(primary), insecure: secureOverride(entry?.insecure ?? false), mirror: false });
  return out;
}

/** Every qualified name a reference may mean, in the order to try them. */
export function pullCandidates(conf: RegistriesConfig, input: string, tlsVerify?: boolean): Candidate[] {
  const parsed = parseReference(input);
  let qualified: Array<Reference & { domain: string }>;
  if (parsed.domain) {
    qualified = [parsed as Reference & { domain: string }];
  } else {
    const alias = conf.aliases[parsed.path] ?? (parsed.path.startsWith('library/') ? conf.aliases[parsed.path.slice(8)] : undefined);
    if (alias) {
      const a = parseReference(alias);
      if (!a.domain) throw new TspodError(`alias "${parsed.path}" in ${conf.file} names "${alias}", which is not fully qualified (it needs a registry host)`);
      qualified = [{ ...a, tag: parsed.tag ?? a.tag, digest: parsed.digest ?? a.digest } as Reference & { domain: string }];
    } else if (conf.unqualifiedSearch.length) {
      qualified = conf.unqualifiedSearch.map((reg) => qualify(parsed, reg) as Reference & { domain: string });
    } else {
      throw new TspodError(`short-name "${input}" did not resolve to an alias and no unqualified-search-registries are defined in ${conf.file ?? 'registries.conf'}; use a fully qualified name (HOST/NAME:TAG) or add the registry to unqualified-search-registries`);
    }
  }
  return qualified.map((ref) => {
    const r = ref.tag || ref.digest ? ref : { ...ref, tag: 'latest' };
    return { ref: r, name: formatReference(r), endpoints: endpointsFor(conf, r, tlsVerify) };
  });
}
