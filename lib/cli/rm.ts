// `tspod rm [-f] [-a] [-v] CONTAINER...`
import type { Args } from './args.js';

export async function handler(a: Args): Promise<number> {
  const { cidTargets } = await import('./lifecycle.js');
  const refs = await cidTargets(a, 'rm');
  const { containerRemove, containerStop } = await import('../engine/containers.js');
  // -t N: a running container is stopped the normal way first (SIGTERM, N seconds), then removed.
  if (a.time !== undefined && a.force) {
    for (const r of refs) await containerStop(r, Number(a.time)).catch(() => undefined);
  }
  const reports = await containerRemove(refs, Boolean(a.force), Boolean(a.all), Boolean(a.volumes));
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
