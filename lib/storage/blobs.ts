// Content-addressable blobs (layers, configs, manifests) under blobs/sha256.
// A blob enters the store only after its sha256 matches: it is written to a
// temp file first and renamed into place.
import { createHash, randomBytes } from '../util/builtins.js';
import { createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TspodError } from '../util/errors.js';

export function sha256(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const { pipeline } = await import('node:stream/promises');
  await pipeline(createReadStream(path), h);
  return 'sha256:' + h.digest('hex');
}

export function digestHex(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new TspodError(`unsupported or malformed digest "${digest}" (tspod stores sha256 digests only)`);
  return m[1]!;
}

export class BlobStore {
  /** blobs this process put in the store: what a failed import or load may take back */
  readonly written = new Set<string>();

  constructor(readonly root: string) {}

  path(digest: string): string {
    return join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  /** A temp file for a blob being written; its name carries our pid so a later
   * process can remove what a killed one left (removeStaleTemps). */
  tmpPath(): string {
    const dir = join(this.root, 'tmp');
    mkdirSync(dir, { recursive: true });
    return join(dir, `blob-${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Remove blob temp files of processes that no longer run (a pull killed with -9). */
  removeStaleTemps(): void {
    const dir = join(this.root, 'tmp');
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const m = /^blob-(\d+)-/.exec(name);
      if (!m || Number(m[1]) === process.pid) continue;
      try {
        process.kill(Number(m[1]), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(dir, name), { force: true });
      }
    }
  }

  /** Move a fully written temp file into the store once its digest is known (and matches). */
  commit(tmp: string, actual: string, expected?: string): string {
    if (expected && actual !== expected) {
      rmSync(tmp, { force: true });
      throw new TspodError(`blob digest mismatch: expected ${expected}, content is ${actual}; the image is corrupt and nothing was stored`);
    }
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true });
    if (!existsSync(this.path(actual))) this.created.add(actual);
    renameSync(tmp, this.path(actual));
    this.written.add(actual);
    return actual;
  }

  /** Blobs this process brought into the store (none was there before): the only ones a load may
   * take back, since another command may be about to record one that was there already. */
  readonly created = new Set<string>();

  /** Store a stream; verify it against `expected` when given. Returns the digest. */
  async putStream(src: Readable, expected?: string): Promise<string> {
    const tmp = this.tmpPath();
    const h = createHash('sha256');
    src.on('data', (chunk: Buffer) => h.update(chunk));
    try {
      const { pipeline } = await import('node:stream/promises');
      await pipeline(src, createWriteStream(tmp, { fd: openSync(tmp, 'w', 0o644) }));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return this.commit(tmp, 'sha256:' + h.digest('hex'), expected);
  }

  async putFile(path: string, expected?: string): Promise<string> {
    return this.putStream(createReadStream(path), expected);
  }

  putBytes(data: string | Uint8Array, expected?: string): string {
    const tmp = this.tmpPath();
    writeFileSync(tmp, data);
    return this.commit(tmp, sha256(data), expected);
  }

  remove(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }
}
