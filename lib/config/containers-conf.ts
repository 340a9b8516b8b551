// containers.conf(5), the [containers] keys tspod honours for a container's /etc files:
// dns_servers, dns_searches, dns_options, base_hosts_file, host_containers_internal_ip, no_hosts.
// Files, as podman 4.3 reads them: CONTAINERS_CONF alone when it is set; otherwise
// /usr/share/containers/containers.conf, /etc/containers/containers.conf and the user's
// $XDG_CONFIG_HOME/containers/containers.conf, a later file overriding the keys it sets.
// Other keys and tables are not read (docs/networking.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { TspodError } from '../util/errors.js';
import { programPath } from '../util/fs.js';
import { containersConfigDir } from './paths.js';

export interface ContainersConf {
  dnsServers?: string[];
  dnsSearches?: string[];
  dnsOptions?: string[];
  baseHostsFile?: string;
  hostContainersInternalIp?: string;
  noHosts?: boolean;
  /** [engine] runtime: the OCI runtime podman would use (tspod checks the name, runs its own) */
  runtime?: string;
}

function containersConfFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CONTAINERS_CONF) return [env.CONTAINERS_CONF];
  const user = join(containersConfigDir(env), 'containers.conf');
  return ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf', user];
}

function strings(file: string, key: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new TspodError(`${file}: [containers] ${key} must be a list of strings`);
  return v as string[];
}

function str(file: string, key: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new TspodError(`${file}: [containers] ${key} must be a string`);
  return v;
}

/** The [containers] keys above from TEXT (one file's). */
export function parseContainersConf(text: string, file = 'containers.conf'): ContainersConf {
  let toml: Record<string, unknown>;
  try {
    toml = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new TspodError(`${file} is not valid TOML: ${(err as Error).message}`);
  }
  const c = (toml.containers ?? {}) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c)) throw new TspodError(`${file}: [containers] must be a table`);
  const out: ContainersConf = {
    dnsServers: strings(file, 'dns_servers', c.dns_servers),
    dnsSearches: strings(file, 'dns_searches', c.dns_searches),
    dnsOptions: strings(file, 'dns_options', c.dns_options),
    baseHostsFile: str(file, 'base_hosts_file', c.base_hosts_file),
    hostContainersInternalIp: str(file, 'host_containers_internal_ip', c.host_containers_internal_ip),
  };
  const engine = toml.engine;
  if (engine !== undefined && (typeof engine !== 'object' || engine === null || Array.isArray(engine))) throw new TspodError(`${file}: [engine] must be a table`);
  const runtime = (engine as Record<string, unknown> | undefined)?.runtime;
  if (runtime !== undefined) {
    if (typeof runtime !== 'string') throw new TspodError(`${file}: [engine] runtime must be a string`);
    out.runtime = runtime;
  }
  if (c.no_hosts !== undefined) {
    if (typeof c.no_hosts !== 'boolean') throw new TspodError(`${file}: [containers] no_hosts must be true or false`);
    out.noHosts = c.no_hosts;
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as ContainersConf;
}

/** The merged settings of the files that exist (a CONTAINERS_CONF that does not is an error, as podman's). */
export function readContainersConf(env: NodeJS.ProcessEnv = process.env): ContainersConf {
  let conf: ContainersConf = {};
  for (const f of containersConfFiles(env)) {
    if (!existsSync(f)) {
      if (f === env.CONTAINERS_CONF) throw new TspodError(`CONTAINERS_CONF names ${f}, which does not exist: point it at a containers.conf file or unset it`);
      continue;
    }
    conf = { ...conf, ...parseContainersConf(readFileSync(f, 'utf8'), f) };
  }
  return conf;
}

/** containers.conf's [engine] runtime, where tspod runs a container (run, create, build): a name
 * that is no program here is podman's error; an installed one (runc, crun) is left for tspod's own
 * runtime, which runs every container. */
export function checkConfiguredRuntime(conf: ContainersConf): void {
  const r = conf.runtime;
  if (r && r !== 'tspod-launch' && !programPath(r)) {
    throw new TspodError(`default OCI runtime "${r}" not found: invalid argument\n(containers.conf's [engine] runtime names it; tspod runs every container with its own runtime, tspod-launch: remove the setting, or name an installed runtime)`);
  }
}

/** A hosts(5) file's entries as `IP\tNAMES` lines, comments and blank lines left out. */
export function baseHostsEntries(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)
    .map((l) => l.split(/\s+/)).filter((f) => f.length >= 2).map((f) => `${f[0]}\t${f.slice(1).join(' ')}`);
}
