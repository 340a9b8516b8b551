// `tspod pull`: manifest (or index, then this platform's manifest), config,
// layers in parallel. Each blob is streamed to a temp file while its digest
// and size are checked and enters the store only when both match; each layer
// is extracted as soon as it is in, in one pass that also checks the digest
// of its uncompressed tar against the config's diff_id. The image record is written last: an interrupted pull
// leaves no image, and the next pull reuses what was complete.
import { createHash } from 'node:crypto';
import { createWriteStream, openSync, rmSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Credentials } from '../config/auth-file.js';
import { findCredentials } from '../config/auth-file.js';
import { loadRegistriesConf, type RegistriesConfig } from '../config/registries-conf.js';
import { sha256 } from '../storage/blobs.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { chainIds } from '../storage/layers.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import {
  checkManifest, documentType, hostPlatform, indexTypes, manifestAccept, manifestTypes, selectPlatform,
  type Descriptor, type Index, type Manifest, type Platform,
} from './manifest.js';
import { pullCandidates, type Candidate, type Endpoint } from './registries.js';
import { readBody, RegistryClient } from './registry-client.js';

export interface PullEvents {
  trying?(name: string): void;
  /** a blob's download began (or was skipped because the store has it) */
  blobStart?(d: Descriptor, kind: 'layer' | 'config', skipped: boolean): void;
  blobProgress?(d: Descriptor, bytes: number): void;
  blobDone?(d: Descriptor, kind: 'layer' | 'config'): void;
  writingManifest?(): void;
}

export interface PullOptions {
  platform?: Platform;
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
  certDir?: string;
  events?: PullEvents;
  conf?: RegistriesConfig;
}

export interface PullResult {
  record: ImageRecord;
  name: string;
}

const parallelDownloads = 6;
const parallelExtractions = 2;

/** At most `n` of the tasks run at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

class Puller {
  private readonly client: RegistryClient;
  private readonly scope: { repo: string; actions: string };

  constructor(private store: Store, private ep: Endpoint, private opts: PullOptions, private candidate: Candidate) {
    const creds = opts.creds ?? findCredentials(`${ep.host}/${ep.path}`, opts.authfile);
    this.client = new RegistryClient(ep.host, { insecure: ep.insecure, creds, certDir: opts.certDir });
    this.scope = { repo: ep.path, actions: 'pull' };
  }

  private where(): string {
    return `${this.ep.host}/${this.ep.path}`;
  }

  private async manifest(reference: string, expected?: string): Promise<{ bytes: Buffer; type: string; digest: string }> {
    const res = await this.client.request('GET', `/v2/${this.ep.path}/manifests/${reference}`, { headers: { Accept: manifestAccept }, scope: this.scope });
    const bytes = await readBody(res.body, 4 * 1024 * 1024);
    const digest = sha256(bytes);
    const claimed = res.headers['docker-content-digest'];
    if (expected && digest !== expected) {
      throw new TspodError(`manifest digest mismatch for ${this.where()}@${expected}: the registry sent content with digest ${digest}; the image is corrupt and nothing was stored`);
    }
    if (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new TspodError(`manifest digest mismatch for ${this.where()}:${reference}: the registry says ${claimed} but the content is ${digest}; the image is corrupt and nothing was stored`);
    }
    let doc: Manifest | Index;
    try {
      doc = JSON.parse(bytes.toString('utf8')) as Manifest | Index;
    } catch {
      throw new TspodError(`the manifest of ${this.where()}:${reference} is not valid JSON`);
    }
    return { bytes, type: documentType(doc, res.headers['content-type']), digest };
  }

  /** Download one blob into the store, checking its size and digest on the way (its
   * diff id is checked when it is extracted, in the same pass that unpacks it). */
  private async download(d: Descriptor): Promise<void> {
    const res = await this.client.request('GET', `/v2/${this.ep.path}/blobs/${d.digest}`, { scope: this.scope });
    const tmp = this.store.blobs.tmpPath();
    const h = createHash('sha256');
    let bytes = 0;
    let lastReport = 0;
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        bytes += chunk.length;
        if (bytes > d.size) return cb(new TspodError(`blob ${d.digest} of ${this.where()} is larger than the ${d.size} bytes its manifest says; the image is corrupt and nothing was stored`));
        h.update(chunk);
        if (Date.now() - lastReport > 100) {
          lastReport = Date.now();
          this.opts.events?.blobProgress?.(d, bytes);
        }
        cb(null, chunk);
      },
    });
    try {
      // Opened here, not by the stream: an early error must not let the file appear after it is removed.
      await pipeline(res.body, tap, createWriteStream(tmp, { fd: openSync(tmp, 'w', 0o644) }));
      if (bytes !== d.size) throw new TspodError(`blob ${d.digest} of ${this.where()} ended after ${bytes} of ${d.size} bytes; the download was cut short, nothing was stored (pull again)`);
      const actual = 'sha256:' + h.digest('hex');
      if (actual !== d.digest) throw new TspodError(`blob digest mismatch for ${this.where()}: expected ${d.digest}, the registry sent ${actual}; the image is corrupt and nothing was stored`);
      this.store.blobs.commit(tmp, actual, d.digest);
    } catch (err) {
      rmSync(tmp, { force: true });
      if (err instanceof TspodError) throw err;
      throw new TspodError(`the download of blob ${d.digest} from ${this.where()} was cut off after ${bytes} of ${d.size} bytes (${(err as Error).message}); nothing was stored, pull again`);
    }
    this.opts.events?.blobProgress?.(d, bytes);
    this.opts.events?.blobDone?.(d, 'layer');
  }

  async run(): Promise<PullResult> {
    const ref = this.candidate.ref;
    this.opts.events?.trying?.(this.candidate.name);
    let m = await this.manifest(ref.digest ?? ref.tag ?? 'latest', ref.digest).catch((err: Error) => {
      if (!/manifest unknown/.test(err.message)) throw err;
      const what = ref.digest ? `digest ${ref.digest}` : `tag "${ref.tag ?? 'latest'}"`;
      throw new TspodError(`${this.candidate.name}: manifest unknown: the ${what} does not exist in ${this.where()}; check the name (and the repository's tags)`);
    });
    const repoDigests = [m.digest];
    if (indexTypes.includes(m.type)) {
      const index = JSON.parse(m.bytes.toString('utf8')) as Index;
      const pick = selectPlatform(index, this.opts.platform ?? hostPlatform(), this.candidate.name);
      m = await this.manifest(pick.digest, pick.digest);
      repoDigests.push(m.digest);
    } else if (!manifestTypes.includes(m.type)) {
      throw new TspodError(`${this.candidate.name}: unsupported manifest media type "${m.type}" (tspod pulls ${[...manifestTypes, ...indexTypes].join(', ')})`);
    }
    const manifest = JSON.parse(m.bytes.toString('utf8')) as Manifest;
    checkManifest(manifest, this.candidate.name);

    // The config first: it names the layers' diff ids, which every layer is checked against.
    const cfgDesc = manifest.config;
    if (cfgDesc.size > 16 * 1024 * 1024) throw new TspodError(`${this.candidate.name}: the image config is ${cfgDesc.size} bytes, more than tspod accepts`);
    this.opts.events?.blobStart?.(cfgDesc, 'config', false);
    const cfgRes = await this.client.request('GET', `/v2/${this.ep.path}/blobs/${cfgDesc.digest}`, { scope: this.scope });
    const configBytes = await readBody(cfgRes.body, 16 * 1024 * 1024);
    if (sha256(configBytes) !== cfgDesc.digest) {
      throw new TspodError(`blob digest mismatch for the config of ${this.candidate.name}: expected ${cfgDesc.digest}, the registry sent ${sha256(configBytes)}; the image is corrupt and nothing was stored`);
    }
    let config: ImageConfig;
    try {
      config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    } catch {
      throw new TspodError(`the config of ${this.candidate.name} is not valid JSON; the image is corrupt`);
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new TspodError(`${this.candidate.name}: the config lists ${diffIds.length} layers but the manifest ${manifest.layers.length}; the image is corrupt`);
    }
    const chains = chainIds(diffIds);

    this.store.blobs.removeStaleTemps();
    const downloads = limiter(parallelDownloads);
    const extractions = limiter(parallelExtractions);
    const fetched: string[] = [];
    const extracted: string[] = [];
    const results = await Promise.allSettled(manifest.layers.map(async (d, i) => {
      if (this.store.blobs.has(d.digest)) {
        this.opts.events?.blobStart?.(d, 'layer', true);
      } else {
        await downloads(async () => {
          this.opts.events?.blobStart?.(d, 'layer', false);
          await this.download(d);
          fetched.push(d.digest);
        });
      }
      if (this.store.layers.has(chains[i]!)) return;
      await extractions(() => this.store.layers.ensureOne(chains[i]!, diffIds[i]!, chains[i - 1], d.digest));
      extracted.push(chains[i]!);
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // What this pull brought that no image uses goes again: a failed pull stores nothing.
      await this.store.locked(async () => {
        const images = this.store.images.list();
        const usedBlobs = new Set(images.flatMap((img) => img.layerBlobs));
        const usedChains = new Set(images.flatMap((img) => img.chainIds));
        for (const dg of fetched) if (!usedBlobs.has(dg)) this.store.blobs.remove(dg);
        await this.store.layers.remove(extracted.filter((c) => !usedChains.has(c))).catch(() => undefined);
      });
      throw failed.reason;
    }

    this.opts.events?.blobDone?.(cfgDesc, 'config');
    this.opts.events?.writingManifest?.();
    this.store.blobs.putBytes(configBytes, cfgDesc.digest);
    this.store.blobs.putBytes(m.bytes, m.digest);
    const repo = `${ref.domain}/${ref.path}`;
    const name = ref.digest ? undefined : this.candidate.name;
    const record = await this.store.locked(async () => {
      // A pull of another image that failed meanwhile may have removed a blob or layer
      // we found present and did not fetch: then this pull runs again.
      if (manifest.layers.some((l) => !this.store.blobs.has(l.digest)) || chains.some((c) => !this.store.layers.has(c))) throw new StoreChanged();
      const existing = this.store.images.get(cfgDesc.digest);
      const rec: ImageRecord = {
        version: 1,
        id: cfgDesc.digest,
        names: [...new Set([...(existing?.names ?? []), ...(name ? [name] : [])])],
        digest: m.digest,
        repoDigests: [...new Set([...(existing?.repoDigests ?? []), ...repoDigests.map((dg) => `${repo}@${dg}`)])],
        manifestMediaType: m.type,
        layerBlobs: manifest.layers.map((l) => l.digest),
        chainIds: chains,
        created: config.created ?? new Date().toISOString(),
        size: manifest.layers.reduce((n, l) => n + l.size, 0) + configBytes.length,
      };
      this.store.images.save(rec);
      return rec;
    });
    return { record, name: name ?? `${repo}@${repoDigests[0]}` };
  }
}

class StoreChanged extends Error {}

/** Errors worth trying the next endpoint or candidate for; others stop the pull. */
function tryNext(err: unknown): boolean {
  const msg = (err as Error).message ?? '';
  return /manifest unknown|does not exist|cannot reach|requires credentials|denied access|did not answer|TLS connection/.test(msg);
}

export async function pullImage(store: Store, input: string, opts: PullOptions = {}): Promise<PullResult> {
  const conf = opts.conf ?? loadRegistriesConf();
  const candidates = pullCandidates(conf, input, opts.tlsVerify);
  const errors: string[] = [];
  for (const c of candidates) {
    for (const ep of c.endpoints) {
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            return await new Puller(store, ep, opts, c).run();
          } catch (err) {
            if (!(err instanceof StoreChanged) || attempt === 3) throw err;
          }
        }
      } catch (err) {
        if (!(err instanceof TspodError) || !tryNext(err) || (candidates.length === 1 && c.endpoints.length === 1)) throw err;
        errors.push(`${ep.host}/${ep.path}: ${err.message}`);
      }
    }
  }
  throw new TspodError(`${input}: no registry had the image:\n  ${errors.join('\n  ')}`);
}

/** The digest a registry holds for a reference now (for --pull=newer), or undefined when unreachable. */
export async function remoteDigest(input: string, opts: PullOptions = {}): Promise<string | undefined> {
  try {
    const conf = opts.conf ?? loadRegistriesConf();
    const c = pullCandidates(conf, input, opts.tlsVerify)[0]!;
    const ep = c.endpoints[c.endpoints.length - 1]!;
    const client = new RegistryClient(ep.host, { insecure: ep.insecure, creds: opts.creds ?? findCredentials(`${ep.host}/${ep.path}`, opts.authfile), certDir: opts.certDir });
    const res = await client.request('HEAD', `/v2/${ep.path}/manifests/${c.ref.digest ?? c.ref.tag}`, { headers: { Accept: manifestAccept }, scope: { repo: ep.path, actions: 'pull' } });
    res.body.resume();
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}
