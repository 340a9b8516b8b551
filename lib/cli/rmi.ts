// `tspod rmi [-f] [-a] [-i] IMAGE...`
import { TspodError } from '../util/errors.js';
import type { Args } from './args.js';

export async function handler(a: Args): Promise<number> {
  const refs = a.operands;
  if (!refs.length && !a.all) throw new TspodError('image name or ID must be specified');
  const { imageRemove } = await import('../engine/images.js');
  const missing = (m: string) => /image not known/.test(m);
  let code = 0;
  let reports;
  try {
    reports = await imageRemove(refs, Boolean(a.force), Boolean(a.all), Boolean(a['no-prune']));
  } catch (err) {
    // One image named: its error comes as a throw (podman: exit 1 for an unknown image).
    // --force, like --ignore, passes over an image that does not exist, silently (podman's).
    if ((a.ignore || a.force) && missing((err as Error).message)) return 0;
    throw err;
  }
  for (const r of reports) {
    if (r.error) {
      if ((a.ignore || a.force) && missing(r.error)) continue;
      process.stderr.write(`Error: ${r.error}\n`);
      code = missing(r.error) ? 1 : 2;
      continue;
    }
    for (const n of r.untagged) process.stdout.write(`Untagged: ${n}\n`);
    if (r.deleted) process.stdout.write(`Deleted: ${r.id.slice(7)}\n`);
  }
  return code;
}
