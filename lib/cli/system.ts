// `tspod system reset [-f]`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';

export function builder(y: Argv): Argv {
  return y
    .usage('Usage: tspod system reset [--force]\n\nreset: remove all containers, images and layers of this user')
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not ask for confirmation' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const sub = String((a._ as unknown[])[1] ?? '');
  if (sub !== 'reset') throw new TspodError(`unknown subcommand "tspod system ${sub ?? ''}" (reset)`);
  if (!a.force) {
    if (!process.stdin.isTTY) throw new TspodError('tspod system reset removes every container and image: add --force to confirm');
    process.stdout.write('WARNING! This removes all containers, images and layers of this user.\nAre you sure you want to continue? [y/N] ');
    const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d).trim())));
    process.stdin.pause();
    if (!/^y(es)?$/i.test(answer)) return;
  }
  const { systemReset } = await import('../engine/system.js');
  await systemReset();
}
