// `tspod create [options] IMAGE [COMMAND [ARG...]]`: run's flags, no start.
import type { Args } from './args.js';
import { toRunOptions } from './run.js';

export async function handler(a: Args): Promise<void> {
  const opts = toRunOptions(a, 'create');
  const { createContainer } = await import('../engine/run.js');
  const { openStore } = await import('../engine/store.js');
  const rec = await createContainer(openStore(), opts);
  process.stdout.write(rec.id + '\n');
}
