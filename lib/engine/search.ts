// `tspod search`: the term's registries searched, podman's filters applied.
import { listTags, searchRegistry, splitSearchTerm, type SearchHit } from '../image/search.js';
import { TspodError } from '../util/errors.js';
import { parseCreds, type RegistryOptions } from './registry.js';

export interface SearchRequest extends RegistryOptions {
  limit: number;
  filters: string[];
  listTags: boolean;
}

export type { SearchHit };

interface Filter {
  stars: number;
  official?: boolean;
  automated?: boolean;
}

function parseFilters(list: string[]): Filter {
  const f: Filter = { stars: 0 };
  const bool = (key: string, v: string | undefined): boolean => {
    if (v === undefined) return true;
    if (/^(1|t|T|TRUE|true|True)$/.test(v)) return true;
    if (/^(0|f|F|FALSE|false|False)$/.test(v)) return false;
    throw new TspodError(`incorrect value type for ${key} filter: strconv.ParseBool: parsing "${v}": invalid syntax`);
  };
  for (const item of list) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    if (key === 'stars') {
      if (value === undefined || !/^[+-]?\d+$/.test(value)) throw new TspodError(`incorrect value type for stars filter: strconv.Atoi: parsing "${value ?? ''}": invalid syntax`);
      f.stars = Number(value);
    } else if (key === 'is-official') f.official = bool(key, value);
    else if (key === 'is-automated') f.automated = bool(key, value);
    else throw new TspodError(`invalid filter type "${item}"`);
  }
  return f;
}

/** The hits for TERM in each registry it names (podman: 25 per registry unless --limit). */
export async function search(input: string, o: SearchRequest): Promise<SearchHit[]> {
  const f = parseFilters(o.filters);
  const { registries, term } = splitSearchTerm(input);
  const opts = { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir, limit: o.limit > 0 ? o.limit : 25 };
  const out: SearchHit[] = [];
  for (const reg of registries) {
    const hits = await searchRegistry(reg, term, opts);
    out.push(...hits.filter((h) => h.Stars >= f.stars
      && (f.official === undefined || (h.Official === '[OK]') === f.official)
      && (f.automated === undefined || (h.Automated === '[OK]') === f.automated)));
  }
  return out;
}

/** `search --list-tags REGISTRY/REPO`: its tags, at most LIMIT when given. */
export async function searchTags(input: string, o: SearchRequest): Promise<{ Name: string; Tags: string[] }> {
  const { registries, term } = splitSearchTerm(input);
  if (registries.length !== 1 || !input.includes('/')) throw new TspodError(`reference "${input}" must name a registry for --list-tags: give REGISTRY/NAME`);
  const reg = registries[0]!;
  const repo = term.replace(/:[^/]*$/, '');
  const tags = await listTags(reg, repo, { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir, limit: o.limit });
  return { Name: `${reg}/${repo}`, Tags: o.limit > 0 ? tags.slice(0, o.limit) : tags };
}
