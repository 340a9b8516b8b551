// `tspod ps [-a] [-q] [--no-trunc] [--format]`
import { ago } from '../util/human.js';
import { printList } from './format.js';
import { type Args, toArray } from './args.js';

export async function handler(a: Args): Promise<void> {
  const { containerList, parseFilters, podIdsFor, podNames } = await import('../engine/containers.js');
  const trunc = (id: string) => (a['no-trunc'] ? id : id.slice(0, 12));
  const filters = parseFilters(toArray(a.filter), podIdsFor);
  const pods = podNames();
  const last = a.latest ? 1 : (a.last as number | undefined);
  const all = Boolean(a.all) || last !== undefined || filters.some((f) => f.key === 'status');
  let list = containerList(all).filter((c) => filters.every((f) => f.match(c)));
  if (last !== undefined) list = list.slice(0, last);
  const rows = list.map((c) => {
    const s = c.state;
    const status = s.status === 'running' ? `Up ${ago(s.startedAt ?? c.created).replace(/ ago$/, '')}`
      : s.status === 'exited' ? `Exited (${s.exitCode ?? -1}) ${ago(s.finishedAt ?? c.created)}` : s.status === 'error' ? `Error: ${s.error}` : 'Created';
    return {
      ID: trunc(c.id), Id: c.id, Image: c.imageName, ImageID: c.imageId.slice(7), Command: c.command.join(' '),
      Names: [c.name], Status: status, State: s.status, Created: Math.floor(Date.parse(c.created) / 1000),
      CreatedAt: c.created, CreatedHuman: ago(c.created), Pid: s.pid ?? 0, ExitCode: s.exitCode ?? 0, Exited: s.status === 'exited',
      Labels: c.config.labels ?? {},
      Pod: (c.config.pod ?? c.config.infraOf ?? '').slice(0, 12), PodName: pods.get(c.config.pod ?? c.config.infraOf ?? '') ?? '',
      IsInfra: !!c.config.infraOf,
      Ports: s.status === 'running' && s.ports?.length ? s.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ') : '',
    };
  });
  // A template sees Names as podman's ps does: one string (json keeps the list).
  const templated = a.format && a.format !== 'json' ? rows.map((r) => ({ ...r, Names: r.Names.join(',') })) : rows;
  printList(templated as typeof rows, a.format as string | undefined, {
    header: ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', ...(a.pod ? ['POD ID', 'PODNAME'] : [])],
    row: (r) => [r.ID, r.Image, a['no-trunc'] ? r.Command : r.Command.slice(0, 20), r.CreatedHuman, r.Status, r.Ports, r.Names[0]!, ...(a.pod ? [r.Pod, r.PodName] : [])],
  }, a.quiet ? (r) => r.ID : undefined);
}
