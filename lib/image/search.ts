// `tspod search`: a registry's repositories (the distribution API's /v2/_catalog, filtered by
// the term as containers/image does), Docker Hub's v1 search, and a repository's tags list.
import { findCredentials, type Credentials } from '../config/auth-file.js';
import { loadRegistriesConf } from '../config/registries-conf.js';
import { TspodError } from '../util/errors.js';
import { endpointsFor } from './registries.js';
import { readBody, RegistryClient } from './registry-client.js';

export interface SearchHit {
  Index: string;
  Name: string;
  Description: string;
  Stars: number;
  Official: string;
  Automated: string;
  Tag: string;
}

export interface SearchOptions {
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
  certDir?: string;
  limit: number;
}

/** TERM as podman splits it: REGISTRY/REST when the first component is a host, else a term for
 * each unqualified-search registry. */
export function splitSearchTerm(term: string): { registries: string[]; term: string } {
  const slash = term.indexOf('/');
  const first = slash < 0 ? '' : term.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) return { registries: [first], term: term.slice(slash + 1) };
  return { registries: loadRegistriesConf().unqualifiedSearch, term };
}

function client(host: string, o: SearchOptions, repo = 'x'): RegistryClient {
  const ep = endpointsFor(loadRegistriesConf(), { domain: host, path: repo }, o.tlsVerify).find((e) => !e.mirror)!;
  return new RegistryClient(ep.host, { insecure: ep.insecure, creds: o.creds ?? findCredentials(host, o.authfile), certDir: o.certDir });
}

async function json<T>(c: RegistryClient, path: string, scope?: { repo: string; actions: string }): Promise<{ body: T; next?: string }> {
  const res = await c.request('GET', path, { scope, headers: { Accept: 'application/json' } });
  const text = (await readBody(res.body, 16 * 1024 * 1024)).toString('utf8');
  const link = res.headers.link;
  const next = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link)?.[1] : undefined;
  try {
    return { body: JSON.parse(text) as T, next };
  } catch {
    throw new TspodError(`registry ${c.host} answered ${path} with something that is not JSON`);
  }
}

/** The repositories of REGISTRY whose name contains TERM, at most LIMIT. */
export async function searchRegistry(registry: string, term: string, o: SearchOptions): Promise<SearchHit[]> {
  const hit = (name: string, extra: Partial<SearchHit> = {}): SearchHit => ({ Index: registry, Name: `${registry}/${name}`, Description: '', Stars: 0, Official: '', Automated: '', Tag: '', ...extra });
  try {
    if (registry === 'docker.io') {
      const c = client('docker.io', o);
      type V1 = { results?: Array<{ name: string; description?: string; star_count?: number; is_official?: boolean; is_automated?: boolean }> };
      const { body } = await json<V1>(c, `https://index.docker.io/v1/search?q=${encodeURIComponent(term)}&n=${o.limit}`);
      return (body.results ?? []).slice(0, o.limit).map((r) => hit(r.name.includes('/') ? r.name : `library/${r.name}`, {
        Description: r.description ?? '', Stars: r.star_count ?? 0, Official: r.is_official ? '[OK]' : '', Automated: r.is_automated ? '[OK]' : '',
      }));
    }
    const c = client(registry, o);
    const out: SearchHit[] = [];
    let path: string | undefined = '/v2/_catalog';
    // Registries page the catalog (Link: rel="next"); a few pages are enough for a search.
    for (let page = 0; path && page < 20 && out.length < o.limit; page++) {
      const r: { body: { repositories?: string[] }; next?: string } = await json<{ repositories?: string[] }>(c, path);
      for (const repo of r.body.repositories ?? []) if (repo.includes(term) && out.length < o.limit) out.push(hit(repo));
      path = r.next;
    }
    return out;
  } catch (err) {
    if (!(err instanceof TspodError)) throw err;
    throw new TspodError(`couldn't search registry "${registry}": ${err.message}`);
  }
}

/** The tags of REGISTRY/REPO (`search --list-tags`). */
export async function listTags(registry: string, repo: string, o: SearchOptions): Promise<string[]> {
  if (!repo) throw new TspodError(`reference "${repo}" must be a docker reference: --list-tags needs a repository, e.g. ${registry}/NAME`);
  const c = client(registry, o, repo);
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repo}/tags/list`;
  try {
    for (let page = 0; path && page < 50; page++) {
      const r: { body: { tags?: string[] | null }; next?: string } = await json<{ tags?: string[] | null }>(c, path, { repo, actions: 'pull' });
      tags.push(...(r.body.tags ?? []));
      path = r.next;
    }
  } catch (err) {
    if (!(err instanceof TspodError)) throw err;
    throw new TspodError(`getting repository tags: fetching tags list: ${err.message}`);
  }
  return tags;
}
