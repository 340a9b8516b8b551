// `tspod inspect [--type container|image] [--format T] NAME...`
import { TspodError } from '../util/errors.js';
import { compileTemplate } from '../util/template.js';
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
  let t;
  try {
    t = compileTemplate(format);
  } catch (err) {
    throw new TspodError(`--format: ${(err as Error).message}`);
  }
  for (const o of objects) process.stdout.write(t.render(o) + '\n');
}
