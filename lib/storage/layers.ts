// Extracted layers: each layer is unpacked once into layers/<chain id>/diff
// and shared by every image and container whose layer stack contains it.
// The chain id names a layer together with everything below it (OCI).
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { lazyZlib, randomBytes } from '../util/builtins.js';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { sha256, digestHex, type BlobStore } from './blobs.js';
import { lockName, withLockAsync } from './lock.js';

export interface LayerRecord {
  version: 1;
  chainId: string;
  diffId: string;
  parent?: string;
  blob: string;
  /** the mode the layer's "./" entry gives the root directory (a container's / takes the top one's);
   * -1: it names none; absent: extracted before tspod kept it (LayerStore.rootMode reads the blob) */
  rootMode?: number;
}

/** The mode of a layer tar's "./" entry when it is the first (after PAX headers), from the first
 * 64 KiB of the (plain or gzip) blob; zstd blobs and other orders answer undefined. */
export function tarRootMode(blobPath: string): number | undefined {
  const fd = openSync(blobPath, 'r');
  let head = Buffer.alloc(65536);
  try {
    head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
  const tar = head[0] === 0x1f && head[1] === 0x8b ? lazyZlib().gunzipSync(head, { finishFlush: lazyZlib().constants.Z_SYNC_FLUSH }) : head;
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    const type = String.fromCharCode(h[156]!);
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    if (type === 'x' || type === 'g') {
      off += 512 + Math.ceil(size / 512) * 512;
      continue;
    }
    const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    if (type !== '5' || !['./', '.', '/'].includes(name)) return undefined;
    const mode = parseInt(h.subarray(100, 108).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    // an unreadable mode field says nothing: the default root mode stays (not NaN & 0o7777 = 0)
    return Number.isInteger(mode) ? mode & 0o7777 : undefined;
  }
  return undefined;
}

export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}

/** File work that must run as root of the user's mapped namespace (files
 * owned by subordinate ids); the runtime provides it. */
export interface RootFileOps {
  /** unpack the blob into dest; its uncompressed content must have digest diffId */
  extractLayer(blobPath: string, dest: string, diffId: string): Promise<{ rootMode?: number } | void>;
  remove(paths: string[]): Promise<void>;
}

export class LayerStore {
  constructor(readonly root: string, private blobs: BlobStore, private ops: RootFileOps) {}

  dir(chainId: string): string {
    return join(this.root, 'layers', digestHex(chainId));
  }

  diffDir(chainId: string): string {
    return join(this.dir(chainId), 'diff');
  }

  get(chainId: string): LayerRecord | undefined {
    return readJson<LayerRecord>(join(this.dir(chainId), 'layer.json'));
  }

  /** The mode the layer gives the root directory ("./" in its tar), if it names one: recorded at
   * extraction; for a layer extracted before tspod recorded it, read from its blob's first entry. */
  rootMode(chainId: string): number | undefined {
    const rec = this.get(chainId);
    if (!rec) return undefined;
    if (rec.rootMode !== undefined) return rec.rootMode >= 0 ? rec.rootMode : undefined;
    try {
      return tarRootMode(this.blobs.path(rec.blob));
    } catch {
      return undefined;
    }
  }

  has(chainId: string): boolean {
    return existsSync(join(this.dir(chainId), 'layer.json'));
  }

  /** Make sure every layer of the stack is extracted; `blobs[i]` holds diffIds[i]. */
  async ensure(diffIds: string[], blobDigests: string[]): Promise<string[]> {
    const chains = chainIds(diffIds);
    for (let i = 0; i < chains.length; i++) await this.ensureOne(chains[i]!, diffIds[i]!, chains[i - 1], blobDigests[i]!);
    return chains;
  }

  /** Extract one layer of a stack unless it is there. Layers do not depend on
   * their parents' files, so a stack's layers may be extracted in any order. */
  async ensureOne(chainId: string, diffId: string, parent: string | undefined, blob: string): Promise<void> {
    if (this.has(chainId)) return;
    mkdirSync(join(this.root, 'layers'), { recursive: true });
    // Another process may be extracting the same (big) layer: wait for it as long as it lives.
    const legacyDir = join(this.root, 'layers', `.${digestHex(chainId)}.lock`);
    await withLockAsync({ root: this.root, name: lockName('layer', digestHex(chainId)), legacyDir }, async () => {
      if (this.has(chainId)) return;
      await this.extract(chainId, diffId, parent, blob);
    }, 30 * 60_000);
  }

  private async extract(chainId: string, diffId: string, parent: string | undefined, blob: string): Promise<void> {
    const tmp = join(this.root, 'layers', `.tmp-${randomBytes(6).toString('hex')}`);
    mkdirSync(join(tmp, 'diff'), { recursive: true });
    try {
      const got = await this.ops.extractLayer(this.blobs.path(blob), join(tmp, 'diff'), diffId);
      // rootMode -1: the layer names no root directory (told apart from records made before it was kept)
      const record: LayerRecord = { version: 1, chainId, diffId, parent, blob, rootMode: got?.rootMode ?? -1 };
      writeJsonAtomic(join(tmp, 'layer.json'), record);
      renameSync(tmp, this.dir(chainId));
    } catch (err) {
      await this.ops.remove([tmp]).catch(() => undefined);
      throw err;
    }
  }

  list(): LayerRecord[] {
    const dir = join(this.root, 'layers');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .map((n) => readJson<LayerRecord>(join(dir, n, 'layer.json')))
      .filter((r): r is LayerRecord => r !== undefined);
  }

  async remove(chainIds: string[]): Promise<void> {
    await this.ops.remove(chainIds.map((c) => this.dir(c)));
  }
}
