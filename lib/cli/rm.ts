// `tspod rm [-f] [-a] CONTAINER...`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { toArray } from './main.js';

export function builder(y: Argv): Argv {
  return y
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Force removal of a running container' })
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove all containers' })
    .option('volumes', { alias: 'v', type: 'boolean', default: false, describe: 'Remove anonymous volumes too (tspod makes none yet: accepted for podman\'s muscle memory)' });
}

export async function handler(a: Record<string, unknown>): Promise<number> {
  const refs = toArray(a._).slice(1);
  if (!refs.length && !a.all) throw new TspodError('tspod rm needs at least one container name or ID, or --all');
  const { containerRemove } = await import('../engine/containers.js');
  const reports = await containerRemove(refs, Boolean(a.force), Boolean(a.all));
  let code = 0;
  for (const r of reports) {
    if (r.error) {
      process.stderr.write(`Error: ${r.error}\n`);
      code = /no such container/.test(r.error) ? 1 : 125;
    } else {
      process.stdout.write(r.id + '\n');
    }
  }
  return code;
}
