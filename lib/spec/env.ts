// Environment lists (KEY=VALUE entries) as containers get them: the image's, the defaults, -e,
// --env-file, exec's own; kept apart from the run path so that exec loads only this.

/** Later entries override earlier ones by key; order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const e of list) {
      if (!e) continue;
      const k = e.split('=', 1)[0]!;
      map.set(k, e);
    }
  }
  return [...map.values()];
}
