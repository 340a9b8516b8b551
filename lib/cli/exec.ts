// `tspod exec [-i] [-t] [-d] [-e] [-w] [-u] CONTAINER COMMAND [ARG...]`
import { TspodError } from '../util/errors.js';
import { type Args, toArray, withLatest } from './args.js';

export async function handler(a: Args): Promise<number> {
  const [ref, ...command] = await withLatest(a);
  if (!ref) throw new TspodError('tspod exec needs a container: tspod exec [options] CONTAINER COMMAND [ARG...]');
  const { containerExec } = await import('../engine/exec.js');
  const preserve = Number(a['preserve-fds'] ?? 0);
  return containerExec(ref, command, {
    interactive: Boolean(a.interactive), tty: Boolean(a.tty), env: toArray(a.env), envFiles: toArray(a['env-file']),
    preserveFds: preserve, privileged: Boolean(a.privileged), detachKeys: a['detach-keys'] as string | undefined,
    workdir: a.workdir as string | undefined, user: a.user as string | undefined, detach: Boolean(a.detach),
    onSession: (id) => process.stdout.write(`${id}\n`),
  });
}
