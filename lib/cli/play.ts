// `tspod play kube [--down] FILE`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { positionals } from './main.js';

export function builder(y: Argv): Argv {
  return y
    .usage('Usage: tspod play kube [--down] FILE')
    .option('down', { type: 'boolean', default: false, describe: 'Stop and remove the pods the file describes' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const [what, file] = positionals(a, 'play', 2, 2, 'argument');
  if (what !== 'kube') throw new TspodError(`unknown subcommand "tspod play ${what}" (kube)`);
  const { playKube } = await import('../engine/kube.js');
  const results = await playKube(file!, Boolean(a.down));
  if (a.down) {
    process.stdout.write(results.length ? `Pods stopped and removed:\n${results.map((r) => r.pod).join('\n')}\n` : '');
    return;
  }
  for (const r of results) process.stdout.write(`Pod:\n${r.pod}\nContainers:\n${r.containers.join('\n')}\n\n`);
}
