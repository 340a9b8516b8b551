// `tspod inspect [--type container|image] [--format T] NAME...`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { compileTemplate } from '../util/template.js';
import { toArray } from './main.js';

export function builder(y: Argv): Argv {
  return y
    .option('type', { alias: 't', type: 'string', default: 'all', choices: ['all', 'container', 'image'], describe: 'What to look for' })
    .option('format', { alias: 'f', type: 'string', describe: 'json (the default) or a Go template, e.g. {{.State.Status}}' });
}

export async function handler(a: Record<string, unknown>): Promise<void> {
  const refs = toArray(a._).slice(1);
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
