// The /etc/hostname, /etc/hosts and /etc/resolv.conf tspod bind-mounts into
// a container, as podman writes them.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { SLIRP_DNS, SLIRP_GATEWAY, SLIRP_GUEST_IP } from './slirp.js';

/** The host's first non-loopback IPv4 address (`hostname -I`'s first), which podman names
 * host.containers.internal on slirp4netns; undefined when it has none. */
export function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export interface HostsAddresses {
  /** the container's address on slirp4netns (slirp4netns:cidr= moves it) */
  guest?: string;
  /** what host.containers.internal names; default: the host's address, else slirp4netns's gateway */
  hostIp?: string;
  /** a pod member sharing the infra's network: the pod's hostname and the infra's name share the address, the member is 127.0.0.1 */
  podInfra?: { hostname: string; name: string };
  /** containers.conf base_hosts_file's entries (`IP\tNAMES`): after --add-host's; one naming the
   * container's hostname stands for the container's own line, as podman's */
  base?: string[];
}

/** --add-host entries come first, as podman writes them. */
export function hostsFile(hostname: string, name: string, network: 'slirp4netns' | 'pasta' | 'none' | 'host', addHosts: Array<{ host: string; ip: string }> = [], addr: HostsAddresses = {}): string {
  const base = addr.base ?? [];
  const named = base.some((l) => l.split('\t')[1]!.split(' ').includes(hostname));
  let text = addHosts.map((h) => `${h.ip}\t${h.host}\n`).join('') + base.map((l) => `${l}\n`).join('')
    + '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n'
    + '::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';
  if (network === 'slirp4netns') {
    const guest = addr.guest ?? SLIRP_GUEST_IP;
    if (addr.podInfra) text += `${guest}\t${addr.podInfra.hostname} ${addr.podInfra.name}\n127.0.0.1\t${name}\n`;
    else if (!named) text += `${guest}\t${hostname} ${name}\n`;
    text += `${addr.hostIp ?? hostAddress() ?? SLIRP_GATEWAY}\thost.containers.internal\n`;
  } else if (!named) {
    text += `127.0.1.1\t${hostname} ${name}\n`;
  }
  return text;
}

/** The host's /etc/resolv.conf (or TEXT in tests) as trimmed lines; none when unreadable. */
function hostResolvLines(text?: string): string[] {
  let host = text;
  if (host === undefined) {
    try {
      host = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      host = '';
    }
  }
  return host.split('\n').map((l) => l.trim());
}

/** The host's resolver settings for the container; --dns, --dns-search and --dns-option
 * (dns) replace the servers, search domains and options each (--dns-search . : none). */
export function resolvConf(network: 'slirp4netns' | 'pasta' | 'none' | 'host', hostText?: string, dns?: { servers: string[]; search: string[]; options: string[] }, slirpDns = SLIRP_DNS): string {
  const lines = hostResolvLines(hostText);
  const search = dns?.search.length
    ? (dns.search.includes('.') ? [] : [`search ${dns.search.join(' ')}`])
    : lines.filter((l) => /^search\s/.test(l));
  const options = dns?.options.length ? [`options ${dns.options.join(' ')}`] : lines.filter((l) => /^options\s/.test(l));
  // Loopback resolvers of the host are unreachable from a separate network namespace.
  const servers = lines.filter((l) => /^nameserver\s/.test(l) && (network === 'host' || !/\s(127\.|::1)/.test(l)));
  const ns = dns?.servers.length ? dns.servers.map((s) => `nameserver ${s}`) : network === 'slirp4netns' ? [`nameserver ${slirpDns}`] : servers;
  return [...search, ...ns, ...options].join('\n') + '\n';
}

/** /etc/hosts on user-defined networks, as podman writes it: localhost, then the container's
 * first address with its hostname and name. */
export function bridgeHostsFile(hostname: string, name: string, ip: string | undefined): string {
  return '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n'
    + '::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n'
    + (ip ? `${ip}\t${hostname} ${name}\n` : '');
}

/** /etc/resolv.conf on user-defined networks, as podman writes it: the dns.podman search domain and
 * the gateways of the networks that answer names, then the host's own resolvers (those reachable
 * from a namespace), else slirp4netns's. */
export function bridgeResolvConf(gateways: string[], hostText?: string): string {
  const lines = hostResolvLines(hostText);
  const search = lines.filter((l) => /^search\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  const servers = lines.filter((l) => /^nameserver\s/.test(l) && !/\s(127\.|::1)/.test(l));
  const options = lines.filter((l) => /^options\s/.test(l));
  const out = [];
  if (gateways.length) out.push(`search dns.podman${search.length ? ` ${search.join(' ')}` : ''}`);
  else if (search.length) out.push(`search ${search.join(' ')}`);
  out.push(...gateways.map((g) => `nameserver ${g}`), ...(servers.length ? servers : [`nameserver ${SLIRP_DNS}`]), ...options);
  return out.join('\n') + '\n';
}

/** /etc/hosts TEXT with a line "IP\tNAMES" at its end (once). */
export function hostsWithEntry(text: string, ip: string, names: string[]): string {
  const line = `${ip}\t${names.join(' ')}`;
  if (text.split('\n').includes(line)) return text;
  return `${text}${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`;
}

/** /etc/hosts TEXT without the lines naming exactly NAMES. */
export function hostsWithoutEntry(text: string, names: string[]): string {
  const want = names.join(' ');
  return text.split('\n').filter((l) => l.split('\t').slice(1).join('\t') !== want).join('\n');
}
