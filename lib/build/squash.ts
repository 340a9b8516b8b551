// Layers merged into one tar: `build --squash` (the stage's new layers, whiteouts
// kept so that they still hide the base's files), `--squash-all` and `--output`
// (every layer: whiteouts applied and dropped). Reads the layer blobs (tar, gzip)
// as they are stored; an entry of a higher layer replaces the same path below it,
// `.wh.NAME` removes NAME (and what is under it), `.wh..wh..opq` what is under its
// directory in lower layers.
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { posix } from 'node:path';
import * as tar from 'tar';
import type { HeaderData } from 'tar';
import { writeTarHeader } from '../storage/diff.js';
import { safeEntryPath } from '../storage/extract.js';
import { TspodError } from '../util/errors.js';

interface Winner { layer: number; index: number }

const norm = (p: string) => {
  try {
    return safeEntryPath(p.replace(/\/+$/, ''));
  } catch (err) {
    throw new TspodError(`cannot merge layers: ${(err as Error).message}`);
  }
};

function entries(blob: string, each: (e: tar.ReadEntry, index: number) => void): void {
  let index = 0;
  tar.t({ file: blob, sync: true, onReadEntry: (e) => each(e, index++) });
}

/** Write to OUT the layers BLOBS (bottom first) as one layer tar. KEEPWHITEOUTS: the whiteouts still hide
 * what is under the merged layers (--squash over a base); otherwise they are applied and left out.
 * MTIME: every entry's time (--timestamp). */
export function mergeLayers(blobs: string[], out: number, keepWhiteouts: boolean, mtime?: Date): void {
  const winners = new Map<string, Winner>();
  const dropBelow = (prefix: string, layer: number, self: boolean) => {
    for (const [p, w] of winners) {
      if (w.layer < layer && ((self && p === prefix) || p.startsWith(`${prefix}/`) || prefix === '')) winners.delete(p);
    }
  };
  blobs.forEach((blob, layer) => entries(blob, (e, index) => {
    e.resume();
    const path = norm(e.path);
    if (!path) return;
    const base = posix.basename(path);
    const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    if (base === '.wh..wh..opq') {
      dropBelow(dir, layer, false);
      if (keepWhiteouts) winners.set(path, { layer, index });
    } else if (base.startsWith('.wh.')) {
      const target = dir ? `${dir}/${base.slice(4)}` : base.slice(4);
      dropBelow(target, layer, true);
      if (keepWhiteouts) winners.set(path, { layer, index });
    } else {
      if (e.type !== 'Directory') dropBelow(path, layer, false);
      const wh = dir ? `${dir}/.wh.${base}` : `.wh.${base}`;
      if (winners.get(wh)?.layer !== layer) winners.delete(wh);
      winners.set(path, { layer, index });
    }
  }));
  blobs.forEach((blob, layer) => entries(blob, (e, index) => {
    const path = norm(e.path);
    const w = winners.get(path);
    if (!path || !w || w.layer !== layer || w.index !== index) {
      e.resume();
      return;
    }
    const h = e.header;
    const fields: HeaderData = {
      path: e.type === 'Directory' ? `${path}/` : path, type: e.type, mode: h.mode, uid: h.uid, gid: h.gid, size: e.type === 'File' ? h.size : 0,
      mtime: mtime ?? h.mtime, linkpath: e.type === 'Link' ? norm(h.linkpath ?? '') : h.linkpath, uname: '', gname: '',
    };
    writeTarHeader(out, fields);
    if (e.type !== 'File') {
      e.resume();
      return;
    }
    let written = 0;
    e.on('data', (c: Buffer) => {
      writeSync(out, c);
      written += c.length;
    });
    e.on('end', () => {
      const pad = (512 - (written % 512)) % 512;
      if (pad) writeSync(out, Buffer.alloc(pad));
    });
  }));
  writeSync(out, Buffer.alloc(1024));
}

/** The digest of a layer tar's content for the build cache: names, types, modes, owners, link targets and
 * file bytes, not file times (touching a context file without changing it keeps the cache, as Docker's). */
export function contentDigest(layerTar: string): string {
  const h = createHash('sha256');
  entries(layerTar, (e) => {
    const x = e.header;
    h.update(JSON.stringify([e.path, e.type, x.mode, x.uid, x.gid, x.linkpath ?? '', x.size ?? 0]));
    e.on('data', (c: Buffer) => h.update(c));
  });
  return `sha256:${h.digest('hex')}`;
}
