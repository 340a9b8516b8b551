// `tspod inspect [--type container|image] [--format T] NAME...`
import { TspodError } from '../util/errors.js';
import { renderList } from './format.js';
import { type Args, positionals } from './args.js';
import { out } from './out.js';

export async function handler(a: Args): Promise<void> {
  let refs = a.operands;
  if (a.latest) {
    if (refs.length) throw new TspodError('--latest and containers cannot be used together');
    const { selectContainers } = await import('../engine/container-list.js');
    try {
      refs = selectContainers({ refs: [], latest: true }, 'inspect');
    } catch {
      throw new TspodError('inspecting object: no containers to inspect: no such container');
    }
  }
  if (!refs.length) throw new TspodError('tspod inspect needs a container or image name or ID');
  const { inspect } = await import('../engine/inspect.js');
  const objects = inspect(refs, a.type as 'all' | 'container' | 'image', Boolean(a.size));
  const format = a.format as string | undefined;
  if (!format || format === 'json') {
    out(JSON.stringify(objects, null, 4) + '\n');
    return;
  }
  out(renderList(objects, format, { verb: 'inspect' }));
}

/** `tspod container exists` / `tspod image exists`: exit 0 when it exists, 1 when not. */
export async function exists(a: Args): Promise<number> {
  const type = a.command.startsWith('image') ? 'image' : 'container';
  const [ref] = positionals(a, a.command, 1, 1, type === 'image' ? 'image name or ID' : 'container name or ID');
  const { objectExists } = await import('../engine/inspect.js');
  return objectExists(ref!, type) ? 0 : 1;
}
