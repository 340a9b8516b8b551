// `tspod exec [-i] [-t] [-d] [-e] [-w] [-u] CONTAINER COMMAND [ARG...]`
import { TspodError } from '../util/errors.js';
import { type Args, toArray} from './args.js';
import { withLatest } from './latest.js';

export async function handler(a: Args): Promise<number> {
  const [ref, ...command] = await withLatest(a);
  if (!ref) throw new TspodError('tspod exec needs a container: tspod exec [options] CONTAINER COMMAND [ARG...]');
  // --detach-keys: checked as attach checks them; an exec session in front of tspod has no detach
  // (tspod is its parent), so they apply nowhere (docs/cli.md)
  const { parseDetachKeys } = await import('../spec/detach-keys.js');
  parseDetachKeys(String(a['detach-keys'] ?? ''));
  const { containerExec } = await import('../engine/exec.js');
  const preserve = Number(a['preserve-fds'] ?? 0);
  return containerExec(ref, command, {
    interactive: Boolean(a.interactive), tty: Boolean(a.tty), env: toArray(a.env), envFiles: toArray(a['env-file']),
    preserveFds: preserve, privileged: Boolean(a.privileged), detachKeys: a['detach-keys'] as string | undefined,
    workdir: a.workdir as string | undefined, user: a.user as string | undefined, detach: Boolean(a.detach),
    onSession: (id) => process.stdout.write(`${id}\n`),
  });
}
