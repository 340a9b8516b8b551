// Extracting one image layer: Node decompresses the blob (gzip, zstd or plain)
// and hashes the plain tar (its diff id) while streaming it into tspod-extract,
// which parses the tar and does every write with the layer directory as the
// root of its own mount namespace (helpers-c/tspod-extract.c, docs/storage.md).
import { spawn } from 'node:child_process';
import { createReadStream, closeSync, openSync, readSync } from 'node:fs';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { helperPath } from '../config/paths.js';
import { createZstdDecompress, zstdMagic } from '../util/zstd.js';

/** The layer's content is refused: unsafe, unsupported or corrupt. */
export class UnsafeLayerError extends Error {}

/** Normalise an entry path; throw when it could land outside its root (archives
 * tspod reads itself: docker/oci archives, cp). Layers are checked by tspod-extract. */
export function safeEntryPath(raw: string, what = 'entry'): string {
  if (raw.startsWith('/')) throw new UnsafeLayerError(`${what} "${raw}" is an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeLayerError(`${what} "${raw}" contains ".." and could escape the layer`);
  return parts.join('/');
}

export interface LayerLimits {
  /** most entries a layer may hold */
  maxEntries: number;
  /** most bytes its files may add up to */
  maxBytes: number;
}

/** Generous for real images, finite for tar bombs; TSPOD_LAYER_MAX_ENTRIES / _BYTES override. */
export function defaultLimits(env: NodeJS.ProcessEnv = process.env): LayerLimits {
  const positive = (v: string | undefined, fallback: number) => {
    const n = Math.floor(Number(v));
    return Number.isSafeInteger(n) && n > 0 ? n : fallback;
  };
  return {
    maxEntries: positive(env.TSPOD_LAYER_MAX_ENTRIES, 2_000_000),
    maxBytes: positive(env.TSPOD_LAYER_MAX_BYTES, 64 * 1024 ** 3),
  };
}

/** Runs tspod-extract with ARGS, STDIN piped into it; resolves with its exit code and stderr. */
export type ExtractLauncher = (args: string[], stdin: Readable) => Promise<{ exitCode: number; stderr: string }>;

/** tspod-extract on its own (tests; uid 0 applies owners, anyone else enters a
 * user namespace of their own and keeps their own ids). tspod itself runs the
 * helper as root of its mapped user namespace (runtime/userns.ts). */
export const ownUsernsLauncher: ExtractLauncher = (args, stdin) => new Promise((resolve, reject) => {
  const child = spawn(helperPath('tspod-extract'), ['--own-userns', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // Either side may stop first: the exit status and the source's own error tell why.
  pipeline(stdin, child.stdin, () => undefined);
  child.on('error', (err) => reject(new Error(`cannot run ${helperPath('tspod-extract')}: ${err.message} (was \`npm run build\` run?)`)));
  child.on('close', (code, signal) => resolve({ exitCode: code ?? 128 + (signal ? 9 : 0), stderr }));
});

function startsWith(file: string, magic: Buffer): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(magic.length);
    return readSync(fd, b, 0, magic.length, 0) === magic.length && b.equals(magic);
  } finally {
    closeSync(fd);
  }
}

/** The helper's JSON status line (the last one on its stderr). */
interface Status {
  status: 'ok' | 'refused' | 'failed';
  message?: string;
  /** the mode of the archive's "./" entry; -1 (or absent) when it has none */
  rootMode?: number;
}

/** What an extraction tells: the mode the layer gives its root directory, when it names one. */
export interface ExtractResult { rootMode?: number }

function lastStatus(stderr: string): Status | undefined {
  for (const line of stderr.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Status;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Unpack the layer blob FILE into the directory DEST (absolute). With EXPECTEDDIFFID
 * its uncompressed content must have that digest. On failure DEST may hold part of the
 * layer: the caller extracts into a temporary directory and removes it. */
export async function extractLayer(file: string, dest: string, limits: LayerLimits = defaultLimits(), expectedDiffId?: string,
  launch: ExtractLauncher = ownUsernsLauncher): Promise<ExtractResult> {
  // One pass: decompress, hash the tar (the layer's diff id) and feed it to the helper.
  const h = createHash('sha256');
  const hashTap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      cb(null, chunk);
    },
  });
  const decompress = startsWith(file, zstdMagic) ? [createZstdDecompress()] : startsWith(file, Buffer.from([0x1f, 0x8b])) ? [createGunzip()] : [];
  let sourceError: Error | undefined;
  const fed = new Promise<void>((resolve) => {
    pipeline([createReadStream(file), ...decompress, hashTap] as unknown as [Readable, Transform], (err) => {
      if (err) sourceError = err;
      resolve();
    });
  });
  const args = ['--max-entries', String(limits.maxEntries), '--max-bytes', String(limits.maxBytes), dest];
  let r: { exitCode: number; stderr: string };
  try {
    r = await launch(args, hashTap);
  } catch (err) {
    hashTap.destroy();
    await fed;
    throw err;
  }
  // The helper may stop reading before the end (a refusal): end the source too.
  if (r.exitCode !== 0) hashTap.destroy();
  await fed;
  const status = lastStatus(r.stderr);
  // A source that failed by itself (corrupt gzip) explains a cut-off stream; EPIPE and
  // premature close only echo the helper stopping, whose status says why.
  const srcErr = sourceError as (Error & { code?: string }) | undefined;
  if (srcErr && srcErr.code !== 'EPIPE' && srcErr.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
    throw new UnsafeLayerError(`the layer cannot be read: ${srcErr.message}`);
  }
  if (status?.status === 'refused') throw new UnsafeLayerError(status.message ?? 'the layer was refused');
  if (r.exitCode !== 0 || status?.status !== 'ok') {
    throw new Error(status?.message ?? (r.stderr.trim() || `tspod-extract exited with ${r.exitCode}`));
  }
  const diffId = 'sha256:' + h.digest('hex');
  if (expectedDiffId && diffId !== expectedDiffId) {
    throw new UnsafeLayerError(`the layer does not match the image config (diff_id ${expectedDiffId}, content ${diffId}); the image is corrupt`);
  }
  return typeof status.rootMode === 'number' && status.rootMode >= 0 ? { rootMode: status.rootMode } : {};
}
