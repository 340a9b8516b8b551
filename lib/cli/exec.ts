// `tspod exec [-i] [-t] [-d] [-e] [-w] [-u] CONTAINER COMMAND [ARG...]`
import type { Argv } from 'yargs';
import { TspodError } from '../util/errors.js';
import { toArray } from './main.js';

export const valueFlags = ['e', 'env', 'w', 'workdir', 'u', 'user', 'storage-opt', 'log-level'];

export function builder(y: Argv): Argv {
  return y
    .usage('Usage: tspod exec [options] CONTAINER COMMAND [ARG...]')
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Keep STDIN open' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'Allocate a pseudo-TTY' })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Run the command in the background and return at once' })
    .option('env', { alias: 'e', type: 'string', describe: 'Set an environment variable' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
    .option('user', { alias: 'u', type: 'string', describe: 'USER[:GROUP] to run as' });
}

export async function handler(a: Record<string, unknown>): Promise<number> {
  const [ref, ...command] = a.operands as string[];
  if (!ref) throw new TspodError('tspod exec needs a container: tspod exec [options] CONTAINER COMMAND [ARG...]');
  const { containerExec } = await import('../engine/exec.js');
  return containerExec(ref, command, {
    interactive: Boolean(a.interactive), tty: Boolean(a.tty), env: toArray(a.env),
    workdir: a.workdir as string | undefined, user: a.user as string | undefined, detach: Boolean(a.detach),
    onSession: (id) => process.stdout.write(`${id}\n`),
  });
}
