// `tspod inspect`: containers and images in podman's JSON shape, for the
// fields users script against.
import { readFileSync } from 'node:fs';
import { findLocalImage } from '../image/resolve.js';
import type { LaunchPlan } from '../runtime/launch.js';
import { capsFromMask, loadConfinement, type Confinement } from '../runtime/confinement.js';
import { containerLeases } from '../network/leases.js';
import { logTagOf, type ContainerRecord } from '../storage/containers.js';
import type { ImageConfig, ImageRecord } from '../storage/images.js';
import { containerHealth } from './health.js';
import type { Store } from '../storage/store.js';
import { TspodError } from '../util/errors.js';
import { goHumanSize } from '../util/human.js';
import { parseSignal } from '../spec/signals.js';
import { dirSize, findContainerIn, liveState } from './container-list.js';
import { join } from 'node:path';
import { openStore } from './store.js';
import { logFileOf } from './container-state.js';

/** podman's {"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "34567"}]} */
function portMap(ports?: Array<{ hostIp: string; hostPort: number; containerPort: number; protocol: string }>): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of ports ?? []) (out[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' });
  return out;
}

/** The caps are podman's own EffectiveCaps and BoundingCaps fields already. */
/** podman's NetworkSettings.Networks for a container on user-defined networks: the addresses
 * while it runs (the rootless network namespace's leases), the names and aliases always. */
function networksJson(rec: ContainerRecord, running: boolean): Record<string, unknown> {
  const leases = running ? containerLeases(rec.id) : {};
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(rec.config.networks ?? {})) {
    const l = leases[name];
    const v4 = l?.ips.find((i) => !i.includes(':')) ?? '';
    const v6 = l?.ips.find((i) => i.includes(':')) ?? '';
    out[name] = {
      EndpointID: '', Gateway: '', IPAddress: v4, IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: v6, GlobalIPv6PrefixLen: 0,
      MacAddress: l?.mac ?? a.staticMac ?? '', NetworkID: name, DriverOpts: null, IPAMConfig: null, Links: null,
      Aliases: [...a.aliases, rec.id.slice(0, 12)],
    };
  }
  return out;
}

/** NetworkSettings: the container's own; with --network container:ID, ID's (podman's: it is ID's network). */
function networkSettings(store: Store, c: ContainerRecord, depth = 0): Record<string, unknown> {
  const net = c.config.network;
  const other = net.startsWith('container:') && depth < 8 ? store.containers.get(net.slice('container:'.length)) : undefined;
  if (other) return networkSettings(store, other, depth + 1);
  const rec = depth ? liveState(c, store) : c;
  const running = rec.state.status === 'running';
  return { Ports: portMap(running ? rec.state.ports : undefined), ...(rec.config.networks ? { Networks: networksJson(rec, running) } : {}) };
}

function withoutCaps(c: Confinement): Omit<Confinement, 'EffectiveCaps' | 'BoundingCaps'> {
  const { EffectiveCaps: _e, BoundingCaps: _b, ...rest } = c;
  return rest;
}

function containerJson(store: Store, c: ContainerRecord): Record<string, unknown> {
  const rec = liveState(c, store);
  const plan = rec.plan as LaunchPlan | undefined;
  const s = rec.state;
  const zero = '0001-01-01T00:00:00Z';
  const confinement = loadConfinement(store.containers.dir(rec.id));
  const capsLine = plan?.security.find((l) => l[0] === 'caps');
  const plannedCaps = capsLine ? capsFromMask(capsLine[1]!) : [];
  const logPath = logFileOf(store, rec) ?? '';
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.command[0] ?? '',
    Args: rec.command.slice(1),
    State: {
      Status: s.status === 'running' && s.stopping ? 'stopping' : s.status, Running: s.status === 'running', Paused: false, Restarting: false, OOMKilled: false, Dead: false,
      Pid: s.status === 'running' ? s.pid ?? 0 : 0, ConmonPid: s.status === 'running' ? s.monitorPid ?? 0 : 0,
      ExitCode: s.exitCode ?? 0, StartedAt: s.startedAt ?? zero, FinishedAt: s.finishedAt ?? zero,
      ...(rec.config.healthcheck ? { Health: containerHealth(store, rec.id, s.startedAt) ?? { Status: 'starting', FailingStreak: 0, Log: [] } } : {}),
    },
    Image: rec.imageId.slice(7),
    // the manifest digest of the image it was made from (empty for --rootfs, or once the image is gone)
    ImageDigest: rec.imageId ? store.images.get(rec.imageId)?.digest ?? '' : '',
    ImageName: rec.imageName,
    Name: rec.name,
    Pod: rec.config.pod ?? '',
    // podman's two cap lists: as read from the process at its last start; before any start,
    // the capability set it will get (podman shows the configured set).
    EffectiveCaps: confinement?.EffectiveCaps ?? plannedCaps,
    BoundingCaps: confinement?.BoundingCaps ?? plannedCaps,
    Config: {
      Hostname: rec.config.hostname, User: rec.config.user, Env: rec.config.env, Cmd: rec.command, WorkingDir: rec.config.workingDir,
      Entrypoint: (rec.config.entrypoint ?? []).join(' '),
      Tty: rec.config.tty, OpenStdin: rec.config.interactive, Labels: rec.config.labels ?? {}, Image: rec.imageName,
      Annotations: rec.config.annotations ?? {},
      StopTimeout: rec.config.stopTimeout ?? 10,
      StopSignal: stopSignalNumber(rec.config.stopSignal),
      SystemdMode: !!rec.config.systemd,
      ...(rec.config.healthcheck ? { Healthcheck: rec.config.healthcheck } : {}),
      ...(rec.config.secrets ? { Secrets: rec.config.secrets } : {}),
    },
    Mounts: rec.config.mounts.map((m) => ({ Type: m.type, Source: m.source, Destination: m.destination, RW: !m.readonly })),
    NetworkSettings: networkSettings(store, rec),
    HostConfig: {
      PortBindings: portMap(rec.config.ports), RestartPolicy: { Name: rec.config.restart && rec.config.restart.name !== 'no' ? rec.config.restart.name : '', MaximumRetryCount: rec.config.restart?.max ?? 0 }, AutoRemove: rec.config.autoRemove,
      NetworkMode: rec.config.network, ReadonlyRootfs: rec.config.readOnly, Init: rec.config.init,
      CapAdd: [], CapDrop: [], SecurityOpt: [],
      ...rec.config.hostConfig,
      // always there, as podman's: the driver, and the log's path (none keeps no log: empty)
      LogConfig: { Type: rec.config.logDriver ?? 'k8s-file', Config: {}, ...(rec.config.hostConfig?.LogConfig ?? {}), Path: logPath, Tag: logTagOf(rec), Size: goHumanSize(rec.config.logMaxSize ?? 0) },
    },
    RestartCount: rec.state.restartCount ?? 0,
    IsInfra: Boolean(rec.config.infraOf),
    Rootfs: '',
    LogPath: logPath,
    Driver: 'overlay',
    // the runtime as given to --runtime (podman keeps a path as given); every container runs with tspod-launch
    OCIRuntime: rec.config.ociRuntime ?? 'tspod-launch',
    MountProgram: plan?.mountProgram ?? '',
    // Beyond podman: the rest of what the process ran under, read when it started.
    Tspod: { Confinement: confinement ? withoutCaps(confinement) : null },
  };
}

function manifestAnnotations(store: Store, img: ImageRecord): Record<string, string> {
  try {
    return (JSON.parse(readFileSync(store.blobs.path(img.digest), 'utf8')) as { annotations?: Record<string, string> }).annotations ?? {};
  } catch {
    return {};
  }
}

function imageJson(store: Store, img: ImageRecord): Record<string, unknown> {
  const cfg = JSON.parse(readFileSync(store.blobs.path(img.id), 'utf8')) as ImageConfig;
  return {
    Id: img.id.slice(7), Digest: img.digest, RepoTags: img.names,
    RepoDigests: img.names.map((n) => `${n.slice(0, n.lastIndexOf(':'))}@${img.digest}`),
    Created: cfg.created ?? img.created, Config: cfg.config ?? {}, Architecture: cfg.architecture ?? '', Os: cfg.os ?? '',
    ...((cfg as { variant?: string }).variant ? { Variant: (cfg as { variant?: string }).variant } : {}),
    Size: img.size, RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids }, History: cfg.history ?? [],
    Annotations: manifestAnnotations(store, img), ManifestType: img.manifestMediaType,
  };
}

export type InspectType = 'container' | 'image' | 'all';

/** Each reference as a container first (podman's order), then as an image. */
export function inspect(refs: string[], type: InspectType, size = false): Array<Record<string, unknown>> {
  const store = openStore();
  return refs.map((ref) => {
    if (type !== 'image') {
      try {
        const rec = findContainerIn(store, ref);
        const json = containerJson(store, rec);
        if (!size) return json;
        // --size: the writable layer's bytes, and those with the image's (podman's SizeRw, SizeRootFs).
        const rw = dirSize((rec.plan as { upperDir?: string } | undefined)?.upperDir ?? join(store.containers.dir(rec.id), 'upper'));
        const image = store.images.get(rec.imageId);
        return { ...json, SizeRw: rw, SizeRootFs: rw + (image?.size ?? 0) };
      } catch (err) {
        if (type === 'container') throw err;
      }
    }
    const img = findLocalImage(store.images.list(), ref);
    if (!img) throw new TspodError(`no such object: "${ref}" (not a container${type === 'all' ? ' or an image' : ''})`);
    return imageJson(store, img);
  });
}

/** `container exists` / `image exists`: whether REF names one (podman answers with the exit code). */
export function objectExists(ref: string, type: 'container' | 'image'): boolean {
  const store = openStore();
  if (type === 'image') return findLocalImage(store.images.list(), ref) !== undefined;
  try {
    findContainerIn(store, ref);
    return true;
  } catch (err) {
    if (/no such container/.test((err as Error).message)) return false;
    throw err;
  }
}

/** podman's Config.StopSignal: the number (15 unless --stop-signal, the image or systemd mode says). */
function stopSignalNumber(sig: string | undefined): number {
  try {
    return parseSignal(sig ?? 'TERM');
  } catch {
    return 15; // a record written before the signal was checked
  }
}
