// `tspod load [-i FILE] [-q]`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';

export function builder(y: Argv): Argv {
  return y
    .option('input', { alias: 'i', type: 'string', describe: 'Read from the specified archive file (docker-archive or oci-archive)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Suppress the output' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const file = a.input as string | undefined;
  if (!file) throw new TspodError('tspod load needs -i FILE (reading an archive from stdin is not supported yet)');
  const { imageLoad } = await import('../engine/images.js');
  const images = await imageLoad(file);
  if (!a.quiet) process.stdout.write(`Loaded image: ${images.flatMap((i) => (i.names.length ? i.names : [i.id.slice(7)])).join('\nLoaded image: ')}\n`);
}
