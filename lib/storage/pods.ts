// Pod records: pods/<id>.json, one per pod. A pod's namespaces are held by its
// infra container (a container record with infraOf = the pod's id).
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { byteCompare } from '../util/human.js';

export interface PodRecord {
  version: 1;
  id: string;
  name: string;
  created: string;
  hostname: string;
  infraId: string;
  labels: Record<string, string>;
  /** namespaces the members share: net, ipc, uts (always, here) */
  share: string[];
  /** --infra-conmon-pidfile: where the infra's monitor pid is written at each start (for systemd's PIDFile) */
  infraPidFile?: string;
  /** --exit-policy: stop (the pod stops when its last container exits) or continue */
  exitPolicy?: 'stop' | 'continue';
  /** pod create's container flags every member gets too (as podman applies them to the pod's containers) */
  memberDefaults?: PodMemberDefaults;
  /** pod create's command line as given (pod clone reads it again, with its own flags over it) */
  createCommand?: { globals: string[]; options: string[]; operands: string[] };
}

export interface PodMemberDefaults {
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  noHosts?: boolean;
  devices?: string[];
  volumes?: string[];
  volumesFrom?: string[];
  securityOpt?: string[];
  sysctl?: string[];
  shmSize?: string;
  pid?: string;
  uts?: string;
}

export class PodStore {
  constructor(readonly root: string) {}

  dir(id?: string): string {
    return id ? join(this.root, 'pods', id) : join(this.root, 'pods');
  }

  list(): PodRecord[] {
    if (!existsSync(this.dir())) return [];
    return readdirSync(this.dir())
      .filter((n) => !n.startsWith('.'))
      .map((n) => readJson<PodRecord>(join(this.dir(), n, 'pod.json')))
      .filter((r): r is PodRecord => r !== undefined)
      .sort((a, b) => byteCompare(b.created, a.created));
  }

  get(id: string): PodRecord | undefined {
    return readJson<PodRecord>(join(this.dir(id), 'pod.json'));
  }

  save(rec: PodRecord): void {
    mkdirSync(this.dir(rec.id), { recursive: true, mode: 0o700 });
    writeJsonAtomic(join(this.dir(rec.id), 'pod.json'), rec);
  }

  delete(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }
}
