// `tspod rm [-f] [-a] [-v] CONTAINER...`
import type { Args } from './args.js';

export async function handler(a: Args): Promise<number> {
  const { cidTargets } = await import('./lifecycle.js');
  let refs = await cidTargets(a, 'rm');
  const { containerRemove, containerStop } = await import('../engine/containers.js');
  if (a.depend) {
    // A pod's infra container takes its pod's containers with it; another container its dependents
    // (those joining its namespaces, or requiring it), each before what it depends on.
    const { removeInfraWithDependents } = await import('../engine/pods.js');
    const { removalOrderFor } = await import('../engine/dependencies.js');
    const rest: string[] = [];
    for (const r of refs) {
      const ids = await removeInfraWithDependents(r, Boolean(a.force));
      if (ids) process.stdout.write(ids.map((id) => `${id}\n`).join(''));
      else rest.push(...removalOrderFor(r).filter((id) => !rest.includes(id)));
    }
    refs = rest;
    if (!refs.length) return 0;
  }
  // -t N: a running container is stopped the normal way first (SIGTERM, N seconds), then removed.
  if (a.time !== undefined && a.force) {
    for (const r of refs) await containerStop(r, Number(a.time)).catch(() => undefined);
  }
  const reports = await containerRemove(refs, Boolean(a.force), Boolean(a.all), Boolean(a.volumes));
  const codes: number[] = [];
  for (const r of reports) {
    // A missing container is no error with --ignore, nor with --force (podman prints nothing then).
    if (r.error && (a.ignore || a.force) && r.exitCode === 1) continue;
    if (r.error) {
      process.stderr.write(`Error: ${r.error}\n`);
      codes.push(r.exitCode ?? 125);
    } else {
      // podman prints back what it was given (a name stays a name); with --all, the ids
      process.stdout.write(`${r.ref ?? r.id}\n`);
    }
  }
  return codes.includes(125) ? 125 : codes.includes(2) ? 2 : codes.includes(1) ? 1 : 0;
}
