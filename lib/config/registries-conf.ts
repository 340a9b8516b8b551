// registries.conf (v2 format, podman's keys): unqualified-search-registries,
// [aliases], [[registry]] with prefix/location/insecure/blocked and mirrors.
// The user's $XDG_CONFIG_HOME/tspod/registries.conf replaces the system's
// /etc/containers/registries.conf; CONTAINERS_REGISTRIES_CONF names another file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { TspodError } from '../util/errors.js';
import { tspodPaths } from './paths.js';

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

export function registriesConfPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONTAINERS_REGISTRIES_CONF) return env.CONTAINERS_REGISTRIES_CONF;
  const user = join(tspodPaths(env).config, 'registries.conf');
  if (existsSync(user)) return user;
  return existsSync('/etc/containers/registries.conf') ? '/etc/containers/registries.conf' : undefined;
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

export function parseRegistriesConf(text: string, file: string): RegistriesConfig {
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
  return { file, unqualifiedSearch: strings(toml['unqualified-search-registries'], 'unqualified-search-registries', file), aliases, registries };
}

export function loadRegistriesConf(env: NodeJS.ProcessEnv = process.env): RegistriesConfig {
  const file = registriesConfPath(env);
  if (!file) return { unqualifiedSearch: [], aliases: {}, registries: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TspodError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseRegistriesConf(text, file);
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
