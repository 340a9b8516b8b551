// --latest for the verbs that name one container first: kept out of args.ts, which is part of
// the entry bundle every command loads, since it reaches the store.
import type { Args } from './args.js';

/** --latest on verbs that name one container first (attach, diff, exec, top, mount...): the last
 * created container's id goes in front of the operands (which then are the rest: exec's command). */
export async function withLatest(a: Args): Promise<string[]> {
  if (!a.latest) return a.operands;
  const { selectContainers } = await import('../engine/container-list.js');
  return [...selectContainers({ refs: [], latest: true }, a.command), ...a.operands];
}
