// Secrets kept by the file driver: one metadata file (secrets.json) and one data file per
// secret under secrets/filedriver, all mode 0600 in a 0700 directory of the user's store.
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';

export interface SecretRecord {
  version: 1;
  /** 25 hex digits, as podman's */
  id: string;
  name: string;
  created: string;
  updated: string;
  driver: 'file';
  labels: Record<string, string>;
}

interface SecretsFile { version: 1; secrets: SecretRecord[] }

export class SecretStore {
  readonly dir: string;
  readonly dataDir: string;

  constructor(root: string) {
    this.dir = join(root, 'secrets');
    this.dataDir = join(this.dir, 'filedriver');
  }

  private get index(): string {
    return join(this.dir, 'secrets.json');
  }

  list(): SecretRecord[] {
    let text: string;
    try {
      text = readFileSync(this.index, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const f = JSON.parse(text) as SecretsFile;
    return Array.isArray(f.secrets) ? f.secrets : [];
  }

  /** By full name, full id or a unique id prefix, as podman looks secrets up. */
  find(ref: string): SecretRecord | undefined {
    const all = this.list();
    const exact = all.find((s) => s.name === ref || s.id === ref);
    if (exact) return exact;
    const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((s) => s.id.startsWith(ref)) : [];
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  private ensureDirs(): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    chmodSync(this.dataDir, 0o700);
  }

  private writeIndex(secrets: SecretRecord[]): void {
    this.ensureDirs();
    writeFileAtomic(this.index, JSON.stringify({ version: 1, secrets } satisfies SecretsFile) + '\n', 0o600);
  }

  /** The data first, then the index: a crash between the two leaves an unnamed data file, never a name without data. */
  add(rec: SecretRecord, data: Buffer): void {
    if (!/^[0-9a-f]{25}$/.test(rec.id)) throw new Error(`bad secret id ${rec.id}`);
    this.ensureDirs();
    writeFileAtomic(join(this.dataDir, rec.id), data, 0o600);
    this.writeIndex([...this.list(), rec]);
  }

  remove(id: string): void {
    this.writeIndex(this.list().filter((s) => s.id !== id));
    if (/^[0-9a-f]{25}$/.test(id)) rmSync(join(this.dataDir, id), { force: true });
  }

  data(id: string): Buffer {
    if (!/^[0-9a-f]{25}$/.test(id)) throw new Error(`bad secret id ${id}`);
    return readFileSync(join(this.dataDir, id));
  }
}
