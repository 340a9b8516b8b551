// Crafting images for tests: layers from directories or from raw tar
// entries (including hostile ones), packed as docker-archive tarballs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Header } from 'tar';

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice';
  body?: string | Buffer;
  linkpath?: string;
  mode?: number;
}

/** A tar built entry by entry, so paths the tar tools would refuse can be written. */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = typeof e.body === 'string' || e.body === undefined ? Buffer.from(e.body ?? '') : e.body;
    const type = e.type ?? 'File';
    const sized = type === 'File' || (type as string) === 'ExtendedHeader';
    const h = new Header({
      path: e.path, type, size: sized ? body.length : 0, mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: 0, gid: 0, mtime: new Date(0), linkpath: e.linkpath,
    });
    const buf = Buffer.alloc(512);
    h.encode(buf, 0);
    blocks.push(buf);
    if (sized && body.length) {
      const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
      body.copy(padded);
      blocks.push(padded);
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A docker-archive whose layers (bottom first) are the given tar buffers. */
export function dockerArchive(name: string, layers: Buffer[], cmd = ['sh'], exposed: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-fixture-'));
  const stage = join(dir, 'stage');
  mkdirSync(stage);
  const layerPaths = layers.map((l) => {
    const h = sha(l);
    mkdirSync(join(stage, h), { recursive: true });
    writeFileSync(join(stage, h, 'layer.tar'), l);
    return `${h}/layer.tar`;
  });
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: new Date().toISOString(),
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd, ExposedPorts: Object.fromEntries(exposed.map((p) => [p, {}])) },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
  }));
  writeFileSync(join(stage, `${sha(config)}.json`), config);
  writeFileSync(join(stage, 'manifest.json'), JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: [name], Layers: layerPaths }]));
  const out = join(dir, 'image.tar');
  execFileSync('tar', ['-cf', out, '-C', stage, '.']);
  return out;
}

export function readLayer(path: string): Buffer {
  return readFileSync(path);
}
