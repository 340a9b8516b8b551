// `tspod doctor`: each prerequisite, ok or the exact fix; exit 0 only when `run` can work.
import type { Args } from './args.js';

export async function handler(a: Args): Promise<number> {
  const { runDoctor } = await import('../engine/system.js');
  const checks = await runDoctor();
  if (a.format === 'json') process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
  else for (const c of checks) process.stdout.write(`${c.ok ? (c.note ? 'note' : 'ok  ') : 'FAIL'}  ${c.name}: ${c.detail}\n`);
  const ok = checks.every((c) => c.ok);
  if (a.format !== 'json') process.stdout.write(ok ? 'tspod can run rootless containers here.\n' : 'tspod cannot run containers until the FAIL lines are fixed.\n');
  return ok ? 0 : 125;
}
