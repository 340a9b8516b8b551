// `tspod import TARBALL [NAME]`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { toArray } from './main.js';

export function builder(y: Argv): Argv {
  return y.option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Suppress the output' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const [file, name, extra] = toArray(a._).slice(1);
  if (!file || extra) throw new TspodError('usage: tspod import TARBALL [NAME]');
  const { imageImport } = await import('../engine/images.js');
  const img = await imageImport(file, name);
  process.stdout.write(img.id.slice(7) + '\n');
}
