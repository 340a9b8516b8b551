// registries.conf (v2 format, podman's keys): unqualified-search-registries,
// [aliases], [[registry]] with prefix/location/insecure/blocked and mirrors.
// The main file is the first of CONTAINERS_REGISTRIES_CONF, $XDG_CONFIG_HOME/tspod/registries.conf,
// podman's user file $XDG_CONFIG_HOME/containers/registries.conf and the system's
// /etc/containers/registries.conf; then the drop-ins (*.conf of registries.conf.d, in name
// order) as containers-registries.conf.d(5) says: the system's directory only under the
// system's main file, the user's always; a later file overrides the fields it sets.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { TspodError } from '../util/errors.js';
import { containersConfigDir, tspodPaths } from './paths.js';

export interface RegistryEndpoint {
  location: string;
  insecure: boolean;
}

export interface RegistryEntry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrors: RegistryEndpoint[];
}

export interface RegistriesConfig {
  /** the file read, or undefined when none exists */
  file?: string;
  unqualifiedSearch: string[];
  aliases: Record<string, string>;
  registries: RegistryEntry[];
}

const systemConf = '/etc/containers/registries.conf';

/** podman's per-user configuration directory ($XDG_CONFIG_HOME/containers). */
export function registriesConfPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONTAINERS_REGISTRIES_CONF) return env.CONTAINERS_REGISTRIES_CONF;
  for (const f of [join(tspodPaths(env).config, 'registries.conf'), join(containersConfigDir(env), 'registries.conf'), systemConf]) {
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** The drop-in files read after MAIN, in order (none when CONTAINERS_REGISTRIES_CONF names the file). */
export function registriesDropIns(main: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CONTAINERS_REGISTRIES_CONF) return [];
  const dirs = [
    ...(main === undefined || main === systemConf ? [`${systemConf}.d`] : []),
    join(containersConfigDir(env), 'registries.conf.d'),
    join(tspodPaths(env).config, 'registries.conf.d'),
  ];
  return dirs.flatMap((d) => {
    let names: string[];
    try {
      names = readdirSync(d, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.conf')).map((e) => e.name);
    } catch {
      return [];
    }
    return names.sort().map((n) => join(d, n));
  });
}

function strings(v: unknown, what: string, file: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new TspodError(`${file}: ${what} must be a list of strings`);
  return v as string[];
}

function bool(v: unknown, what: string, file: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TspodError(`${file}: ${what} must be true or false`);
  return v;
}

/** One file's settings; `unqualifiedSearch` only when the file sets it (a drop-in may not). */
interface ConfPart {
  unqualifiedSearch?: string[];
  aliases: Record<string, string>;
  registries: RegistryEntry[];
}

export function parseRegistriesConf(text: string, file: string): RegistriesConfig {
  const part = parsePart(text, file);
  return { file, unqualifiedSearch: part.unqualifiedSearch ?? [], aliases: part.aliases, registries: part.registries };
}

function parsePart(text: string, file: string): ConfPart {
  let toml: Record<string, unknown>;
  try {
    toml = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new TspodError(`${file} is not valid TOML: ${(err as Error).message}`);
  }
  if (toml.registries && !Array.isArray(toml.registries)) {
    throw new TspodError(`${file} uses the old v1 format ([registries.search]); tspod reads the v2 format: unqualified-search-registries = [...] and [[registry]] tables`);
  }
  const aliases: Record<string, string> = {};
  for (const [k, v] of Object.entries((toml.aliases ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new TspodError(`${file}: alias "${k}" must name an image as a string`);
    aliases[k] = v;
  }
  const registries = ((toml.registry ?? []) as Array<Record<string, unknown>>).map((r, i): RegistryEntry => {
    const location = typeof r.location === 'string' ? r.location : '';
    const prefix = typeof r.prefix === 'string' && r.prefix ? r.prefix : location;
    if (!prefix) throw new TspodError(`${file}: [[registry]] number ${i + 1} has neither prefix nor location`);
    const mirrors = ((r.mirror ?? []) as Array<Record<string, unknown>>).map((m) => {
      if (typeof m.location !== 'string' || !m.location) throw new TspodError(`${file}: a mirror of "${prefix}" has no location`);
      return { location: m.location, insecure: bool(m.insecure, 'mirror insecure', file) };
    });
    return { prefix, location: location || prefix, insecure: bool(r.insecure, `insecure of "${prefix}"`, file), blocked: bool(r.blocked, `blocked of "${prefix}"`, file), mirrors };
  });
  const search = toml['unqualified-search-registries'];
  return { unqualifiedSearch: search === undefined ? undefined : strings(search, 'unqualified-search-registries', file), aliases, registries };
}

export function loadRegistriesConf(env: NodeJS.ProcessEnv = process.env): RegistriesConfig {
  const main = registriesConfPath(env);
  const conf: RegistriesConfig = { file: main, unqualifiedSearch: [], aliases: {}, registries: [] };
  for (const file of [...(main ? [main] : []), ...registriesDropIns(main, env)]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TspodError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const part = parsePart(text, file);
    // A later file's fields win: the search list as a whole, aliases by name, [[registry]] by prefix.
    if (part.unqualifiedSearch) conf.unqualifiedSearch = part.unqualifiedSearch;
    Object.assign(conf.aliases, part.aliases);
    for (const r of part.registries) {
      const at = conf.registries.findIndex((x) => x.prefix === r.prefix);
      if (at >= 0) conf.registries[at] = r;
      else conf.registries.push(r);
    }
    conf.file ??= file;
  }
  return conf;
}

/** Does a [[registry]] prefix cover NAME (host/path)? Exact, at a path boundary, or *.domain. */
function prefixMatches(prefix: string, name: string): boolean {
  if (prefix.startsWith('*.')) {
    const host = name.split('/')[0]!;
    return host.endsWith(prefix.slice(1));
  }
  return name === prefix || name.startsWith(prefix + '/');
}

/** The entry with the longest prefix covering NAME, if any. */
export function registryFor(conf: RegistriesConfig, name: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const r of conf.registries) {
    if (prefixMatches(r.prefix, name) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}
