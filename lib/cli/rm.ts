// `tspod rm [-f] [-a] CONTAINER...`
import type { Argv } from 'yargs';

export function builder(y: Argv): Argv {
  return y
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Force removal of a running container' })
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove all containers' })
    .option('volumes', { alias: 'v', type: 'boolean', default: false, describe: 'Remove anonymous volumes too (tspod makes none yet: accepted for podman\'s muscle memory)' })
    .option('ignore', { alias: 'i', type: 'boolean', default: false, describe: 'Ignore containers that do not exist' })
    .option('cidfile', { type: 'string', describe: 'Read the container ID from this file' })
    .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait for a running container to stop before it is killed (with -f)' });
}

export async function handler(a: Record<string, unknown>): Promise<number> {
  const { cidTargets } = await import('./lifecycle.js');
  const refs = cidTargets(a, 'rm');
  const { containerRemove, containerStop } = await import('../engine/containers.js');
  // -t N: a running container is stopped the normal way first (SIGTERM, N seconds), then removed.
  if (a.time !== undefined && a.force) {
    for (const r of refs) await containerStop(r, Number(a.time)).catch(() => undefined);
  }
  const reports = await containerRemove(refs, Boolean(a.force), Boolean(a.all));
  let code = 0;
  for (const r of reports) {
    if (r.error && a.ignore && /no such container/.test(r.error)) continue;
    if (r.error) {
      process.stderr.write(`Error: ${r.error}\n`);
      code = /no such container/.test(r.error) ? 1 : 125;
    } else {
      process.stdout.write(r.id + '\n');
    }
  }
  return code;
}
