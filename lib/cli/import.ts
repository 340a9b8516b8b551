// `tspod import TARBALL [NAME]`
import { TspodError } from '../util/errors.js';
import { type Args, toArray } from './args.js';

export async function handler(a: Args): Promise<void> {
  const [file, name, extra] = a.operands;
  if (!file || extra) throw new TspodError('usage: tspod import TARBALL [NAME]');
  const { imageImport } = await import('../engine/images.js');
  const img = await imageImport(file, name, {
    arch: a.arch as string | undefined, os: a.os as string | undefined, variant: a.variant as string | undefined,
    changes: toArray(a.change), message: a.message as string | undefined,
  });
  process.stdout.write(img.id.slice(7) + '\n');
}
