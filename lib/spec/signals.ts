// Signal names and numbers as podman reads them (kill -s, --stop-signal, STOPSIGNAL): a name
// with or without SIG in any case, RTMIN+N / RTMAX-N, or a number 1-64; a leading '-' is
// dropped first, as podman's wrapper does. Checked before any container is looked up.
import { constants } from 'node:os';
import { TspodError } from '../util/errors.js';

const RTMIN = 34;
const RTMAX = 64;

export function parseSignal(text: string): number {
  const s = text.startsWith('-') ? text.slice(1) : text;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n === 0) throw new TspodError(`invalid signal: ${s}`);
    if (n > RTMAX) throw new TspodError('valid signals are 1 through 64');
    return n;
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'MIN' ? RTMIN : RTMAX) + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
    if (n >= RTMIN && n <= RTMAX) return n;
    throw new TspodError(`invalid signal: ${s}`);
  }
  const n = name ? (constants.signals as Record<string, number>)[`SIG${name}`] : undefined;
  if (n === undefined) throw new TspodError(`invalid signal: ${s}`);
  return n;
}
