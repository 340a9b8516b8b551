// `tspod rmi [-f] IMAGE...`
import { TspodError } from '../util/errors.js';
import { type Args, toArray } from './args.js';

export async function handler(a: Args): Promise<number> {
  const refs = a.operands;
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
