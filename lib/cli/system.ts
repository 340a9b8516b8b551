// `tspod system reset|df|prune`
import type { Args } from './args.js';
import { TspodError } from '../util/errors.js';
import { columns, humanSize } from '../util/human.js';

async function confirm(what: string, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new TspodError(`tspod system ${what}: add --force to confirm`);
  process.stdout.write(`WARNING! ${question}\nAre you sure you want to continue? [y/N] `);
  const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d).trim())));
  process.stdin.pause();
  return /^y(es)?$/i.test(answer);
}

const size = (n: number) => humanSize(n).replace(' ', '');

export async function handler(a: Args): Promise<void> {
  const sub = a.command.split(' ')[1];
  if (sub === 'migrate') {
    // tspod's records have one format (version 1) and one runtime (its own launch helper):
    // nothing to rewrite. A request to change the runtime is refused.
    const rt = a['new-runtime'] as string | undefined;
    if (rt !== undefined) throw new TspodError(`--new-runtime ${rt}: tspod runs every container with its own runtime (tspod-launch) and cannot switch to another`);
    const { containerList } = await import('../engine/containers.js');
    for (const c of containerList(true)) if (c.state.status === 'error') process.stderr.write(`WARN[0000] container ${c.id.slice(0, 12)} has an unreadable record: ${c.state.error}\n`);
    return;
  }
  if (sub === 'renumber') return; // tspod's locks are files named by container, not numbered slots: nothing to renumber
  if (sub === 'df' && a.verbose) {
    const { systemDfVerbose } = await import('../engine/system.js');
    const { ago } = await import('../util/human.js');
    const v = await systemDfVerbose();
    const since = (t: string) => ago(t).replace(/ ago$/, '');
    const out = ['Images space usage:', '', columns([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
      ...v.images.flatMap((i) => (i.names.length ? i.names : ['<none>:<none>']).map((n) => {
        const c = n.lastIndexOf(':');
        return [n.slice(0, c), n.slice(c + 1), i.id.slice(0, 12), since(i.created), size(i.size), size(i.shared), size(i.unique), String(i.containers)];
      }))]), 'Containers space usage:', '',
    columns([['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
      ...v.containers.map((c) => [c.id.slice(0, 12), c.image, c.command.slice(0, 20), String(c.volumes), size(c.size), since(c.created), c.status, c.name])]),
    'Local Volumes space usage:', '', columns([['VOLUME NAME', 'LINKS', 'SIZE'], ...v.volumes.map((x) => [x.name, String(x.links), size(x.size)])])];
    process.stdout.write(out.join('\n'));
    return;
  }
  if (sub === 'df') {
    const { systemDf } = await import('../engine/system.js');
    const rows = await systemDf();
    if (a.format === 'json') {
      process.stdout.write(JSON.stringify(rows.map((r) => ({ Type: r.type, Total: r.total, Active: r.active, Size: r.size, Reclaimable: r.reclaimable })), null, 4) + '\n');
      return;
    }
    const pct = (r: { size: number; reclaimable: number }) => (r.size ? Math.round((r.reclaimable * 100) / r.size) : 0);
    process.stdout.write(columns([['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      ...rows.map((r) => [r.type, String(r.total), String(r.active), size(r.size), `${size(r.reclaimable)} (${pct(r)}%)`])]));
    return;
  }
  if (sub === 'prune') {
    if (!a.force && !(await confirm('prune', `This removes all stopped containers and all ${a.all ? 'images without at least one container' : 'dangling images'}.`))) return;
    const { systemPrune } = await import('../engine/system.js');
    const r = await systemPrune(Boolean(a.all), (a.filter as string[] | undefined) ?? [], Boolean(a.volumes));
    if (r.containers.length) process.stdout.write(`Deleted Containers\n${r.containers.join('\n')}\n`);
    if (r.volumes.length) process.stdout.write(`Deleted Volumes\n${r.volumes.join('\n')}\n`);
    if (r.images.length) process.stdout.write(`Deleted Images\n${r.images.join('\n')}\n`);
    process.stdout.write(`Total reclaimed space: ${size(r.reclaimed)}\n`);
    return;
  }
  if (sub !== 'reset') throw new TspodError(`unknown subcommand "tspod system ${sub}" (reset, df, prune, migrate, renumber)`);
  if (!a.force && !(await confirm('reset', 'This removes all containers, images and layers of this user.'))) return;
  const { systemReset } = await import('../engine/system.js');
  await systemReset();
}
