// `tspod inspect [--type container|image] [--format T] NAME...`
import { TspodError } from '../util/errors.js';
import { renderList } from './format.js';
import { type Args, toArray } from './args.js';

export async function handler(a: Args): Promise<void> {
  const refs = a.operands;
  if (!refs.length) throw new TspodError('tspod inspect needs a container or image name or ID');
  const { inspect } = await import('../engine/inspect.js');
  const objects = inspect(refs, a.type as 'all' | 'container' | 'image');
  const format = a.format as string | undefined;
  if (!format || format === 'json') {
    process.stdout.write(JSON.stringify(objects, null, 4) + '\n');
    return;
  }
  process.stdout.write(renderList(objects, format, { verb: 'inspect' }));
}
