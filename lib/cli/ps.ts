// `tspod ps [-a] [-q] [-n N] [--no-trunc] [--noheading] [--sort KEY] [--size] [--ns] [--filter K=V] [--format]`
import { ago, columns, humanSize, byteCompare } from '../util/human.js';
import { printList } from './format.js';
import { type Args, toArray } from './args.js';
import { UsageError } from './args.js';
import { out } from './out.js';

/** podman's --sort keys for ps. */
export const psSortKeys = ['command', 'created', 'id', 'image', 'names', 'runningfor', 'size', 'status'];

export async function handler(a: Args): Promise<void> {
  const every = Number(a.watch ?? 0);
  if (!every) return printOnce(a);
  // -w N: the list again every N seconds on a cleared screen, until interrupted (podman's).
  for (;;) {
    out('\x1b[H\x1b[2J');
    await printOnce(a);
    await new Promise((r) => setTimeout(r, every * 1000));
  }
}

async function printOnce(a: Args): Promise<void> {
  const { containerList, parseFilters, podIdsFor, podNames, containerRwSize, containerNamespaces, imageSizes: sizesOfImages, networkProblem, healthOf } = await import('../engine/container-list.js');
  // containers on user networks whose namespace died: said once, before the list
  const broken = networkProblem();
  if (broken) process.stderr.write(`WARN[0000] ${broken}\n`);
  const sort = String(a.sort ?? 'created');
  if (!psSortKeys.includes(sort)) {
    throw new UsageError(`invalid argument "${sort}" for "--sort" flag: "${sort}" is not a valid value.  Choose from: "${psSortKeys.join(', ')}"`, 'ps');
  }
  const trunc = (id: string) => (a['no-trunc'] ? id : id.slice(0, 12));
  const filters = parseFilters(toArray(a.filter), podIdsFor);
  const pods = podNames();
  const last = a.latest ? 1 : (a.last as number | undefined);
  const limit = last !== undefined && last >= 0 ? last : undefined;
  const all = Boolean(a.all) || limit !== undefined || filters.some((f) => f.key === 'status' || f.key === 'exited');
  let list = containerList(all).filter((c) => filters.every((f) => f.match(c)));
  // --last N: the N most recently created (podman), then shown in the sort order.
  if (limit !== undefined) list = [...list].sort((x, y) => Date.parse(y.created) - Date.parse(x.created)).slice(0, limit);
  const imageSizes = a.size ? sizesOfImages() : new Map<string, number>();
  // a pod member's ports are its pod's, published by the infra (podman's ps shows them on each)
  type PortList = NonNullable<(typeof list)[number]['state']['ports']>;
  const podPorts = new Map<string, PortList>();
  if (list.some((c) => c.config.pod)) {
    for (const c of containerList(true)) if (c.config.infraOf && c.state.status === 'running' && c.state.ports?.length) podPorts.set(c.config.infraOf, c.state.ports);
  }
  const rows = list.map((c) => {
    const s = c.state;
    const health = s.status === 'running' ? healthOf(c.id, s.startedAt) : undefined;
    const status = s.status === 'running' ? `Up ${ago(s.startedAt ?? c.created).replace(/ ago$/, '')}${health ? ` (${health})` : ''}`
      : s.status === 'exited' ? `Exited (${s.exitCode ?? -1}) ${ago(s.finishedAt ?? c.created)}` : s.status === 'error' ? `Error: ${s.error}` : 'Created';
    const rw = a.size ? containerRwSize(c.id) : 0;
    return {
      ID: trunc(c.id), Id: c.id, Image: c.imageName, ImageID: c.imageId.slice(7), Command: c.command.join(' '),
      Names: [c.name], Status: status, State: s.status, Created: Math.floor(Date.parse(c.created) / 1000),
      CreatedAt: c.created, CreatedHuman: ago(c.created), Pid: s.pid ?? 0, ExitCode: s.exitCode ?? 0, Exited: s.status === 'exited',
      Labels: c.config.labels ?? {},
      Pod: (c.config.pod ?? c.config.infraOf ?? '').slice(0, 12), PodName: pods.get(c.config.pod ?? c.config.infraOf ?? '') ?? '',
      IsInfra: !!c.config.infraOf,
      Ports: ((ports) => (s.status === 'running' && ports?.length ? ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ') : ''))(s.ports?.length ? s.ports : podPorts.get(c.config.pod ?? '')),
      Size: a.size ? { RwSize: rw, RootFsSize: rw + (imageSizes.get(c.imageId) ?? 0) } : undefined,
      Namespaces: a.ns ? containerNamespaces(s.status === 'running' ? s.pid : undefined) : undefined,
    };
  });
  type Row = (typeof rows)[number];
  const by: Record<string, (x: Row, y: Row) => number> = {
    command: (x, y) => byteCompare(x.Command, y.Command),
    created: (x, y) => byteCompare(x.CreatedAt, y.CreatedAt),
    runningfor: (x, y) => byteCompare(x.CreatedAt, y.CreatedAt),
    id: (x, y) => byteCompare(x.Id, y.Id),
    image: (x, y) => byteCompare(x.Image, y.Image),
    names: (x, y) => byteCompare(x.Names[0]!, y.Names[0]!),
    size: (x, y) => (x.Size?.RwSize ?? 0) - (y.Size?.RwSize ?? 0),
    status: (x, y) => byteCompare(x.Status, y.Status),
  };
  rows.sort(by[sort]);
  const noheading = Boolean(a.noheading);
  if (a.ns && !a.format && !a.quiet) {
    const table = rows.map((r) => [r.ID, r.Names[0]!, String(r.Pid), ...(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'] as const).map((k) => r.Namespaces![k])]);
    const lines = [...(noheading ? [] : [['CONTAINER ID', 'NAMES', 'PID', 'CGROUPNS', 'IPC', 'MNT', 'NET', 'PIDNS', 'USERNS', 'UTS']]), ...table];
    if (lines.length) out(columns(lines));
    return;
  }
  // A template sees Names as podman's ps does: one string (json keeps the list).
  const templated = a.format && a.format !== 'json' ? rows.map((r) => ({ ...r, Names: r.Names.join(',') })) : rows;
  const sizeText = (r: Row) => `${humanSize(r.Size!.RwSize)} (virtual ${humanSize(r.Size!.RootFsSize)})`;
  const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', ...(a.size ? ['SIZE'] : []), ...(a.pod ? ['POD ID', 'PODNAME'] : [])];
  const row = (r: Row) => [r.ID, r.Image, a['no-trunc'] ? r.Command : r.Command.slice(0, 20), r.CreatedHuman, r.Status, r.Ports, r.Names[0]!, ...(a.size ? [sizeText(r)] : []), ...(a.pod ? [r.Pod, r.PodName] : [])];
  if (noheading && !a.format && !a.quiet) {
    if (rows.length) out(columns(rows.map(row)));
    return;
  }
  printList(templated as typeof rows, a.format as string | undefined, { header, row }, a.quiet ? (r) => r.ID : undefined);
}
