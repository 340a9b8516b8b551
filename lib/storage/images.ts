// Image records: one JSON file per image (images/<id>.json) holding its
// names, manifest and config. The image id is the digest of its config.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { digestHex } from './blobs.js';
import { byteCompare } from '../util/human.js';

export interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, object>;
    StopSignal?: string;
    Volumes?: Record<string, object>;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string; author?: string }>;
}

export interface ImageRecord {
  version: 1;
  /** sha256:<hex> of the config blob */
  id: string;
  names: string[];
  /** digest of the manifest blob */
  digest: string;
  /** REPOSITORY@DIGEST for each registry manifest (and index) the image was pulled by */
  repoDigests?: string[];
  manifestMediaType: string;
  /** compressed layer blobs, bottom first */
  layerBlobs: string[];
  /** chain ids of the extracted layers, bottom first */
  chainIds: string[];
  created: string;
  size: number;
  /** every name the image has had, the newest first (podman's NamesHistory: `images --format {{.History}}`) */
  namesHistory?: string[];
}

export class ImageStore {
  constructor(readonly root: string) {}

  private dir(): string {
    return join(this.root, 'images');
  }

  private file(id: string): string {
    return join(this.dir(), `${digestHex(id)}.json`);
  }

  list(): ImageRecord[] {
    if (!existsSync(this.dir())) return [];
    return readdirSync(this.dir())
      .filter((n) => n.endsWith('.json'))
      .map((n) => readJson<ImageRecord>(join(this.dir(), n)))
      .filter((r): r is ImageRecord => r !== undefined)
      .sort((a, b) => byteCompare(b.created, a.created));
  }

  get(id: string): ImageRecord | undefined {
    return readJson<ImageRecord>(this.file(id));
  }

  /** Save a record, taking its names away from any other image (a tag moves). */
  save(record: ImageRecord): void {
    mkdirSync(this.dir(), { recursive: true });
    for (const other of this.list()) {
      if (other.id === record.id) continue;
      const kept = other.names.filter((n) => !record.names.includes(n));
      if (kept.length !== other.names.length) writeJsonAtomic(this.file(other.id), { ...other, names: kept });
    }
    const before = record.namesHistory ?? this.get(record.id)?.namesHistory ?? [];
    writeJsonAtomic(this.file(record.id), { ...record, namesHistory: [...new Set([...record.names, ...before])] });
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }
}
