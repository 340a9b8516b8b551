// `tspod load [-i FILE] [-q]`
import type { Args } from './args.js';
import { TspodError } from '../util/errors.js';

export async function handler(a: Args): Promise<void> {
  const { imageLoad, imageLoadStream } = await import('../engine/images.js');
  let images;
  if (a.input) images = await imageLoad(String(a.input));
  else if (process.stdin.isTTY) throw new TspodError('tspod load needs -i FILE, or an archive on stdin (not a terminal)');
  else images = await imageLoadStream(process.stdin);
  // an image without a name: its id with the algorithm, as podman's "Loaded image: sha256:..."
  const loaded = [...new Set(images.flatMap((i) => (i.names.length ? i.names : [i.record.id])))];
  if (!a.quiet) process.stdout.write(loaded.map((n) => `Loaded image: ${n}\n`).join(''));
}
