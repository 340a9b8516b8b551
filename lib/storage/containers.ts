// Container records: containers/<id>/container.json (what it is: config and launch plan, written
// once), state.json (what ps shows: a small summary with the state, one write per state change),
// a name index (containers/.names/NAME -> id) and the seccomp profiles (seccomp/<hex>.json, once
// per content); plus the writable layer (upper, work), mount point (merged) and userdata.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from '../util/builtins.js';
import { errnoCode, TspodError } from '../util/errors.js';
import { writeJsonAtomic } from '../util/fs.js';

/** 'error': the record cannot be read; only rm -f applies (see ContainerStore.broken). */
export type ContainerStatus = 'created' | 'running' | 'exited' | 'error';

export interface Mount {
  type: 'bind' | 'tmpfs' | 'volume';
  /** the volume's name (type volume; source is its data directory); empty before create names an anonymous one */
  volume?: string;
  /** nocopy: the image's content is not copied into a new volume */
  noCopy?: boolean;
  /** -v ...:U: the source is chowned to the container's user at each start */
  chown?: boolean;
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

/** One user-defined network a container is on (--network NAME, `network connect`). */
export interface NetworkAttachment {
  /** --network-alias / connect --alias (the short id is always a name too) */
  aliases: string[];
  /** --ip / --ip6 asked for; without, an address is picked from the subnet at start */
  staticIps?: string[];
  /** --mac-address */
  staticMac?: string;
  /** eth0, eth1, ... inside the container, in the order the networks were joined */
  interfaceName: string;
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
    /** the user-defined networks it is on, by network name (network is then 'bridge') */
    networks?: Record<string, NetworkAttachment>;
    mounts: Mount[];
    autoRemove: boolean;
    /** --restart: no, on-failure (up to max times when max > 0), always, unless-stopped */
    restart?: { name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; max: number };
    /** the image's StopSignal or --stop-signal */
    stopSignal?: string;
    /** --sdnotify=container: the container notifies systemd itself (through the monitor's proxy) */
    sdnotify?: 'container';
    /** --systemd: the container runs in systemd mode (inspect's Config.SystemdMode) */
    systemd?: boolean;
    /** published ports as asked for (-p, -P); hostPort 0 means a free one at each start */
    ports?: PortSpec[];
    /** the image's labels overridden by --label */
    labels?: Record<string, string>;
    /** the pod it belongs to (its infra's namespaces are joined at each start) */
    pod?: string;
    /** this container is a pod's infra: it holds the pod's namespaces */
    infraOf?: string;
    /** the entrypoint part of the command (--entrypoint's, else the image's) */
    entrypoint?: string[];
    /** the tspod command line that created it, split at the verb and the image (for generate systemd --new) */
    createCommand?: { globals: string[]; options: string[]; operands: string[] };
    /** --pidfile: the container process's pid is written there at each start */
    pidFile?: string;
    /** --conmon-pidfile: the monitor's pid (tspod's own in the foreground) */
    conmonPidFile?: string;
    /** global --runtime as given (a path to tspod-launch or an identical copy); absent: tspod-launch */
    ociRuntime?: string;
    /** --timeout: seconds after which the container is killed (tspod in the foreground, tspod-monitor -T with -d) */
    timeout?: number;
    /** --log-driver: absent for k8s-file; none and passthrough keep no log (logs says so); json-file
     * is k8s-file by another name; journald sends the lines to the systemd journal */
    logDriver?: 'k8s-file' | 'json-file' | 'journald' | 'none' | 'passthrough';
    /** --log-opt path=: the log's path instead of userdata/ctr.log */
    logPath?: string;
    /** --log-opt max-size=: the monitor truncates the log when it would grow past these bytes */
    logMaxSize?: number;
    /** --annotation KEY=VALUE */
    annotations?: Record<string, string>;
    /** --userns, --uidmap, --gidmap (lib/spec/userns.ts: UsernsSpec); absent: the user's shared namespace */
    userns?: {
      mode: string;
      uidMap: Array<{ container: number; host: number; size: number }>;
      gidMap: Array<{ container: number; host: number; size: number }>;
      keepId?: { uid: number; gid: number; named: boolean };
      path?: string;
      container?: string;
    };
    /** podman's HostConfig fields recorded for inspect (resource limits: lib/spec/options.ts) */
    hostConfig?: Record<string, unknown>;
    /** --secret: inspect's Config.Secrets (the data is in the container's userdata, or its plan's env) */
    secrets?: Array<{ Name: string; ID: string; UID: number; GID: number; Mode: number }>;
    /** --stop-timeout: stop's default wait when -t is not given */
    stopTimeout?: number;
    /** --health-*: inspect's Config.Healthcheck (spec/health.ts HealthConfig), and --health-on-failure */
    healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
    healthOnFailure?: string;
    /** create --init-ctr always|once: run to completion at each pod start, before the other members */
    initCtr?: 'always' | 'once';
    /** run -d --rmi: the image as named to run, removed by the monitor's cleanup after the container */
    rmi?: string;
    /** --pid/--ipc/--uts/--network container:ID: whose namespaces (and user namespace) it joins at each start */
    joinNamespaces?: { container: string; kinds: Array<'pid' | 'ipc' | 'uts' | 'net'> };
    /** --requires: ids of the containers started before this one */
    requires?: string[];
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
    /** set by stop while it waits for the container to exit (inspect: 'stopping') */
    stopping?: boolean;
    restartCount?: number;
    /** the ports as published by this start */
    ports?: PortSpec[];
    startedAt?: string;
    finishedAt?: string;
    /** status 'error': why (the unreadable file and what is wrong with it) */
    error?: string;
  };
}

/** What ps shows of a container: state.json holds exactly this. */
export type ContainerSummary = Pick<ContainerRecord, 'version' | 'id' | 'name' | 'imageId' | 'imageName' | 'created' | 'command' | 'state'> & {
  config: Pick<ContainerRecord['config'], 'labels' | 'pod' | 'infraOf'>;
};

export function summaryOf(r: ContainerRecord | ContainerSummary): ContainerSummary {
  return {
    version: 1, id: r.id, name: r.name, imageId: r.imageId, imageName: r.imageName, created: r.created, command: r.command,
    config: { labels: r.config.labels, pod: r.config.pod, infraOf: r.config.infraOf }, state: r.state,
  };
}

const ID = /^[0-9a-f]{64}$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** A record read from disk: parsed and checked enough that the rest of tspod can use it. */
function parseRecord<T extends { id: string; version: number }>(text: string, id: string, path: string): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new RecordError(path, (err as Error).message);
  }
  const r = v as Partial<ContainerRecord>;
  if (typeof v !== 'object' || v === null || r.id !== id || r.version !== 1 || typeof r.name !== 'string' || typeof r.state !== 'object' || r.state === null
    || typeof r.created !== 'string' || !Array.isArray(r.command) || typeof r.config !== 'object' || r.config === null) {
    throw new RecordError(path, 'not a version 1 container record of this container');
  }
  return v as T;
}

/** An unreadable record: it spoils only its own container. */
export class RecordError extends TspodError {
  constructor(readonly path: string, readonly detail: string) {
    super(`unreadable container record ${path}: ${detail}: remove the container with \`tspod rm -f\``);
  }
}

/** The plan line that stands for the seccomp rules until withSeccomp() puts them back. tspod-launch
 * refuses a plan that still holds it (an unknown key), so a launch or exec can never run without
 * the container's rules by mistake. */
export const SECCOMP_REF = 'seccomp_ref';

/** A record as read: its plan's `seccomp` digest (the rules' file) becomes the SECCOMP_REF line. */
function referSeccomp(rec: ContainerRecord): void {
  const plan = rec.plan as { security?: string[][]; seccomp?: string } | undefined;
  if (!plan?.seccomp) return;
  const { seccomp, ...rest } = plan;
  rec.plan = { ...rest, security: [...(plan.security ?? []), [SECCOMP_REF, seccomp]] };
}

/** --log-opt tag= as the record keeps it (inspect's HostConfig.LogConfig.Config.tag): the journal's
 * CONTAINER_TAG and SYSLOG_IDENTIFIER. */
export function logTagOf(rec: ContainerRecord): string {
  return (rec.config.hostConfig?.LogConfig as { Config?: { tag?: string } } | undefined)?.Config?.tag ?? '';
}

export class ContainerStore {
  /** told once per unreadable record met while listing (the engine warns on stderr) */
  onBroken?: (id: string, err: RecordError) => void;
  /** the container.json text (without state) last read or written by this process, per id: save()
   * rewrites it only when it changed, so a state change is one write (of state.json) */
  private known = new Map<string, string>();
  private lastSummary = new Map<string, string>();

  constructor(readonly root: string) {}

  private get base(): string {
    return join(this.root, 'containers');
  }

  dir(id: string): string {
    // an id (64 hex digits) needs no normalising, and ps asks for 50 of them
    return ID.test(id) ? `${this.base}/${id}` : join(this.base, id);
  }

  private names(): string {
    return join(this.base, '.names');
  }

  private seccompDir(): string {
    return join(this.root, 'seccomp');
  }

  /** The ids of the containers (their directories); no record is read. */
  ids(): string[] {
    try {
      return readdirSync(this.base).filter((n) => ID.test(n));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  // ---- reading --------------------------------------------------------------

  /** The full record; undefined when there is none; a record of status 'error' when it cannot be read. */
  get(id: string): ContainerRecord | undefined {
    if (!ID.test(id)) return undefined;
    const cfgPath = join(this.dir(id), 'container.json');
    try {
      const text = readText(cfgPath);
      const stPath = join(this.dir(id), 'state.json');
      const stText = readText(stPath);
      if (text === undefined) {
        // A state without its record was a container: listed as broken so rm -f can end it.
        if (stText !== undefined) throw new RecordError(cfgPath, 'missing');
        return undefined; // being made or removed
      }
      const rec = parseRecord<ContainerRecord>(text, id, cfgPath);
      if (stText !== undefined) rec.state = parseRecord<ContainerSummary>(stText, id, stPath).state;
      // The seccomp rules stay in their file until a launch or exec asks for them (withSeccomp):
      // most commands (stop, rm, inspect, the monitor's cleanup) never need them.
      referSeccomp(rec);
      this.known.set(id, this.configText(rec));
      return rec;
    } catch (err) {
      if (err instanceof RecordError) return this.broken(id, err);
      throw err;
    }
  }

  /** Every full record, newest first. */
  list(): ContainerRecord[] {
    return this.ids().map((id) => this.get(id)).filter((r): r is ContainerRecord => r !== undefined).sort(newestFirst);
  }

  /** What ps shows, newest first: state.json of each container (container.json for records of
   * an older tspod, which had no state.json). */
  summaries(): ContainerSummary[] {
    const out: ContainerSummary[] = [];
    for (const id of this.ids()) {
      const stPath = join(this.dir(id), 'state.json');
      try {
        const text = readText(stPath);
        if (text !== undefined) {
          out.push(parseRecord<ContainerSummary>(text, id, stPath));
          continue;
        }
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        out.push(summaryOf(this.broken(id, err)));
        continue;
      }
      // Never started (state.json comes with the first change): the summary's fields are in the
      // record; its plan (and seccomp rules) is not needed for that.
      const cfgPath = join(this.dir(id), 'container.json');
      try {
        const text = readText(cfgPath);
        if (text !== undefined) out.push(summaryOf(parseRecord<ContainerRecord>(text, id, cfgPath)));
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        out.push(summaryOf(this.broken(id, err)));
      }
    }
    return out.sort(newestFirst);
  }

  /** The container named NAME, through the index (one link and one record read). */
  byName(name: string): ContainerRecord | undefined {
    const id = this.nameTarget(name);
    if (!id) return undefined;
    const rec = this.get(id);
    if (rec && (rec.name === name || rec.state.status === 'error')) return rec;
    return undefined;
  }

  /** Is NAME taken? (the name check of create and rename) */
  nameTaken(name: string): string | undefined {
    return this.byName(name)?.id;
  }

  /** The id NAME's index entry points to; the index is rebuilt from the records when it is missing,
   * and an entry whose container is gone or renamed is dropped. */
  private nameTarget(name: string): string | undefined {
    if (!NAME.test(name)) return undefined;
    if (!existsSync(this.names())) this.rebuildIndex();
    let id: string;
    try {
      id = readlinkSync(join(this.names(), name));
    } catch {
      return undefined;
    }
    if (!ID.test(id) || !existsSync(join(this.dir(id), 'container.json'))) {
      this.dropName(name, id);
      return undefined;
    }
    return id;
  }

  private dropName(name: string, id: string): void {
    try {
      if (readlinkSync(join(this.names(), name)) === id) rmSync(join(this.names(), name), { force: true });
    } catch {
      /* gone already */
    }
  }

  /** The name index from the records (derived data: made anew whenever it is missing). */
  rebuildIndex(): void {
    mkdirSync(this.base, { recursive: true });
    const tmp = join(this.base, `.names-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(tmp);
    try {
      for (const s of this.summaries()) if (s.state.status !== 'error' && NAME.test(s.name)) symlinkSync(s.id, join(tmp, s.name));
      try {
        renameSync(tmp, this.names());
      } catch (err) {
        // Another process made it meanwhile: theirs is as good.
        if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Names in the index, for the unreadable records (whose name cannot be read from them). */
  private nameOf(id: string): string | undefined {
    try {
      return readdirSync(this.names()).find((n) => {
        try {
          return readlinkSync(join(this.names(), n)) === id;
        } catch {
          return false;
        }
      });
    } catch {
      return undefined;
    }
  }

  /** A stand-in for an unreadable record: status 'error', so it is listed and rm -f removes it. */
  broken(id: string, err: RecordError): ContainerRecord {
    this.onBroken?.(id, err);
    let created = new Date(0).toISOString();
    try {
      created = statSync(this.dir(id)).mtime.toISOString();
    } catch {
      /* removed meanwhile */
    }
    return {
      version: 1, id, name: this.nameOf(id) ?? '', imageId: '', imageName: '', created, command: [],
      config: { env: [], workingDir: '/', user: '0', hostname: '', tty: false, interactive: false, readOnly: false, init: false, network: 'none', mounts: [], autoRemove: false },
      state: { status: 'error', error: `unreadable record ${err.path}` },
    };
  }

  // ---- writing --------------------------------------------------------------

  /** Write what changed: container.json when the container's config or plan did (creation,
   * rename), state.json when its state did. Each file atomically and durably, compact. */
  save(record: ContainerRecord): void {
    if (record.state.status === 'error') return; // a stand-in: never written over what is left
    const dir = this.dir(record.id);
    mkdirSync(dir, { recursive: true });
    // A --rm container's record never outlives its run, a reboot included: its writes are atomic
    // for readers (temp file, rename) but not flushed to disk, two disk flushes less on `run --rm`.
    const durable = !record.config.autoRemove;
    const cfg = this.configText(record);
    const summary = JSON.stringify(summaryOf(record));
    const fresh = this.known.get(record.id) !== cfg;
    if (fresh) {
      // The record first, then its index entry: an entry never points to a container without one.
      writeJsonAtomic(join(dir, 'container.json'), this.stored(record), durable);
      this.indexName(record);
      this.known.set(record.id, cfg);
    }
    // At creation container.json holds the state too; state.json comes with the first change.
    if (fresh && !existsSync(join(dir, 'state.json'))) {
      this.lastSummary.set(record.id, summary);
      return;
    }
    if (this.lastSummary.get(record.id) === summary) return;
    writeJsonAtomic(join(dir, 'state.json'), JSON.parse(summary), durable);
    this.lastSummary.set(record.id, summary);
  }

  /** Put back an index entry a crash lost (found by a full scan). */
  repairName(record: ContainerRecord): void {
    try {
      this.indexName(record);
    } catch {
      /* derived data: the next scan finds it again */
    }
  }

  /** The name's index entry (made or moved); the old name's entry, if any, is dropped lazily. */
  private indexName(record: ContainerRecord): void {
    if (!existsSync(this.names())) {
      this.rebuildIndex();
    }
    const link = join(this.names(), record.name);
    try {
      if (readlinkSync(link) === record.id) return;
    } catch {
      /* not there yet */
    }
    const tmp = join(this.names(), `.${record.id.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    symlinkSync(record.id, tmp);
    renameSync(tmp, link);
  }

  /** Forget a removed container's index entry (its directory is removed by the caller). */
  forget(id: string, name?: string): void {
    if (name) this.dropName(name, id);
    this.known.delete(id);
    this.lastSummary.delete(id);
  }

  /** The record as stored: the plan's seccomp rules moved to seccomp/<hex>.json (once per content). */
  private stored(record: ContainerRecord): ContainerRecord {
    const plan = record.plan as { security?: string[][]; seccomp?: string } | undefined;
    if (!plan || !Array.isArray(plan.security)) return record;
    const rules = plan.security.filter((l) => l[0]?.startsWith('seccomp_'));
    const ref = plan.security.find((l) => l[0] === SECCOMP_REF);
    // Read without its rules: the reference goes back where it was.
    if (ref) return { ...record, plan: { ...plan, security: plan.security.filter((l) => l !== ref), seccomp: ref[1] } };
    if (!rules.length) return record;
    const text = JSON.stringify(rules);
    const hex = createHash('sha256').update(text).digest('hex');
    const file = join(this.seccompDir(), `${hex}.json`);
    if (!existsSync(file)) {
      mkdirSync(this.seccompDir(), { recursive: true, mode: 0o700 });
      writeJsonAtomic(file, rules);
    }
    return { ...record, plan: { ...plan, security: plan.security.filter((l) => !l[0]?.startsWith('seccomp_')), seccomp: `sha256:${hex}` } };
  }

  /** The record with its plan's seccomp rules back in place (read from seccomp/<hex>.json and
   * checked against that digest), for a launch or an exec. */
  withSeccomp(rec: ContainerRecord): ContainerRecord {
    const plan = rec.plan as { security?: string[][]; seccomp?: string } | undefined;
    const ref = plan?.security?.find((l) => l[0] === SECCOMP_REF);
    if (!plan || !ref) return rec;
    const m = /^sha256:([0-9a-f]{64})$/.exec(ref[1] ?? '');
    const file = join(this.seccompDir(), `${m?.[1] ?? 'invalid'}.json`);
    let rules: unknown;
    try {
      const text = readText(file);
      if (text === undefined || !m || createHash('sha256').update(text.trimEnd()).digest('hex') !== m[1]) throw new Error('missing or not matching its digest');
      rules = JSON.parse(text);
    } catch (err) {
      throw new RecordError(file, `the container's seccomp profile: ${(err as Error).message}`);
    }
    rec.plan = { ...plan, security: [...plan.security!.filter((l) => l !== ref), ...(rules as string[][])] };
    return rec;
  }

  /** What container.json holds apart from the state, for telling whether a save changes it: the
   * seccomp rules (fixed when the container is made, kept in their own file) left out, so a
   * record read without them and one read with them compare equal. */
  private configText(record: ContainerRecord): string {
    const { state: _state, ...rest } = record;
    const plan = rest.plan as { security?: string[][]; seccomp?: string } | undefined;
    if (!plan || !Array.isArray(plan.security)) return JSON.stringify(rest);
    const security = plan.security.filter((l) => !l[0]?.startsWith('seccomp_') && l[0] !== SECCOMP_REF);
    return JSON.stringify({ ...rest, plan: { ...plan, security, seccomp: undefined } });
  }
}

function newestFirst(a: { created: string }, b: { created: string }): number {
  // ISO timestamps order as strings; localeCompare would load ICU's collation for nothing.
  return a.created < b.created ? 1 : a.created > b.created ? -1 : 0;
}

export function isBrokenRecord(rec: { state: { status: ContainerStatus } }): boolean {
  return rec.state.status === 'error';
}
