// `tspod create [options] IMAGE [COMMAND [ARG...]]`: run's flags, no start.
import { toRunOptions } from './run.js';
export { builder, valueFlags } from './run.js';

export async function handler(a: Record<string, unknown>): Promise<void> {
  const opts = toRunOptions(a, 'create');
  const { createContainer } = await import('../engine/run.js');
  const { openStore } = await import('../engine/store.js');
  const rec = await createContainer(openStore(), opts);
  process.stdout.write(rec.id + '\n');
}
