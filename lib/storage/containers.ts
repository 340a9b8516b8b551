// Container records: containers/<id>/container.json plus the container's
// writable layer (upper, work), its mount point (merged) and the files
// tspod bind-mounts into it (userdata: hostname, hosts, resolv.conf).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../util/fs.js';

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface Mount {
  type: 'bind' | 'tmpfs' | 'volume';
  /** the volume's name (type volume; source is its data directory); empty before create names an anonymous one */
  volume?: string;
  /** nocopy: the image's content is not copied into a new volume */
  noCopy?: boolean;
  source: string;
  destination: string;
  readonly: boolean;
}

export interface PortSpec {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface ContainerRecord {
  version: 1;
  id: string;
  name: string;
  imageId: string;
  imageName: string;
  created: string;
  command: string[];
  config: {
    env: string[];
    workingDir: string;
    user: string;
    hostname: string;
    tty: boolean;
    interactive: boolean;
    readOnly: boolean;
    init: boolean;
    network: string;
    mounts: Mount[];
    autoRemove: boolean;
    /** --restart: no, on-failure (up to max times when max > 0), always, unless-stopped */
    restart?: { name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; max: number };
    /** the image's StopSignal or --stop-signal */
    stopSignal?: string;
    /** published ports as asked for (-p, -P); hostPort 0 means a free one at each start */
    ports?: PortSpec[];
    /** the image's labels overridden by --label */
    labels?: Record<string, string>;
    /** the pod it belongs to (its infra's namespaces are joined at each start) */
    pod?: string;
    /** this container is a pod's infra: it holds the pod's namespaces */
    infraOf?: string;
    /** the tspod command line that created it, split at the verb and the image (for generate systemd --new) */
    createCommand?: { globals: string[]; options: string[]; operands: string[] };
  };
  /** the launch plan (runtime's LaunchPlan), kept so `start` can launch it again */
  plan?: unknown;
  state: {
    status: ContainerStatus;
    pid?: number;
    monitorPid?: number;
    /** the helper's start time (/proc/PID/stat field 22), to tell a reused pid apart */
    pidStart?: string;
    exitCode?: number;
    /** set by stop, kill and rm: the restart policy must not bring it back */
    stoppedByUser?: boolean;
    restartCount?: number;
    /** the ports as published by this start */
    ports?: PortSpec[];
    startedAt?: string;
    finishedAt?: string;
  };
}

export class ContainerStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, 'containers', id);
  }

  list(): ContainerRecord[] {
    const dir = join(this.root, 'containers');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((id) => readJson<ContainerRecord>(join(dir, id, 'container.json')))
      .filter((r): r is ContainerRecord => r !== undefined)
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  get(id: string): ContainerRecord | undefined {
    return readJson<ContainerRecord>(join(this.dir(id), 'container.json'));
  }

  save(record: ContainerRecord): void {
    mkdirSync(this.dir(record.id), { recursive: true });
    writeJsonAtomic(join(this.dir(record.id), 'container.json'), record);
  }
}
