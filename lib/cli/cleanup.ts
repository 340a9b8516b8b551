// `tspod container cleanup`: the monitor's call after each exit (one full id, nothing printed),
// kept in a bundle of its own so that it starts fast, and the user's (--all, --latest, --rm...).
import { TspodError } from '../util/errors.js';
import type { Args } from './args.js';

export const cleanup = async (a: Args): Promise<number | void> => {
  // The monitor's call: one full id, after its container exited, nothing printed.
  if (!a.all && !a.latest && !a.rm && !a.rmi && a.exec === undefined && a.operands.length === 1 && /^[0-9a-f]{64}$/.test(a.operands[0]!)) {
    const { containerCleanup } = await import('../engine/cleanup.js');
    await containerCleanup(a.operands[0]!, process.pid);
    return 0;
  }
  if ((a.all || a.latest) && a.operands.length) throw new TspodError(a.all ? 'when using the --all switch, you may not pass any containers names or IDs' : '--latest and containers cannot be used together');
  if (!a.all && !a.latest && !a.operands.length) throw new TspodError('you must provide at least one container name or id');
  const { cleanupRequested } = await import('../engine/containers.js');
  const done = await cleanupRequested({ refs: a.operands, all: Boolean(a.all), latest: Boolean(a.latest), rm: Boolean(a.rm), rmi: Boolean(a.rmi), exec: a.exec as string | undefined });
  process.stdout.write(done.map((id) => `${id}\n`).join(''));
  return 0;
};

