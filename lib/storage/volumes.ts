// Named volumes: volumes/<name>/volume.json and the data itself in volumes/<name>/_data
// (podman's layout), owned by the root of the user's namespaces like the layers.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { byteCompare } from '../util/human.js';

export interface VolumeRecord {
  version: 1;
  name: string;
  driver: 'local';
  created: string;
  labels: Record<string, string>;
  /** --opt KEY=VALUE as given (type, device, o) */
  options: Record<string, string>;
  /** made for one container (-v /path, an image VOLUME): removed with it by rm -v and run --rm */
  anonymous: boolean;
  /** the image content under the mount point is copied in at the first mount, while this is set */
  needsCopyUp: boolean;
  /** false once a container has used it (podman's NeedsChown); absent in older records: true */
  needsChown?: boolean;
}

export const volumeNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class VolumeStore {
  constructor(readonly root: string) {}

  dir(name?: string): string {
    return name === undefined ? join(this.root, 'volumes') : join(this.root, 'volumes', name);
  }

  /** Where containers see the volume's files from (the bind source). */
  dataDir(name: string): string {
    return join(this.dir(name), '_data');
  }

  /** Every readable volume record; an unreadable one is reported through `bad` and skipped. */
  list(bad: (name: string, err: Error) => void = () => undefined): VolumeRecord[] {
    if (!existsSync(this.dir())) return [];
    const out: VolumeRecord[] = [];
    for (const name of readdirSync(this.dir())) {
      if (name.startsWith('.')) continue;
      try {
        const r = readJson<VolumeRecord>(join(this.dir(name), 'volume.json'));
        if (r) out.push(r);
      } catch (err) {
        bad(name, err as Error);
      }
    }
    return out.sort((a, b) => byteCompare(a.name, b.name));
  }

  get(name: string): VolumeRecord | undefined {
    if (!volumeNamePattern.test(name)) return undefined;
    return readJson<VolumeRecord>(join(this.dir(name), 'volume.json'));
  }

  /** Creates the data directory, then the record (a record always has its data). */
  create(rec: VolumeRecord): void {
    mkdirSync(this.dataDir(rec.name), { recursive: true, mode: 0o755 });
    this.save(rec);
  }

  save(rec: VolumeRecord): void {
    writeJsonAtomic(join(this.dir(rec.name), 'volume.json'), rec);
  }
}
