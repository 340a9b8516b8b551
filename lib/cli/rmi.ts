// `tspod rmi [-f] IMAGE...`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { toArray } from './main.js';

export function builder(y: Argv): Argv {
  return y.option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Remove the image even if a container uses it' });
}

export async function handler(a: Record<string, unknown>): Promise<number> {
  const refs = toArray(a._).slice(1);
  if (!refs.length) throw new TspodError('tspod rmi needs at least one image name or ID');
  const { imageRemove } = await import('../engine/images.js');
  let code = 0;
  for (const r of await imageRemove(refs, Boolean(a.force))) {
    if (r.error) {
      process.stderr.write(`Error: ${r.error}\n`);
      code = 1;
      continue;
    }
    for (const n of r.untagged) process.stdout.write(`Untagged: ${n}\n`);
    if (r.deleted) process.stdout.write(`Deleted: ${r.id.slice(7)}\n`);
  }
  return code;
}
