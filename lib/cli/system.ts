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
    const r = await systemPrune(Boolean(a.all));
    if (r.containers.length) process.stdout.write(`Deleted Containers\n${r.containers.join('\n')}\n`);
    if (r.images.length) process.stdout.write(`Deleted Images\n${r.images.join('\n')}\n`);
    process.stdout.write(`Total reclaimed space: ${size(r.reclaimed)}\n`);
    return;
  }
  if (sub !== 'reset') throw new TspodError(`unknown subcommand "tspod system ${sub}" (reset, df, prune)`);
  if (!a.force && !(await confirm('reset', 'This removes all containers, images and layers of this user.'))) return;
  const { systemReset } = await import('../engine/system.js');
  await systemReset();
}
