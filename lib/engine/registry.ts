// Registry use cases: pull, push, login, logout, and the --pull policy of run/create.
import { findCredentials, removeCredentials, storeCredentials, type Credentials } from '../config/auth-file.js';
import { loadRegistriesConf } from '../config/registries-conf.js';
import { parsePlatform } from '../image/manifest.js';
import type { PullEvents, PullResult } from '../image/pull.js';
import type { PushEvents } from '../image/push.js';
import { endpointsFor, pullCandidates } from '../image/registries.js';
import { parseReference } from '../image/reference.js';
// The registry client (node:https, tls) loads only when a command talks to a registry: run and
// create with a local image never do, and those modules are a good part of their start-up.
const client = () => import('../image/registry-client.js');
const puller = () => import('../image/pull.js');
import { findLocalImage } from '../image/resolve.js';
import type { ImageRecord } from '../storage/images.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { openStore } from './store.js';

export interface RegistryOptions {
  tlsVerify?: boolean;
  /** USER[:PASSWORD] as --creds takes it */
  creds?: string;
  authfile?: string;
  /** --cert-dir: CAs and client certificate for the registry (docker's certs.d layout) */
  certDir?: string;
}

export interface PullOptions extends RegistryOptions {
  platform?: string;
  events?: PullEvents;
}

export type PullPolicy = 'missing' | 'always' | 'never' | 'newer';

export function parseCreds(s: string | undefined): Credentials | undefined {
  if (s === undefined) return undefined;
  const colon = s.indexOf(':');
  if (!s || colon === 0) throw new TspodError(`--creds "${s}": expected USERNAME[:PASSWORD]`);
  return colon < 0 ? { username: s, password: '' } : { username: s.slice(0, colon), password: s.slice(colon + 1) };
}

export async function pull(ref: string, o: PullOptions, store: Store = openStore()): Promise<PullResult> {
  const { pullImage } = await puller();
  return pullImage(store, ref, {
    tlsVerify: o.tlsVerify,
    creds: parseCreds(o.creds),
    authfile: o.authfile,
    certDir: o.certDir,
    platform: o.platform ? parsePlatform(o.platform) : undefined,
    events: o.events,
  });
}

export function parsePullPolicy(s: string | undefined): PullPolicy {
  const v = s ?? 'missing';
  if (v === 'true') return 'always';
  if (v === 'false') return 'never';
  if (v === 'missing' || v === 'always' || v === 'never' || v === 'newer') return v;
  throw new TspodError(`invalid --pull "${s}": use missing (the default), always, never or newer`);
}

/** The image run/create use under a --pull policy, pulling when the policy says so. */
export async function imageForRun(store: Store, ref: string, policy: PullPolicy, o: PullOptions): Promise<ImageRecord> {
  const local = findLocalImage(store.images.list(), ref);
  const isId = /^(sha256:)?[a-f0-9]{12,64}$/.test(ref);
  if (policy === 'never' || (isId && local)) {
    // podman's words exactly (scripts compare them); `tspod pull` or `load` is the way out.
    if (!local) throw new TspodError(`${ref}: image not known`);
    return local;
  }
  if (local && policy === 'missing') return local;
  if (local && policy === 'newer') {
    const { remoteDigest } = await puller();
    const remote = await remoteDigest(ref, { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile });
    if (!remote || remote === local.digest || local.repoDigests?.some((r) => r.endsWith(`@${remote}`))) return local;
  }
  try {
    return (await pull(ref, o, store)).record;
  } catch (err) {
    if (local || !(err instanceof TspodError)) throw err;
    throw new TspodError(`${ref}: image not known locally, and pulling it failed: ${err.message}`);
  }
}

export interface PushRequest extends RegistryOptions {
  events?: PushEvents;
  /** --format oci|v2s2|v2s1 */
  format?: string;
  compressionFormat?: string;
  signBy?: string;
  signBySigstoreKey?: string;
}

/** push's refusals, before anything is sent: formats, compressions and signing tspod does not do. */
export function checkPushRequest(o: PushRequest): void {
  if (o.format !== undefined && !['oci', 'v2s2', 'v2s1'].includes(o.format)) throw new TspodError(`unknown format "${o.format}". Choose on of the supported formats: 'oci', 'v2s1', or 'v2s2'`);
  if (o.format === 'v2s1') throw new TspodError('--format v2s1: tspod does not write Docker schema 1 manifests (deprecated, unsigned ones are refused by most registries); use oci or v2s2');
  if (o.compressionFormat !== undefined && o.compressionFormat !== 'gzip') {
    throw new TspodError(o.compressionFormat === 'zstd' || o.compressionFormat === 'zstd:chunked'
      ? `--compression-format ${o.compressionFormat}: tspod pushes layers as they are stored and does not recompress them; use gzip`
      : `cannot find compressor for "${o.compressionFormat}"`);
  }
  if (o.signBy !== undefined) throw new TspodError('creating signature: tspod does not sign images (no GPG signing support); push without --sign-by');
  if (o.signBySigstoreKey !== undefined) throw new TspodError('creating signature: sigstore signing is not supported by tspod; push without --sign-by-sigstore-private-key');
}

export async function push(source: string, dest: string | undefined, o: PushRequest): Promise<{ name: string; digest: string }> {
  checkPushRequest(o);
  const store = openStore();
  const img = findLocalImage(store.images.list(), source);
  if (!img) throw new TspodError(`${source}: image not known; see \`tspod images\``);
  const { pushImage } = await import('../image/push.js');
  return pushImage(store, img, dest ?? source, {
    tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir, events: o.events,
    format: o.format as 'oci' | 'v2s2' | undefined,
  });
}

/** pull --all-tags: every tag of the repository REF names (which must carry no tag or digest). */
export async function pullAllTags(ref: string, o: PullOptions, onTag?: (r: PullResult) => void): Promise<PullResult[]> {
  const parsed = parseReference(ref);
  if (parsed.tag || parsed.digest) throw new TspodError("tag can't be used with --all-tags/-a");
  const c = pullCandidates(loadRegistriesConf(), ref, o.tlsVerify)[0]!;
  const { listTags } = await import('../image/search.js');
  const tags = await listTags(c.ref.domain, c.ref.path, { tlsVerify: o.tlsVerify, creds: parseCreds(o.creds), authfile: o.authfile, certDir: o.certDir, limit: 0 });
  if (!tags.length) throw new TspodError(`${c.ref.domain}/${c.ref.path} has no tags to pull`);
  const out: PullResult[] = [];
  for (const tag of tags) {
    const r = await pull(`${c.ref.domain}/${c.ref.path}:${tag}`, o);
    onTag?.(r);
    out.push(r);
  }
  return out;
}

/** The registry host (and optional namespace) a login key names: HOST[:PORT][/PATH]. */
function loginKey(registry: string): { key: string; host: string } {
  const key = registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const host = key.split('/')[0]!;
  if (!host || !/^[a-zA-Z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(host)) throw new TspodError(`"${registry}" is not a registry host (HOST[:PORT])`);
  return { key: key === 'docker.io' || key === 'index.docker.io' ? 'docker.io' : key, host };
}

/** Check the credentials against the registry, then store them; returns the file written. */
export async function login(registry: string, creds: Credentials, o: RegistryOptions): Promise<string> {
  const { key, host } = loginKey(registry);
  const ep = endpointsFor(loadRegistriesConf(), { domain: host, path: 'x' }, o.tlsVerify).find((e) => !e.mirror)!;
  const { RegistryClient } = await client();
  await new RegistryClient(host, { insecure: ep.insecure, creds, certDir: o.certDir }).ping();
  return storeCredentials(key, creds, o.authfile);
}

export function logout(registry: string | undefined, authfile?: string): boolean {
  return removeCredentials(registry === undefined ? undefined : loginKey(registry).key, authfile);
}

export function storedLogin(registry: string, authfile?: string): string | undefined {
  return findCredentials(loginKey(registry).key, authfile)?.username;
}
