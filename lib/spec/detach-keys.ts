// --detach-keys as podman reads them: a letter, or ctrl-LETTER (and ctrl-@ ^ [ \\ ] _), comma
// separated; "" turns detaching off. Pure parsing: attach, exec and run check the flag with it.
import { TspodError } from '../util/errors.js';

/** "ctrl-p,ctrl-q" -> [0x10, 0x11]; "" disables detaching. */
export function parseDetachKeys(spec: string): number[] {
  if (spec === '') return [];
  return spec.split(',').map((k) => {
    const ctrl = /^ctrl-(.)$/.exec(k);
    if (ctrl) {
      const c = ctrl[1]!;
      if (/[a-z@[\\\]^_]/.test(c)) return c.toUpperCase().charCodeAt(0) & 0x1f;
    } else if (k.length === 1) {
      return k.charCodeAt(0);
    }
    throw new TspodError(`invalid detach key "${k}" (a letter, or ctrl-LETTER; e.g. ctrl-p,ctrl-q)`);
  });
}
