// Pieces of podman's --filter values shared by the listing verbs (volumes, networks, ...):
// name=REGEXP, label=KEY[=VALUE] and until=TIME.
import { TspodError } from './errors.js';

/** label=KEY matches any value of KEY; label=KEY=VALUE only that value. */
export function labelMatch(labels: Record<string, string> | undefined, spec: string): boolean {
  const eq = spec.indexOf('=');
  return eq < 0 ? spec in (labels ?? {}) : labels?.[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** until=: a timestamp, seconds since the epoch, or a duration back from now (10m). */
export function untilTime(v: string): number {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return Date.now() - Number(d[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[d[2] as 's' | 'm' | 'h'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TspodError(`invalid until filter "${v}": use a timestamp, seconds since the epoch or a duration like 10m`);
  return t;
}

/** name=: podman matches names as an unanchored regular expression. */
export function nameRegExp(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch {
    throw new TspodError(`invalid filter name="${value}": not a regular expression`);
  }
}
